#include "core/log.h"

#include <spdlog/spdlog.h>

namespace vitrine::core {

void ConfigureLogging(std::string_view level) {
  auto parsed = spdlog::level::info;
  if (level == "error") parsed = spdlog::level::err;
  if (level == "warning" || level == "warn") parsed = spdlog::level::warn;
  if (level == "debug") parsed = spdlog::level::debug;
  if (level == "off") parsed = spdlog::level::off;
  spdlog::set_level(parsed);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
}

}  // namespace vitrine::core
