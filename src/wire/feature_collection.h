// Annotations as a GeoJSON FeatureCollection, for export and import (QuPath, GIS tools, other
// Vitrine servers). Each feature:
//   {"type": "Feature", "id": 12, "geometry": {...},
//    "properties": {"image_id": 3, "terms": ["Tumour cell"], "algorithm": null,
//                   "algorithm_version": null, "properties": {"key": "value"}}}
// Terms travel by name, so a collection can be imported into a project with another ontology
// holding the same names.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "vitrine/requests.h"
#include "vitrine/status.h"
#include "vitrine/types.h"
#include "wire/json.h"

namespace vitrine::wire {

// One feature; `annotation` must carry its GeoJSON geometry.
Json ToFeature(const Annotation& annotation, const std::map<TermId, std::string>& term_names);

// `annotations` must carry their GeoJSON geometry.
Json ToFeatureCollection(const std::vector<Annotation>& annotations, const std::map<TermId, std::string>& term_names);

// Every feature becomes an annotation on `image`; term names are looked up (case-insensitively)
// in `terms_by_name` (lowercased keys). kInvalidArgument names the feature at fault.
Result<std::vector<NewAnnotation>> FromFeatureCollection(const Json& collection, ImageId image,
                                                         const std::map<std::string, TermId>& terms_by_name,
                                                         bool repair);

}  // namespace vitrine::wire
