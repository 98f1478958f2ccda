// Annotations on the wire: JSON with a chosen set of fields (`fields=id,bbox`), and parsing of
// the objects clients send to create them.
#pragma once

#include <bitset>
#include <string_view>

#include "vitrine/requests.h"
#include "vitrine/status.h"
#include "vitrine/types.h"
#include "wire/json.h"

namespace vitrine::wire {

enum class AnnotationField {
  kId,
  kProjectId,
  kImageId,
  kWkt,
  kGeoJson,
  kType,
  kBbox,
  kArea,
  kPerimeter,
  kCentroid,
  kVertexCount,
  kProperties,
  kTerms,
  kCreatedBy,
  kAlgorithm,
  kAlgorithmVersion,
  kCreatedAt,
  kUpdatedAt,
  kRunId,
  kCount
};
using AnnotationFields = std::bitset<static_cast<std::size_t>(AnnotationField::kCount)>;

// Every field but geojson: what a listing carries when `fields` is not given.
AnnotationFields DefaultAnnotationFields();
// "id,bbox,wkt" → those fields; kInvalidArgument names an unknown one.
Result<AnnotationFields> ParseAnnotationFields(std::string_view csv);
inline bool Has(const AnnotationFields& fields, AnnotationField f) { return fields.test(static_cast<std::size_t>(f)); }

Json ToJson(const Annotation& annotation, const AnnotationFields& fields);
// The same as JSON text appended to `out`, without building a document: for listings.
void AppendJson(std::string& out, const Annotation& annotation, const AnnotationFields& fields);
Json ToJson(const Annotation& annotation);  // every field that is filled in
Json ToJson(const Term& term);
Json ToJson(const Ontology& ontology);
Result<Term> TermFromJson(const Json& json);
Result<Ontology> OntologyFromJson(const Json& json);

// Reads back what ToJson wrote; fields left out of the JSON stay at their defaults.
Result<Annotation> AnnotationFromJson(const Json& json);
// The request body for one new annotation, and its parsing on the server; `repair_all` is the
// default of the item's `repair`. `image_id` may be left out where `image_optional` (a run's
// annotations are on the run's image).
Json ToJson(const NewAnnotation& annotation);
Result<NewAnnotation> NewAnnotationFromJson(const Json& item, bool repair_all, bool image_optional = false);

}  // namespace vitrine::wire
