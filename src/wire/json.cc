#include "wire/json.h"

#include <utility>
#include <vector>

#include "core/time_format.h"

namespace vitrine::wire {
namespace {

Json OptionalTime(const std::optional<Timestamp>& t) { return t ? Json(core::FormatIso8601(*t)) : Json(nullptr); }

Status WrongType(const char* field, const char* type) {
  return Status::InvalidArgument(std::string("field '") + field + "' must be " + type);
}

Result<Timestamp> TimeField(const Json& j, const char* field) {
  VITRINE_ASSIGN_OR_RETURN(std::string text, RequiredString(j, field));
  return core::ParseIso8601(text);
}

Result<std::optional<Timestamp>> OptionalTimeField(const Json& j, const char* field) {
  VITRINE_ASSIGN_OR_RETURN(std::optional<std::string> text, OptionalString(j, field));
  if (!text) return std::optional<Timestamp>();
  VITRINE_ASSIGN_OR_RETURN(Timestamp t, core::ParseIso8601(*text));
  return std::optional<Timestamp>(t);
}

Result<std::int64_t> RequiredInt(const Json& j, const char* field) {
  VITRINE_ASSIGN_OR_RETURN(std::optional<std::int64_t> v, OptionalInt(j, field));
  if (!v) return Status::InvalidArgument(std::string("field '") + field + "' is required");
  return *v;
}

}  // namespace

Json ToJson(const User& u) {
  return Json{{"id", u.id.value()}, {"username", u.username},
              {"name", u.name},     {"email", u.email},
              {"admin", u.admin},   {"enabled", u.enabled},
              {"worker", u.worker}, {"created_at", core::FormatIso8601(u.created_at)}};
}

Json ToJson(const Project& p) {
  return Json{{"id", p.id.value()},
              {"name", p.name},
              {"description", p.description},
              {"created_by", p.created_by.valid() ? Json(p.created_by.value()) : Json(nullptr)},
              {"created_at", core::FormatIso8601(p.created_at)},
              {"updated_at", core::FormatIso8601(p.updated_at)},
              {"properties", Json(p.properties)}};
}

Json ToJson(const ProjectMember& m) {
  return Json{{"project_id", m.project_id.value()},
              {"user_id", m.user_id.value()},
              {"username", m.username},
              {"role", std::string(ProjectRoleName(m.role))}};
}

Json ToJson(const ApiKey& k) {
  return Json{{"id", k.id.value()},
              {"user_id", k.user_id.value()},
              {"public_key", k.public_key},
              {"created_at", core::FormatIso8601(k.created_at)},
              {"revoked_at", OptionalTime(k.revoked_at)}};
}

Json ToJson(const NewApiKey& k) {
  Json j = ToJson(k.key);
  j["private_key"] = k.private_key;
  return j;
}

Json ToJson(const NewBearerToken& t) {
  return Json{{"token", t.token},
              {"token_id", t.info.id.value()},
              {"user_id", t.info.user_id.value()},
              {"created_at", core::FormatIso8601(t.info.created_at)},
              {"expires_at", core::FormatIso8601(t.info.expires_at)}};
}

Json ToJson(const Image& im) {
  auto optional_number = [](const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); };
  return Json{{"id", im.id.value()},
              {"project_id", im.project_id.value()},
              {"filename", im.filename},
              {"size_bytes", im.size_bytes},
              {"sha256", im.sha256},
              {"md5", im.md5},
              {"format", im.format},
              {"mime_type", im.mime_type},
              {"width", im.width},
              {"height", im.height},
              {"channels", im.channels},
              {"bit_depth", im.bit_depth},
              {"planes", im.planes},
              {"levels", im.levels},
              {"pixel_size_x_um", optional_number(im.pixel_size_x_um)},
              {"pixel_size_y_um", optional_number(im.pixel_size_y_um)},
              {"magnification", optional_number(im.magnification)},
              {"device", im.device ? Json(*im.device) : Json(nullptr)},
              {"captured_at", OptionalTime(im.captured_at)},
              {"created_by", im.created_by.valid() ? Json(im.created_by.value()) : Json(nullptr)},
              {"created_at", core::FormatIso8601(im.created_at)},
              {"properties", Json(im.properties)}};
}

Result<Properties> PropertiesFromJson(const Json& j) {
  if (!j.is_object()) return Status::InvalidArgument("properties must be an object of strings");
  Properties out;
  for (const auto& [key, value] : j.items()) {
    if (!value.is_string()) return Status::InvalidArgument("property '" + key + "' must be a string");
    out[key] = value.get<std::string>();
  }
  return out;
}

Result<std::map<std::string, std::optional<std::string>>> PropertyChangesFromJson(const Json& j) {
  if (!j.is_object()) return Status::InvalidArgument("properties must be an object");
  std::map<std::string, std::optional<std::string>> out;
  for (const auto& [key, value] : j.items()) {
    if (value.is_null())
      out[key] = std::nullopt;
    else if (value.is_string())
      out[key] = value.get<std::string>();
    else
      return Status::InvalidArgument("property '" + key + "' must be a string or null");
  }
  return out;
}

