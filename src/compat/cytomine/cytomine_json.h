// Cytomine's JSON shapes (reference/cytomine.md §1.5-1.6 and §2): the list and command
// envelopes, its error bodies, and Vitrine's domain objects as Cytomine's classes. Geometry is
// in Cytomine's coordinates here (origin bottom-left, y up): the callers mirror it.
#pragma once

#include <string>
#include <string_view>

#include "vitrine/types.h"
#include "wire/json.h"

namespace vitrine::compat::cytomine {

using wire::Json;

// Cytomine's Java class names: clients echo them back and build property paths from them.
inline constexpr std::string_view kUserClass = "be.cytomine.domain.security.User";
inline constexpr std::string_view kProjectClass = "be.cytomine.domain.project.Project";
inline constexpr std::string_view kImageInstanceClass = "be.cytomine.domain.image.ImageInstance";
inline constexpr std::string_view kAbstractImageClass = "be.cytomine.domain.image.AbstractImage";
inline constexpr std::string_view kOntologyClass = "be.cytomine.domain.ontology.Ontology";
inline constexpr std::string_view kTermClass = "be.cytomine.domain.ontology.Term";
inline constexpr std::string_view kUserAnnotationClass = "be.cytomine.domain.ontology.UserAnnotation";
inline constexpr std::string_view kAlgoAnnotationClass = "be.cytomine.domain.ontology.AlgoAnnotation";
inline constexpr std::string_view kPropertyClass = "be.cytomine.domain.meta.Property";

// Epoch milliseconds as a string, as Cytomine writes its dates.
std::string Millis(Timestamp t);

// {"collection", "offset", "perPage", "size", "totalPages"}; `max` 0 means everything was asked.
Json ListEnvelope(Json collection, std::int64_t size, std::int64_t offset, std::int64_t max);
// What a create, update or delete answers: the object under its lowercase domain name, plus
// Cytomine's message, callback, printMessage and command.
Json CommandEnvelope(std::string_view domain, std::string_view verb, Json object);
// {"success": false, "errors": {"message": ...}}.
Json ErrorBody(const Status& status);

// A name split as Cytomine keeps it: first word and the rest.
Json UserJson(const User& user);
// A member known by id and username only (what a project's member list holds).
Json MemberJson(UserId id, const std::string& username);

struct ProjectCounts {
  std::int64_t images = 0;
  std::int64_t annotations = 0;
};
Json ProjectJson(const Project& project, std::optional<OntologyId> ontology, const std::string& ontology_name,
                 const ProjectCounts& counts);

// `class_name` kImageInstanceClass or kAbstractImageClass: one Vitrine image, two views.
Json ImageJson(const Image& image, std::string_view class_name);

Json TermJson(const Term& term);
// With `children`: the terms as Cytomine's tree (roots first, each node's children under it).
Json OntologyJson(const Ontology& ontology);

// Which column groups an annotation listing shows (Cytomine's show*/hide* parameters).
struct AnnotationColumns {
  bool basic = true, meta = true, wkt = false, gis = false, term = true, image = false, user = false;
};
// `cytomine_wkt`: the geometry already mirrored into Cytomine's coordinates (empty to leave it
// out); `image_height` mirrors the centroid. `image` gives filenames when asked for.
Json AnnotationJson(const Annotation& annotation, const std::string& cytomine_wkt, std::int64_t image_height,
                    const AnnotationColumns& columns, const Image* image, const std::string& username);

// A key/value property as a Cytomine Property of one object: `kind` ("project", "image",
// "annotation") and id say which, `domain_class` is its Cytomine class. Properties have no ids in
// Vitrine: the id is derived from the object and the key, the same whatever path named it.
std::int64_t PropertyId(std::string_view kind, std::int64_t domain_id, std::string_view key);
Json PropertyJson(std::string_view kind, std::string_view domain_class, std::int64_t domain_id, const std::string& key,
                  const std::string& value);

}  // namespace vitrine::compat::cytomine
