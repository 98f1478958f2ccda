// Feature descriptors, requests and tables as JSON (docs/features.md has the shapes): what the
// remote client sends and reads, and what the in-process client reads back from the tables the
// features module writes, so both clients give the same values.
#pragma once

#include <string_view>

#include "vitrine/features.h"
#include "wire/json.h"

namespace vitrine::wire {

// The body of POST /api/v1/features/{name}: {"resources": [...], "parameters": {...}}.
Json FeatureRequestJson(const std::vector<FeatureResource>& resources, const FeatureOptions& options);
// kInternal when the JSON has another shape.
Result<FeatureDescriptor> FeatureDescriptorFromJson(const Json& json);
Result<FeatureTable> FeatureTableFromJson(const Json& json);
// "hdf5", "csv", "json": the `format` query parameter.
std::string_view FeatureFormatName(FeatureFormat format);

}  // namespace vitrine::wire