Json ToJson(const std::map<std::string, std::optional<std::string>>& property_changes) {
  Json out = Json::object();
  for (const auto& [key, value] : property_changes) out[key] = value ? Json(*value) : Json(nullptr);
  return out;
}

Result<Image> ImageFromJson(const Json& j) {
  Image im;
  auto optional_double = [&](const char* field) -> Result<std::optional<double>> {
    auto it = j.find(field);
    if (it == j.end() || it->is_null()) return std::optional<double>();
    if (!it->is_number()) return WrongType(field, "a number");
    return std::optional<double>(it->get<double>());
  };
  VITRINE_ASSIGN_OR_RETURN(std::int64_t id, RequiredInt(j, "id"));
  VITRINE_ASSIGN_OR_RETURN(std::int64_t project, RequiredInt(j, "project_id"));
  im.id = ImageId(id);
  im.project_id = ProjectId(project);
  VITRINE_ASSIGN_OR_RETURN(im.filename, RequiredString(j, "filename"));
  VITRINE_ASSIGN_OR_RETURN(im.size_bytes, RequiredInt(j, "size_bytes"));
  VITRINE_ASSIGN_OR_RETURN(im.sha256, RequiredString(j, "sha256"));
  VITRINE_ASSIGN_OR_RETURN(im.md5, RequiredString(j, "md5"));
  VITRINE_ASSIGN_OR_RETURN(im.format, RequiredString(j, "format"));
  VITRINE_ASSIGN_OR_RETURN(im.mime_type, RequiredString(j, "mime_type"));
  VITRINE_ASSIGN_OR_RETURN(im.width, RequiredInt(j, "width"));
  VITRINE_ASSIGN_OR_RETURN(im.height, RequiredInt(j, "height"));
  VITRINE_ASSIGN_OR_RETURN(std::int64_t channels, RequiredInt(j, "channels"));
  VITRINE_ASSIGN_OR_RETURN(std::int64_t bit_depth, RequiredInt(j, "bit_depth"));
  VITRINE_ASSIGN_OR_RETURN(std::int64_t planes, RequiredInt(j, "planes"));
  VITRINE_ASSIGN_OR_RETURN(std::int64_t levels, RequiredInt(j, "levels"));
  im.channels = static_cast<int>(channels);
  im.bit_depth = static_cast<int>(bit_depth);
  im.planes = static_cast<int>(planes);
  im.levels = static_cast<int>(levels);
  VITRINE_ASSIGN_OR_RETURN(im.pixel_size_x_um, optional_double("pixel_size_x_um"));
  VITRINE_ASSIGN_OR_RETURN(im.pixel_size_y_um, optional_double("pixel_size_y_um"));
  VITRINE_ASSIGN_OR_RETURN(im.magnification, optional_double("magnification"));
  VITRINE_ASSIGN_OR_RETURN(im.device, OptionalString(j, "device"));
  VITRINE_ASSIGN_OR_RETURN(im.captured_at, OptionalTimeField(j, "captured_at"));
  VITRINE_ASSIGN_OR_RETURN(auto created_by, OptionalInt(j, "created_by"));
  im.created_by = UserId(created_by.value_or(0));
  VITRINE_ASSIGN_OR_RETURN(im.created_at, TimeField(j, "created_at"));
  if (auto it = j.find("properties"); it != j.end() && !it->is_null()) {
    VITRINE_ASSIGN_OR_RETURN(im.properties, PropertiesFromJson(*it));
  }
  return im;
}

Result<User> UserFromJson(const Json& j) {
  User u;
  VITRINE_ASSIGN_OR_RETURN(std::int64_t id, RequiredInt(j, "id"));
  u.id = UserId(id);
  VITRINE_ASSIGN_OR_RETURN(u.username, RequiredString(j, "username"));
  VITRINE_ASSIGN_OR_RETURN(auto name, OptionalString(j, "name"));
  VITRINE_ASSIGN_OR_RETURN(auto email, OptionalString(j, "email"));
  VITRINE_ASSIGN_OR_RETURN(auto admin, OptionalBool(j, "admin"));
  VITRINE_ASSIGN_OR_RETURN(auto enabled, OptionalBool(j, "enabled"));
  VITRINE_ASSIGN_OR_RETURN(u.created_at, TimeField(j, "created_at"));
  u.name = name.value_or("");
  u.email = email.value_or("");
  u.admin = admin.value_or(false);
  u.enabled = enabled.value_or(true);
  return u;
}

