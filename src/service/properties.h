// The limits on key/value properties, the same for projects, images and annotations.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "vitrine/status.h"
#include "vitrine/types.h"

namespace vitrine::service {

// Keys 1-256 bytes, values up to 64 KiB, at most 1000 properties on one thing.
Status ValidateProperties(const Properties& properties);
// The same for a change, where an empty (nullopt) value removes the key.
Status ValidatePropertyChanges(const std::map<std::string, std::optional<std::string>>& changes);

// The project property a protocol adapter finds its project by (sticky_pi=project names the
// Sticky Pi project): set, changed and removed by administrators only, so that no manager can
// divert a protocol's uploads into a project of their own.
inline constexpr const char* kAdminOnlyProjectProperty = "sticky_pi";

}  // namespace vitrine::service
