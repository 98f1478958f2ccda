#include "service/properties.h"

#include "catalog/catalog.h"

namespace vitrine::service {
namespace {

constexpr std::size_t kMaxPropertyKey = 256;
constexpr std::size_t kMaxPropertyValue = 64 * 1024;
constexpr std::size_t kMaxProperties = catalog::kMaxPropertiesPerThing;

}  // namespace

Status ValidateProperties(const Properties& properties) {
  if (properties.size() > kMaxProperties) {
    return Status::InvalidArgument("at most " + std::to_string(kMaxProperties) + " properties on one thing");
  }
  for (const auto& [key, value] : properties) {
    if (key.empty() || key.size() > kMaxPropertyKey) {
      return Status::InvalidArgument("property keys must be 1-" + std::to_string(kMaxPropertyKey) + " bytes");
    }
    if (value.size() > kMaxPropertyValue) {
      return Status::InvalidArgument("property '" + key + "' is longer than 64 KiB");
    }
  }
  return Status::Ok();
}

Status ValidatePropertyChanges(const std::map<std::string, std::optional<std::string>>& changes) {
  Properties to_check;
  for (const auto& [key, value] : changes) to_check[key] = value.value_or("");
  return ValidateProperties(to_check);
}

}  // namespace vitrine::service
