// Files the clients write for their callers (feature tables), never seen half-written.
#pragma once

#include <filesystem>
#include <string_view>

#include "vitrine/status.h"

namespace vitrine::client {

// `bytes` to `destination` through a temp file beside it, renamed into place once complete.
Status SaveBytes(std::string_view bytes, const std::filesystem::path& destination);

}  // namespace vitrine::client
