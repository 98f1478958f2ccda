// Cytomine's key/value properties of projects, images and annotations: Vitrine's properties of
// the same objects, under /api/domain/{class}/{id}/property... and /api/annotation/{id}/property....
#include <map>

#include "compat/cytomine/cytomine_routes.h"

namespace vitrine::compat::cytomine {
namespace {

enum class Kind { kProject, kImage, kAnnotation };

// The object a property path names.
struct Owner {
  Kind kind;
  std::int64_t id;
  std::string domain_class;  // as the path gave it, echoed back in domainClassName
};

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kProject:
      return "project";
    case Kind::kImage:
      return "image";
    case Kind::kAnnotation:
      return "annotation";
  }
  return "";
}

Result<Owner> OwnerOf(const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(std::int64_t id, IdIn<std::int64_t>(params, "domain_id"));
  auto it = params.find("domain_class");
  const std::string domain_class = it == params.end() ? "annotation" : it->second;
  auto ends_with = [&](std::string_view suffix) { return std::string_view(domain_class).ends_with(suffix); };
  if (ends_with("Project") || domain_class == "project") return Owner{Kind::kProject, id, domain_class};
  if (ends_with("ImageInstance") || ends_with("AbstractImage") || domain_class == "imageinstance") {
    return Owner{Kind::kImage, id, domain_class};
  }
  if (ends_with("Annotation") || domain_class == "annotation") return Owner{Kind::kAnnotation, id, domain_class};
  return Status::InvalidArgument("properties of " + domain_class +
                                 " are not offered: only of projects, images and annotations");
}

Result<Properties> PropertiesOf(service::Service& service, const Caller& caller, const Owner& owner) {
  switch (owner.kind) {
    case Kind::kProject: {
      VITRINE_ASSIGN_OR_RETURN(Project p, service.projects().Get(caller, ProjectId(owner.id)));
      return p.properties;
    }
    case Kind::kImage: {
      VITRINE_ASSIGN_OR_RETURN(Image i, service.images().Get(caller, ImageId(owner.id)));
      return i.properties;
    }
    case Kind::kAnnotation: {
      service::AnnotationOutput properties_only;
      properties_only.wkt = properties_only.terms = false;
      VITRINE_ASSIGN_OR_RETURN(Annotation a,
                               service.annotations().Get(caller, AnnotationId(owner.id), properties_only));
      return a.properties;
    }
  }
  return Status::Internal("unknown property owner");
}

using Changes = std::map<std::string, std::optional<std::string>>;

Status Change(service::Service& service, const Caller& caller, const Owner& owner, Changes changes) {
  switch (owner.kind) {
    case Kind::kProject: {
      service::UpdateProjectRequest update;
      update.properties = std::move(changes);
      return service.projects().Update(caller, ProjectId(owner.id), update).status();
    }
    case Kind::kImage: {
      service::ImageChanges update;
      update.properties = std::move(changes);
      return service.images().Update(caller, ImageId(owner.id), update).status();
    }
    case Kind::kAnnotation: {
      service::AnnotationChange update;
      update.properties = std::move(changes);
      return service.annotations().Update(caller, AnnotationId(owner.id), update).status();
    }
  }
  return Status::Internal("unknown property owner");
}

Json Row(const Owner& owner, const std::string& key, const std::string& value) {
  return PropertyJson(KindName(owner.kind), owner.domain_class, owner.id, key, value);
}

// The stored key a property id stands for.
Result<std::pair<std::string, std::string>> KeyOf(const Properties& properties, const Owner& owner,
                                                  const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(std::int64_t id, IdIn<std::int64_t>(params, "property_id"));
  for (const auto& [key, value] : properties) {
    if (PropertyId(KindName(owner.kind), owner.id, key) == id) return std::pair(key, value);
  }
  return Status::NotFound("property " + std::to_string(id) + " not found");
}

// A property's key and value from a body; values other than strings are kept as their JSON.
Result<std::pair<std::string, std::string>> KeyValueOf(const Json& body) {
  auto key = body.find("key");
  if (key == body.end() || !key->is_string() || key->get_ref<const std::string&>().empty()) {
    return Status::InvalidArgument("a property needs a key");
  }
  auto value = body.find("value");
  std::string text;
  if (value != body.end() && !value->is_null()) text = value->is_string() ? value->get<std::string>() : value->dump();
  return std::pair(key->get<std::string>(), text);
}

