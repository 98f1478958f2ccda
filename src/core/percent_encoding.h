// Percent-encoding of URL components (RFC 3986), shared by the server and the clients.
#pragma once

#include <string>
#include <string_view>

#include "vitrine/status.h"

namespace vitrine::core {

// Escapes everything but unreserved characters (A-Z a-z 0-9 - _ . ~): safe in a path segment
// or a query value.
std::string PercentEncode(std::string_view text);

// Decodes %XX escapes (and '+' as space when `plus_is_space`). kInvalidArgument on a broken escape.
Result<std::string> PercentDecode(std::string_view text, bool plus_is_space);

}  // namespace vitrine::core
