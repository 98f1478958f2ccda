#include "compat/cytomine/cytomine_json.h"

#include <map>

#include "core/digest.h"

namespace vitrine::compat::cytomine {

std::string Millis(Timestamp t) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
}

Json ListEnvelope(Json collection, std::int64_t size, std::int64_t offset, std::int64_t max) {
  const std::int64_t per_page = max > 0 ? std::min(max, size) : size;
  const std::int64_t pages = max > 0 ? (size + max - 1) / max : (size > 0 ? 1 : 0);
  return Json{{"collection", std::move(collection)},
              {"offset", offset},
              {"perPage", per_page},
              {"size", size},
              {"totalPages", pages}};
}

Json CommandEnvelope(std::string_view domain, std::string_view verb, Json object) {
  std::string id = object.contains("id") ? object["id"].dump() : "";
  std::string name(domain);
  Json envelope{{"message", name + " " + id + " " + std::string(verb)},
                {"callback", {{"method", "be.cytomine." + std::string(verb) + name}, {name + "ID", id}}},
                {"printMessage", true},
                {"command", 0}};
  envelope[name] = std::move(object);
  return envelope;
}

Json ErrorBody(const Status& status) { return Json{{"success", false}, {"errors", {{"message", status.message()}}}}; }

Json UserJson(const User& user) {
  const std::string& name = user.name.empty() ? user.username : user.name;
  auto space = name.find(' ');
  std::string first = name.substr(0, space);
  std::string last = space == std::string::npos ? "" : name.substr(space + 1);
  return Json{{"id", user.id.value()},
              {"class", kUserClass},
              {"created", Millis(user.created_at)},
              {"updated", nullptr},
              {"username", user.username},
              {"firstname", first},
              {"lastname", last},
              {"name", name},
              {"fullName", name},
              {"email", user.email},
              {"admin", user.admin},
              {"user", !user.admin},
              {"guest", false},
              {"adminByNow", user.admin},
              {"userByNow", true},
              {"guestByNow", false},
              {"isSwitched", false},
              {"algo", false},
              {"enabled", user.enabled}};
}

Json MemberJson(UserId id, const std::string& username) {
  return Json{{"id", id.value()}, {"class", kUserClass}, {"username", username}, {"algo", false}};
}

Json ProjectJson(const Project& project, std::optional<OntologyId> ontology, const std::string& ontology_name,
                 const ProjectCounts& counts) {
  Json ontology_id = ontology ? Json(ontology->value()) : Json(nullptr);
  return Json{{"id", project.id.value()},
              {"class", kProjectClass},
              {"created", Millis(project.created_at)},
              {"updated", Millis(project.updated_at)},
              {"name", project.name},
              {"description", project.description},
              {"ontology", ontology_id},
              {"ontologyName", ontology ? Json(ontology_name) : Json(nullptr)},
              {"user", project.created_by.value()},
              {"blindMode", false},
              {"areImagesDownloadable", true},
              {"numberOfSlides", counts.images},
              {"numberOfImages", counts.images},
              {"numberOfAnnotations", counts.annotations},
              {"numberOfJobAnnotations", 0},
              {"numberOfReviewedAnnotations", 0},
              {"isClosed", false},
              {"isReadOnly", false},
              {"isRestricted", false},
              {"hideUsersLayers", false},
              {"hideAdminsLayers", false}};
}

Json ImageJson(const Image& image, std::string_view class_name) {
  const std::string base = "/api/imageinstance/" + std::to_string(image.id.value());
  Json physical_x = image.pixel_size_x_um ? Json(*image.pixel_size_x_um) : Json(nullptr);
  Json physical_y = image.pixel_size_y_um ? Json(*image.pixel_size_y_um) : Json(nullptr);
  return Json{{"id", image.id.value()},
              {"class", class_name},
              {"created", Millis(image.created_at)},
              {"updated", nullptr},
              {"baseImage", image.id.value()},
              {"project", image.project_id.value()},
              {"user", image.created_by.value()},
              {"instanceFilename", image.filename},
              {"originalFilename", image.filename},
              {"filename", image.filename},
              {"blindedName", nullptr},
              {"path", image.sha256},
              {"contentType", image.mime_type},
              {"width", image.width},
              {"height", image.height},
              {"depth", image.planes},
              {"duration", 1},
              {"channels", image.channels},
              {"extrinsicChannels", image.channels},
              {"physicalSizeX", physical_x},
              {"physicalSizeY", physical_y},
              {"physicalSizeZ", nullptr},
              {"resolution", physical_x},
              {"fps", nullptr},
              {"zoom", image.levels},
              {"tileSize", 256},
              {"isVirtual", false},
              {"magnification", image.magnification ? Json(*image.magnification) : Json(nullptr)},
              {"bitPerSample", image.bit_depth},
              {"samplePerPixel", image.channels},
              {"colorspace", image.channels >= 3 ? "RGB" : "GRAY"},
              {"reviewed", false},
              {"inReview", false},
              {"thumb", base + "/thumb.jpg"},
              {"preview", base + "/thumb.jpg?maxSize=1024"},
              {"macroURL", nullptr}};
}

Json TermJson(const Term& term) {
  return Json{{"id", term.id.value()},
              {"class", kTermClass},
              {"created", nullptr},
              {"updated", nullptr},
              {"name", term.name},
              {"comment", ""},
              {"ontology", term.ontology_id.value()},
              {"color", term.color},
              {"parent", term.parent_id ? Json(term.parent_id->value()) : Json(nullptr)}};
}

