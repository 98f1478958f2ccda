// ASCII case, for text whose case rules are ASCII's: HTTP header names, usernames (the catalog's
// NOCASE), file extensions, device names.
#pragma once

#include <string>
#include <string_view>

namespace vitrine::core {

// `text` with A-Z turned into a-z; every other byte, UTF-8 included, is left as it is,
// whatever the process's locale.
std::string Lowercase(std::string_view text);

}  // namespace vitrine::core
