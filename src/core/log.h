// Logger setup. The logger is the only process-wide state Vitrine keeps (see STYLE.md).
#pragma once

#include <string_view>

namespace vitrine::core {

// Sets the default spdlog logger's level from "error", "warning", "info" or "debug";
// an unknown name leaves "info".
void ConfigureLogging(std::string_view level);

}  // namespace vitrine::core
