// Annotation runs on the wire: the run record, the body that stores one, and the answer to it.
#pragma once

#include "vitrine/requests.h"
#include "vitrine/status.h"
#include "vitrine/types.h"
#include "wire/json.h"

namespace vitrine::wire {

Json ToJson(const AnnotationRun& run);
Result<AnnotationRun> AnnotationRunFromJson(const Json& json);

// The run with "annotation_ids" in input order.
Json ToJson(const CreatedAnnotationRun& created);
Result<CreatedAnnotationRun> CreatedAnnotationRunFromJson(const Json& json);

// The request body, and its parsing on the server (`repair_all` is the items' default repair).
Json ToJson(const NewAnnotationRun& run);
Result<NewAnnotationRun> NewAnnotationRunFromJson(const Json& json, bool repair_all);

}  // namespace vitrine::wire