Result<HttpResponse> ListProperties(service::Service& service, const Caller& caller, const HttpRequest& request,
                                    const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(Owner owner, OwnerOf(params));
  VITRINE_ASSIGN_OR_RETURN(auto query, http::QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(Slice slice, SliceOf(query));
  VITRINE_ASSIGN_OR_RETURN(Properties properties, PropertiesOf(service, caller, owner));
  Json rows = Json::array();
  for (const auto& [key, value] : properties) rows.push_back(Row(owner, key, value));
  return CytomineJsonResponse(ListOf(std::move(rows), slice));
}

Result<HttpResponse> GetProperty(service::Service& service, const Caller& caller, const HttpRequest&,
                                 const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(Owner owner, OwnerOf(params));
  VITRINE_ASSIGN_OR_RETURN(Properties properties, PropertiesOf(service, caller, owner));
  VITRINE_ASSIGN_OR_RETURN(auto found, KeyOf(properties, owner, params));
  return CytomineJsonResponse(Row(owner, found.first, found.second));
}

Result<HttpResponse> GetPropertyByKey(service::Service& service, const Caller& caller, const HttpRequest&,
                                      const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(Owner owner, OwnerOf(params));
  VITRINE_ASSIGN_OR_RETURN(Properties properties, PropertiesOf(service, caller, owner));
  const std::string& key = params.at("key");
  auto it = properties.find(key);
  if (it == properties.end()) return Status::NotFound("no property '" + key + "'");
  return CytomineJsonResponse(Row(owner, it->first, it->second));
}

Result<HttpResponse> CreateProperty(service::Service& service, const Caller& caller, const HttpRequest& request,
                                    const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(Owner owner, OwnerOf(params));
  VITRINE_ASSIGN_OR_RETURN(Json body, BodyObject(request));
  VITRINE_ASSIGN_OR_RETURN(auto kv, KeyValueOf(body));
  VITRINE_RETURN_IF_ERROR(Change(service, caller, owner, {{kv.first, kv.second}}));
  return CytomineJsonResponse(CommandEnvelope("property", "added", Row(owner, kv.first, kv.second)));
}

// A new value, or a new key (the old one goes).
Result<HttpResponse> UpdateProperty(service::Service& service, const Caller& caller, const HttpRequest& request,
                                    const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(Owner owner, OwnerOf(params));
  VITRINE_ASSIGN_OR_RETURN(Json body, BodyObject(request));
  VITRINE_ASSIGN_OR_RETURN(auto kv, KeyValueOf(body));
  VITRINE_ASSIGN_OR_RETURN(Properties properties, PropertiesOf(service, caller, owner));
  VITRINE_ASSIGN_OR_RETURN(auto stored, KeyOf(properties, owner, params));
  Changes changes{{kv.first, kv.second}};
  if (stored.first != kv.first) changes[stored.first] = std::nullopt;
  VITRINE_RETURN_IF_ERROR(Change(service, caller, owner, std::move(changes)));
  return CytomineJsonResponse(CommandEnvelope("property", "edited", Row(owner, kv.first, kv.second)));
}

Result<HttpResponse> DeleteProperty(service::Service& service, const Caller& caller, const HttpRequest&,
                                    const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(Owner owner, OwnerOf(params));
  VITRINE_ASSIGN_OR_RETURN(Properties properties, PropertiesOf(service, caller, owner));
  VITRINE_ASSIGN_OR_RETURN(auto stored, KeyOf(properties, owner, params));
  VITRINE_RETURN_IF_ERROR(Change(service, caller, owner, {{stored.first, std::nullopt}}));
  return CytomineJsonResponse(CommandEnvelope("property", "deleted", Row(owner, stored.first, stored.second)));
}

}  // namespace

void AddPropertyRoutes(http::Router& router, service::Service& service) {
  for (const char* base : {"/api/domain/{domain_class}/{domain_id}", "/api/annotation/{domain_id}"}) {
    const std::string prefix(base);
    router.Add("GET", prefix + "/property.json", Cytomine(service, ListProperties));
    router.Add("POST", prefix + "/property.json", Cytomine(service, CreateProperty, /*heavy=*/true));
    router.Add("GET", prefix + "/property/{property_id}.json", Cytomine(service, GetProperty));
    router.Add("PUT", prefix + "/property/{property_id}.json", Cytomine(service, UpdateProperty, /*heavy=*/true));
    router.Add("DELETE", prefix + "/property/{property_id}.json", Cytomine(service, DeleteProperty, /*heavy=*/true));
    router.Add("GET", prefix + "/key/{key}/property.json", Cytomine(service, GetPropertyByKey));
  }
}

}  // namespace vitrine::compat::cytomine
