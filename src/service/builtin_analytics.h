// The analytics compiled into Vitrine: their documents, registered in the catalog when a store
// opens (the code that runs them is in src/worker/).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vitrine::service {

inline constexpr const char* kNoopAnalytic = "vitrine/noop";
inline constexpr const char* kPyramidsAnalytic = "vitrine/pyramids";
inline constexpr const char* kDarkObjectsAnalytic = "vitrine/dark-objects";
inline constexpr const char* kFeaturesAnalytic = "vitrine/features";

// Names under vitrine/ are the built-in analytics' alone: registering one is refused.
inline bool IsBuiltinAnalyticName(std::string_view name) { return name.starts_with("vitrine/"); }

const std::vector<std::string>& BuiltinAnalyticDocs();

}  // namespace vitrine::service
