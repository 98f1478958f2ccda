#include "service/analytic_doc.h"

#include <cmath>
#include <set>

namespace vitrine::service {
namespace {

using nlohmann::json;

const std::set<std::string> kInputTypes = {"image", "images", "annotation-run", "data"};
const std::set<std::string> kParameterTypes = {"int", "float", "string", "bool", "enum", "data"};
const std::set<std::string> kOutputTypes = {"file", "annotations", "properties"};

Result<std::string> Text(const json& object, const char* key, const std::string& where, bool required = true) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    if (required) return Status::InvalidArgument(where + "." + key + " is missing");
    return std::string();
  }
  if (!it->is_string()) return Status::InvalidArgument(where + "." + key + " must be a string");
  return it->get<std::string>();
}

Result<bool> Flag(const json& object, const char* key, const std::string& where, bool fallback) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) return Status::InvalidArgument(where + "." + key + " must be true or false");
  return it->get<bool>();
}

Result<std::optional<double>> Number(const json& object, const char* key, const std::string& where) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::optional<double>();
  if (!it->is_number()) return Status::InvalidArgument(where + "." + key + " must be a number");
  return std::optional<double>(it->get<double>());
}

Status CheckName(const std::string& name, const std::string& where) {
  if (name.empty() || name.size() > 64) return Status::InvalidArgument(where + " must be 1-64 characters");
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) {
      return Status::InvalidArgument(where + " '" + name + "' may hold only letters, digits, '_', '-' and '.'");
    }
  }
  return Status::Ok();
}

bool IsDataReference(const json& v) {
  return v.is_object() && v.size() == 1 && v.contains("data-id") && v["data-id"].is_number_integer() &&
         v["data-id"].get<std::int64_t>() > 0;
}

// The value `v` for parameter `p`, or why it is wrong.
Status CheckValue(const AnalyticDoc::Parameter& p, const json& v) {
  const std::string where = "parameter '" + p.name + "'";
  if (p.type == "int") {
    if (!v.is_number_integer()) return Status::InvalidArgument(where + " must be an integer");
  } else if (p.type == "float") {
    if (!v.is_number() || !std::isfinite(v.get<double>())) return Status::InvalidArgument(where + " must be a number");
  } else if (p.type == "string") {
    if (!v.is_string()) return Status::InvalidArgument(where + " must be a string");
  } else if (p.type == "bool") {
    if (!v.is_boolean()) return Status::InvalidArgument(where + " must be true or false");
  } else if (p.type == "enum") {
    if (!v.is_string() || std::find(p.choices.begin(), p.choices.end(), v.get<std::string>()) == p.choices.end()) {
      std::string list;
      for (const auto& c : p.choices) list += (list.empty() ? "" : ", ") + c;
      return Status::InvalidArgument(where + " must be one of: " + list);
    }
  } else if (p.type == "data") {
    if (!IsDataReference(v)) return Status::InvalidArgument(where + " must be {\"data-id\": ID}");
  }
  if ((p.type == "int" || p.type == "float") && v.is_number()) {
    const double x = v.get<double>();
    if (p.min && x < *p.min) return Status::InvalidArgument(where + " must be at least " + json(*p.min).dump());
    if (p.max && x > *p.max) return Status::InvalidArgument(where + " must be at most " + json(*p.max).dump());
  }
  return Status::Ok();
}

}  // namespace

