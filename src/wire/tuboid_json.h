// Tuboids and their ITC labels on the wire (/api/v1/tuboids).
#pragma once

#include <vector>

#include "vitrine/status.h"
#include "vitrine/types.h"
#include "wire/json.h"

namespace vitrine::wire {

// The tuboid with its series and, when its shots were read (never in a listing), "shots" as a
// list of {device, captured_at, x, y, scale} and "shots_text" as uploaded.
Json ToJson(const Tuboid& tuboid);
Result<Tuboid> TuboidFromJson(const Json& json);
Json ToJson(const ItcLabel& label);
// The body that labels a tuboid (algorithm, algorithm_version, label, pattern, type and,
// optionally, order, family, genus, species), or a label as answered (with its id, tuboid_id,
// created_by, created_at).
Result<ItcLabel> ItcLabelFromJson(const Json& json);

}  // namespace vitrine::wire
