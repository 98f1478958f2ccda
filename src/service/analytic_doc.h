// The analytic document (the Voxel51 shape: info, inputs, parameters, outputs), checked when an
// analytic is registered, and a job request checked against it when a job is created.
// docs/jobs.md describes both.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "vitrine/status.h"

namespace vitrine::service {

struct AnalyticDoc {
  struct Input {
    std::string name;
    std::string type;  // image, images, annotation-run, data
    std::string description;
    bool required = true;
  };
  struct Parameter {
    std::string name;
    std::string type;  // int, float, string, bool, enum, data
    std::string description;
    std::optional<nlohmann::json> default_value;
    std::optional<double> min, max;
    std::vector<std::string> choices;  // enum
    bool required = false;
  };
  struct Output {
    std::string name;
    std::string type;  // file, annotations, properties
    std::string filename;
    std::string description;
    bool required = true;
  };
  std::string name;
  std::string version;
  std::string description;
  bool supports_cpu = true;
  bool supports_gpu = false;
  std::string entry_point;                        // external analytics: the bundle's executable (info.entrypoint)
  std::optional<std::int64_t> wall_time_seconds;  // info.wall_time_seconds: the run time it asks for
  std::vector<Input> inputs;
  std::vector<Parameter> parameters;
  std::vector<Output> outputs;
};

// kInvalidArgument naming the field that is wrong.
Result<AnalyticDoc> ParseAnalyticDoc(const std::string& json);

// The parameters of a job request checked against the document, defaults applied: unknown
// names, wrong types, values out of range or not among the choices, and missing required
// parameters are kInvalidArgument naming the parameter.
Result<nlohmann::json> CheckParameters(const AnalyticDoc& doc, const nlohmann::json& given);

}  // namespace vitrine::service