Result<AnalyticDoc> ParseAnalyticDoc(const std::string& text) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object())
    return Status::InvalidArgument("the analytic document is not a JSON object");
  if (!doc.contains("info") || !doc["info"].is_object()) return Status::InvalidArgument("info is missing");
  AnalyticDoc out;
  const json& info = doc["info"];
  VITRINE_ASSIGN_OR_RETURN(out.name, Text(info, "name", "info"));
  VITRINE_ASSIGN_OR_RETURN(out.version, Text(info, "version", "info"));
  VITRINE_ASSIGN_OR_RETURN(out.description, Text(info, "description", "info", false));
  VITRINE_ASSIGN_OR_RETURN(out.supports_cpu, Flag(info, "supports_cpu", "info", true));
  VITRINE_ASSIGN_OR_RETURN(out.supports_gpu, Flag(info, "supports_gpu", "info", false));
  VITRINE_ASSIGN_OR_RETURN(out.entry_point, Text(info, "entrypoint", "info", false));
  if (info.contains("wall_time_seconds") && !info["wall_time_seconds"].is_null()) {
    if (!info["wall_time_seconds"].is_number_integer() || info["wall_time_seconds"].get<std::int64_t>() < 1) {
      return Status::InvalidArgument("info.wall_time_seconds must be a positive number of seconds");
    }
    out.wall_time_seconds = info["wall_time_seconds"].get<std::int64_t>();
  }
  // "owner/name": one slash at most, each side a plain name.
  auto slash = out.name.find('/');
  VITRINE_RETURN_IF_ERROR(CheckName(out.name.substr(0, slash), "info.name"));
  if (slash != std::string::npos) VITRINE_RETURN_IF_ERROR(CheckName(out.name.substr(slash + 1), "info.name"));
  VITRINE_RETURN_IF_ERROR(CheckName(out.version, "info.version"));

  std::set<std::string> names;
  auto list = [&](const char* key) -> Result<json> {
    if (!doc.contains(key) || doc[key].is_null()) return json::array();
    if (!doc[key].is_array()) return Status::InvalidArgument(std::string(key) + " must be an array");
    return doc[key];
  };
  VITRINE_ASSIGN_OR_RETURN(json inputs, list("inputs"));
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::string where = "inputs[" + std::to_string(i) + "]";
    if (!inputs[i].is_object()) return Status::InvalidArgument(where + " must be an object");
    AnalyticDoc::Input in;
    VITRINE_ASSIGN_OR_RETURN(in.name, Text(inputs[i], "name", where));
    VITRINE_ASSIGN_OR_RETURN(in.type, Text(inputs[i], "type", where));
    VITRINE_ASSIGN_OR_RETURN(in.description, Text(inputs[i], "description", where, false));
    VITRINE_ASSIGN_OR_RETURN(in.required, Flag(inputs[i], "required", where, true));
    VITRINE_RETURN_IF_ERROR(CheckName(in.name, where + ".name"));
    if (!kInputTypes.contains(in.type)) {
      return Status::InvalidArgument(where + ".type '" + in.type +
                                     "' is not one of image, images, annotation-run, data");
    }
    if (!names.insert(in.name).second) return Status::InvalidArgument(where + ": '" + in.name + "' is named twice");
    out.inputs.push_back(std::move(in));
  }
  VITRINE_ASSIGN_OR_RETURN(json parameters, list("parameters"));
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    const std::string where = "parameters[" + std::to_string(i) + "]";
    const json& p = parameters[i];
    if (!p.is_object()) return Status::InvalidArgument(where + " must be an object");
    AnalyticDoc::Parameter param;
    VITRINE_ASSIGN_OR_RETURN(param.name, Text(p, "name", where));
    VITRINE_ASSIGN_OR_RETURN(param.type, Text(p, "type", where));
    VITRINE_ASSIGN_OR_RETURN(param.description, Text(p, "description", where, false));
    VITRINE_ASSIGN_OR_RETURN(param.required, Flag(p, "required", where, false));
    VITRINE_ASSIGN_OR_RETURN(param.min, Number(p, "min", where));
    VITRINE_ASSIGN_OR_RETURN(param.max, Number(p, "max", where));
    VITRINE_RETURN_IF_ERROR(CheckName(param.name, where + ".name"));
    if (!kParameterTypes.contains(param.type)) {
      return Status::InvalidArgument(where + ".type '" + param.type +
                                     "' is not one of int, float, string, bool, enum, data");
    }
    if (param.type == "enum") {
      if (!p.contains("choices") || !p["choices"].is_array() || p["choices"].empty()) {
        return Status::InvalidArgument(where + ": an enum needs a non-empty 'choices' array");
      }
      for (const auto& c : p["choices"]) {
        if (!c.is_string()) return Status::InvalidArgument(where + ".choices must be strings");
        param.choices.push_back(c.get<std::string>());
      }
    }
    if (p.contains("default") && !p["default"].is_null()) {
      param.default_value = p["default"];
      Status fits = CheckValue(param, *param.default_value);
      if (!fits.ok()) return Status::InvalidArgument(where + ".default: " + fits.message());
    }
    if (!names.insert(param.name).second) {
      return Status::InvalidArgument(where + ": '" + param.name + "' is named twice");
    }
    out.parameters.push_back(std::move(param));
  }
  VITRINE_ASSIGN_OR_RETURN(json outputs, list("outputs"));
  std::set<std::string> output_names;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const std::string where = "outputs[" + std::to_string(i) + "]";
    if (!outputs[i].is_object()) return Status::InvalidArgument(where + " must be an object");
    AnalyticDoc::Output o;
    VITRINE_ASSIGN_OR_RETURN(o.name, Text(outputs[i], "name", where));
    VITRINE_ASSIGN_OR_RETURN(o.type, Text(outputs[i], "type", where));
    VITRINE_ASSIGN_OR_RETURN(o.filename, Text(outputs[i], "filename", where, false));
    VITRINE_ASSIGN_OR_RETURN(o.description, Text(outputs[i], "description", where, false));
    VITRINE_ASSIGN_OR_RETURN(o.required, Flag(outputs[i], "required", where, true));
    VITRINE_RETURN_IF_ERROR(CheckName(o.name, where + ".name"));
    if (!kOutputTypes.contains(o.type)) {
      return Status::InvalidArgument(where + ".type '" + o.type + "' is not one of file, annotations, properties");
    }
    if (o.filename.empty()) o.filename = o.name + (o.type == "file" ? "" : ".json");
    if (o.filename.find('/') != std::string::npos || o.filename == "." || o.filename == "..") {
      return Status::InvalidArgument(where + ".filename must be a plain file name");
    }
    if (!output_names.insert(o.name).second)
      return Status::InvalidArgument(where + ": '" + o.name + "' is named twice");
    out.outputs.push_back(std::move(o));
  }
  return out;
}

Result<json> CheckParameters(const AnalyticDoc& doc, const json& given) {
  if (!given.is_object()) return Status::InvalidArgument("parameters must be a JSON object");
  json out = json::object();
  for (const auto& [name, value] : given.items()) {
    auto it = std::find_if(doc.parameters.begin(), doc.parameters.end(), [&](const auto& p) { return p.name == name; });
    if (it == doc.parameters.end()) {
      return Status::InvalidArgument("unknown parameter '" + name + "' (" + doc.name + " " + doc.version + " has " +
                                     std::to_string(doc.parameters.size()) + " parameters; see its doc)");
    }
    VITRINE_RETURN_IF_ERROR(CheckValue(*it, value));
    out[name] = value;
  }
  for (const auto& p : doc.parameters) {
    if (out.contains(p.name)) continue;
    if (p.default_value) {
      out[p.name] = *p.default_value;
    } else if (p.required) {
      return Status::InvalidArgument("parameter '" + p.name + "' is required");
    }
  }
  return out;
}

}  // namespace vitrine::service
