#include "wire/feature_json.h"

namespace vitrine::wire {

Json FeatureRequestJson(const std::vector<FeatureResource>& resources, const FeatureOptions& options) {
  Json list = Json::array();
  for (const FeatureResource& r : resources) {
    Json item = Json::object();
    if (r.image) item["image"] = r.image->value();
    if (r.region) item["region"] = *r.region;
    if (r.mask) item["mask"] = r.mask->value();
    if (r.annotation) item["annotation"] = r.annotation->value();
    list.push_back(std::move(item));
  }
  Json body = {{"resources", std::move(list)}};
  if (options.max_size) body["parameters"] = {{"max_size", *options.max_size}};
  return body;
}

Result<FeatureDescriptor> FeatureDescriptorFromJson(const Json& j) {
  return Reading("a feature descriptor", [&]() -> Result<FeatureDescriptor> {
    FeatureDescriptor d;
    d.name = j.at("name").get<std::string>();
    d.length = j.at("length").get<int>();
    d.description = j.at("description").get<std::string>();
    d.pixels = j.at("pixels").get<std::string>();
    d.accepts = j.at("accepts").get<std::vector<std::string>>();
    d.rows = j.at("rows").get<std::string>();
    d.value_type = j.at("value_type").get<std::string>();
    for (const auto& column : j.at("columns")) {
      d.columns.push_back({column.at("name").get<std::string>(), column.at("type").get<std::string>()});
    }
    d.version = j.at("version").get<int>();
    d.reference = j.at("reference").get<std::string>();
    return d;
  });
}

Result<FeatureTable> FeatureTableFromJson(const Json& j) {
  return Reading("a feature table", [&]() -> Result<FeatureTable> {
    FeatureTable table;
    table.feature = j.at("feature").get<std::string>();
    table.length = j.at("length").get<int>();
    for (const auto& column : j.value("columns", Json::array())) table.columns.push_back(column.get<std::string>());
    for (const auto& r : j.at("rows")) {
      FeatureRow row;
      row.image = r.at("image").get<std::string>();
      row.mask = r.at("mask").get<std::string>();
      row.annotation = r.at("annotation").get<std::string>();
      row.status = r.at("status").get<int>();
      row.error = r.value("error", std::string());
      if (row.status == 200) {
        row.values = r.at("feature").get<std::vector<float>>();
        for (const auto& column : table.columns) row.columns.push_back(r.at(column).get<double>());
      }
      table.rows.push_back(std::move(row));
    }
    return table;
  });
}

std::string_view FeatureFormatName(FeatureFormat format) {
  switch (format) {
    case FeatureFormat::kHdf5:
      return "hdf5";
    case FeatureFormat::kCsv:
      return "csv";
    case FeatureFormat::kJson:
      return "json";
  }
  return "json";
}

}  // namespace vitrine::wire
