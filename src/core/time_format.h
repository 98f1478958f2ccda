// Text forms of timestamps: ISO 8601 / RFC 3339 for JSON, RFC 1123-style for HTTP `Date`.
#pragma once

#include <string>
#include <string_view>

#include "vitrine/status.h"
#include "vitrine/types.h"

namespace vitrine::core {

// "2026-11-22T04:11:14.123456Z" (UTC, microseconds; the fraction is omitted when zero).
std::string FormatIso8601(Timestamp t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)" and a date alone ("YYYY-MM-DD", midnight UTC).
Result<Timestamp> ParseIso8601(std::string_view text);

// Parses an HTTP date as clients send it: "Tue, 02 Sep 2025 10:00:00 GMT" or with "+0000"
// (Cytomine's client) or any "+HHMM"/"-HHMM" offset.
Result<Timestamp> ParseHttpDate(std::string_view text);
// "Tue, 02 Sep 2025 10:00:00 GMT"
std::string FormatHttpDate(Timestamp t);

}  // namespace vitrine::core