Result<Project> ProjectFromJson(const Json& j) {
  Project p;
  VITRINE_ASSIGN_OR_RETURN(std::int64_t id, RequiredInt(j, "id"));
  p.id = ProjectId(id);
  VITRINE_ASSIGN_OR_RETURN(p.name, RequiredString(j, "name"));
  VITRINE_ASSIGN_OR_RETURN(auto description, OptionalString(j, "description"));
  VITRINE_ASSIGN_OR_RETURN(auto created_by, OptionalInt(j, "created_by"));
  VITRINE_ASSIGN_OR_RETURN(p.created_at, TimeField(j, "created_at"));
  VITRINE_ASSIGN_OR_RETURN(p.updated_at, TimeField(j, "updated_at"));
  p.description = description.value_or("");
  p.created_by = UserId(created_by.value_or(0));
  if (auto it = j.find("properties"); it != j.end() && !it->is_null()) {
    VITRINE_ASSIGN_OR_RETURN(p.properties, PropertiesFromJson(*it));
  }
  return p;
}

Result<ProjectMember> ProjectMemberFromJson(const Json& j) {
  ProjectMember m;
  VITRINE_ASSIGN_OR_RETURN(std::int64_t project, RequiredInt(j, "project_id"));
  VITRINE_ASSIGN_OR_RETURN(std::int64_t user, RequiredInt(j, "user_id"));
  VITRINE_ASSIGN_OR_RETURN(std::string role, RequiredString(j, "role"));
  VITRINE_ASSIGN_OR_RETURN(auto username, OptionalString(j, "username"));
  auto parsed = ProjectRoleFromName(role);
  if (!parsed) return Status::InvalidArgument("unknown role '" + role + "'");
  return ProjectMember{ProjectId(project), UserId(user), username.value_or(""), *parsed};
}

Result<ApiKey> ApiKeyFromJson(const Json& j) {
  ApiKey k;
  VITRINE_ASSIGN_OR_RETURN(std::int64_t id, RequiredInt(j, "id"));
  VITRINE_ASSIGN_OR_RETURN(std::int64_t user, RequiredInt(j, "user_id"));
  k.id = ApiKeyId(id);
  k.user_id = UserId(user);
  VITRINE_ASSIGN_OR_RETURN(k.public_key, RequiredString(j, "public_key"));
  VITRINE_ASSIGN_OR_RETURN(k.created_at, TimeField(j, "created_at"));
  VITRINE_ASSIGN_OR_RETURN(k.revoked_at, OptionalTimeField(j, "revoked_at"));
  return k;
}

Json ErrorBody(const Status& status) {
  return Json{{"error", {{"code", std::string(ErrorCodeName(status.code()))}, {"message", status.message()}}}};
}

Status StatusFromErrorBody(std::string_view body, std::string_view fallback) {
  Json doc = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("error") || !doc["error"].is_object())
    return Status::Internal(std::string(fallback));
  const Json& e = doc["error"];
  auto code_it = e.find("code");
  auto message_it = e.find("message");
  if (code_it == e.end() || !code_it->is_string()) return Status::Internal(std::string(fallback));
  std::optional<ErrorCode> code = ErrorCodeFromName(code_it->get<std::string>());
  if (!code.has_value() || code.value() == ErrorCode::kOk) return Status::Internal(std::string(fallback));
  std::string message = message_it != e.end() && message_it->is_string() ? message_it->get<std::string>() : "";
  return Status(code.value(), std::move(message));
}

bool NestedDeeperThan(const Json& json, int max_depth) {
  std::vector<std::pair<const Json*, int>> pending{{&json, 0}};
  while (!pending.empty()) {
    auto [value, depth] = pending.back();
    pending.pop_back();
    if (!value->is_structured()) continue;
    if (++depth > max_depth) return true;
    for (const auto& child : *value) pending.emplace_back(&child, depth);
  }
  return false;
}

Result<Json> ParseObject(std::string_view body) {
  Json doc = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::InvalidArgument("request body is not valid JSON");
  if (!doc.is_object()) return Status::InvalidArgument("request body must be a JSON object");
  return doc;
}

Result<std::optional<std::string>> OptionalString(const Json& j, const char* field) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return WrongType(field, "a string");
  return std::optional<std::string>(it->get<std::string>());
}

Result<std::optional<bool>> OptionalBool(const Json& j, const char* field) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return std::optional<bool>();
  if (!it->is_boolean()) return WrongType(field, "true or false");
  return std::optional<bool>(it->get<bool>());
}

Result<std::optional<std::int64_t>> OptionalInt(const Json& j, const char* field) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return std::optional<std::int64_t>();
  if (!it->is_number_integer()) return WrongType(field, "an integer");
  if (it->is_number_unsigned() && it->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
    return WrongType(field, "an integer below 2^63");
  }
  return std::optional<std::int64_t>(it->get<std::int64_t>());
}

Result<std::string> RequiredString(const Json& j, const char* field) {
  VITRINE_ASSIGN_OR_RETURN(std::optional<std::string> v, OptionalString(j, field));
  if (!v) return Status::InvalidArgument(std::string("field '") + field + "' is required");
  return *v;
}

Result<Timestamp> TimeAt(const Json& j, const char* field) {
  return core::ParseIso8601(j.at(field).get<std::string>());
}

}  // namespace vitrine::wire
