// The JSON wire format of Vitrine's domain types and errors, shared by the HTTP server and the
// remote client so both sides agree by construction. Holds nlohmann::json for the module.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "vitrine/status.h"
#include "vitrine/types.h"

namespace vitrine::wire {

using Json = nlohmann::json;

Json ToJson(const User& user);
Json ToJson(const Project& project);
Json ToJson(const ProjectMember& member);
Json ToJson(const ApiKey& key);
Json ToJson(const NewApiKey& key);
Json ToJson(const NewBearerToken& token);
Json ToJson(const Image& image);

Result<User> UserFromJson(const Json& json);
Result<Project> ProjectFromJson(const Json& json);
Result<ProjectMember> ProjectMemberFromJson(const Json& json);
Result<ApiKey> ApiKeyFromJson(const Json& json);
Result<Image> ImageFromJson(const Json& json);
// {"key": "value", ...}; kInvalidArgument for non-string values.
Result<Properties> PropertiesFromJson(const Json& json);
// {"key": "value" or null (remove the key), ...}, as in a PATCH body.
Result<std::map<std::string, std::optional<std::string>>> PropertyChangesFromJson(const Json& json);
Json ToJson(const std::map<std::string, std::optional<std::string>>& property_changes);

template <class T>
Json ToJson(const Page<T>& page) {
  Json items = Json::array();
  for (const auto& item : page.items) items.push_back(ToJson(item));
  return Json{{"items", std::move(items)}, {"total", page.total}};
}

// {"error": {"code": "not_found", "message": "..."}}
Json ErrorBody(const Status& status);
// Reads an error body back into a Status; a body of another shape gives kInternal with `fallback`.
Status StatusFromErrorBody(std::string_view body, std::string_view fallback);

// Deeper than any geometry needs; geometry::Parse refuses GeoJSON text nested deeper too.
inline constexpr int kMaxGeoJsonNesting = 64;

// Whether `json` has arrays or objects nested more than `max_depth` deep (a scalar is 0 deep).
// Checked without recursion: a value that fails is one that dump() would overflow the stack on.
bool NestedDeeperThan(const Json& json, int max_depth);

// Parses a request body that must be a JSON object.
Result<Json> ParseObject(std::string_view body);

// Runs `fn`, which reads a document the server sent with at() and get<>(): a document of another
// shape becomes kInternal naming `what`, rather than an exception.
template <class Fn>
auto Reading(const char* what, Fn fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const Json::exception& e) {
    return Status::Internal(std::string("the server sent ") + what + " of the wrong shape: " + e.what());
  }
}

// A time field (ISO 8601) of a document the server sent; nlohmann throws on a wrong shape, for
// Reading to catch.
Result<Timestamp> TimeAt(const Json& j, const char* field);

// Typed access to an optional member of a JSON object; kInvalidArgument naming the field when
// it is present with the wrong type.
Result<std::optional<std::string>> OptionalString(const Json& object, const char* field);
Result<std::optional<bool>> OptionalBool(const Json& object, const char* field);
Result<std::optional<std::int64_t>> OptionalInt(const Json& object, const char* field);
Result<std::string> RequiredString(const Json& object, const char* field);

}  // namespace vitrine::wire