namespace {

Json TermNode(const Term& term, const std::multimap<std::int64_t, const Term*>& children_of, int depth) {
  Json children = Json::array();
  if (depth < 64) {  // the catalog refuses cycles; this only bounds the recursion
    auto [begin, end] = children_of.equal_range(term.id.value());
    for (auto it = begin; it != end; ++it) children.push_back(TermNode(*it->second, children_of, depth + 1));
  }
  const bool folder = !children.empty();
  return Json{{"id", term.id.value()},
              {"key", term.id.value()},
              {"name", term.name},
              {"title", term.name},
              {"data", term.name},
              {"color", term.color},
              {"class", kTermClass},
              {"parent", term.parent_id ? Json(term.parent_id->value()) : Json(nullptr)},
              {"attr", {{"id", term.id.value()}, {"type", kTermClass}}},
              {"checked", false},
              {"isFolder", folder},
              {"hideCheckbox", folder},
              {"children", std::move(children)}};
}

}  // namespace

Json OntologyJson(const Ontology& ontology) {
  std::multimap<std::int64_t, const Term*> children_of;
  for (const Term& term : ontology.terms) children_of.emplace(term.parent_id ? term.parent_id->value() : 0, &term);
  Json roots = Json::array();
  auto [begin, end] = children_of.equal_range(0);
  for (auto it = begin; it != end; ++it) roots.push_back(TermNode(*it->second, children_of, 0));
  return Json{{"id", ontology.id.value()},
              {"class", kOntologyClass},
              {"created", Millis(ontology.created_at)},
              {"updated", nullptr},
              {"name", ontology.name},
              {"title", ontology.name},
              {"data", ontology.name},
              {"user", ontology.created_by.value()},
              {"attr", {{"id", ontology.id.value()}, {"type", kOntologyClass}}},
              {"isFolder", true},
              {"key", ontology.id.value()},
              {"hideCheckbox", true},
              {"state", "open"},
              {"projects", Json::array()},
              {"children", std::move(roots)}};
}

Json AnnotationJson(const Annotation& annotation, const std::string& cytomine_wkt, std::int64_t image_height,
                    const AnnotationColumns& columns, const Image* image, const std::string& username) {
  const std::int64_t id = annotation.id.value();
  Json out{{"id", id}, {"class", annotation.algorithm ? kAlgoAnnotationClass : kUserAnnotationClass}};
  if (columns.meta) {
    const std::string crop = "/api/userannotation/" + std::to_string(id) + "/crop.png";
    out.update(Json{{"created", Millis(annotation.created_at)},
                    {"updated", Millis(annotation.updated_at)},
                    {"image", annotation.image_id.value()},
                    {"slice", nullptr},
                    {"project", annotation.project_id.value()},
                    {"user", annotation.created_by.value()},
                    {"nbComments", 0},
                    {"countReviewedAnnotations", 0},
                    {"reviewed", false},
                    {"cropURL", crop},
                    {"smallCropURL", crop + "?maxSize=256"},
                    {"url", crop},
                    {"imageURL", "/api/imageinstance/" + std::to_string(annotation.image_id.value()) + ".json"}});
    if (annotation.algorithm) {
      out["algorithm"] = *annotation.algorithm;
      out["algorithmVersion"] = annotation.algorithm_version ? Json(*annotation.algorithm_version) : Json(nullptr);
    }
  }
  if (columns.wkt) {
    out["location"] = cytomine_wkt;
    out["geometryCompression"] = 0.0;
  }
  if (columns.gis) {
    out.update(Json{{"area", annotation.area},
                    {"areaUnit", "PIXELS²"},
                    {"perimeter", annotation.perimeter},
                    {"perimeterUnit", "PIXELS"},
                    {"x", annotation.centroid[0]},
                    {"y", static_cast<double>(image_height) - annotation.centroid[1]}});
  }
  if (columns.term) {
    Json terms = Json::array();
    for (TermId term : annotation.terms) terms.push_back(term.value());
    out["term"] = terms;
    out["annotationTerms"] = Json::array();
    out["userTerm"] = Json::array();
  }
  if (columns.image && image) {
    out["originalFilename"] = image->filename;
    out["instanceFilename"] = image->filename;
  }
  if (columns.user) {
    out["creator"] = username;
    out["name"] = username;
  }
  return out;
}

std::int64_t PropertyId(std::string_view kind, std::int64_t domain_id, std::string_view key) {
  std::string digest = core::Sha256Hex(std::string(kind) + '\n' + std::to_string(domain_id) + '\n' + std::string(key));
  // 52 bits: exact in a JavaScript number, positive, and collisions among one object's keys
  // are as likely as a SHA-256 collision of its first 13 digits.
  return std::stoll(digest.substr(0, 13), nullptr, 16) + 1;
}

Json PropertyJson(std::string_view kind, std::string_view domain_class, std::int64_t domain_id, const std::string& key,
                  const std::string& value) {
  return Json{
      {"id", PropertyId(kind, domain_id, key)}, {"class", kPropertyClass},  {"created", nullptr}, {"updated", nullptr},
      {"domainClassName", domain_class},        {"domainIdent", domain_id}, {"key", key},         {"value", value}};
}

}  // namespace vitrine::compat::cytomine
