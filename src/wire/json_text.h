// Appending JSON values to text directly, for listings too large to build as a document first
// (building one for an annotation page of 10,000 rows is mostly making and freeing nlohmann
// map nodes).
// What it writes parses back to what wire::ToJson would have built: strings escaped as JSON
// requires, invalid UTF-8 replaced by U+FFFD (as JsonResponse's dump does), numbers in their
// shortest round-trip form, non-finite numbers as null.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace vitrine::wire {

void AppendJsonString(std::string& out, std::string_view text);
void AppendJsonNumber(std::string& out, double value);
void AppendJsonNumber(std::string& out, std::int64_t value);
// {"key": "value", ...}
void AppendJsonObject(std::string& out, const std::map<std::string, std::string>& object);

}  // namespace vitrine::wire
