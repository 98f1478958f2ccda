#include "interchange/annotation_geojson.h"

#include <map>
#include <set>

#include "wire/feature_collection.h"

namespace vitrine::interchange {
namespace {

// Names of the terms in the ontologies of `projects`.
Result<std::map<TermId, std::string>> TermNames(service::Service& service, const service::Caller& caller,
                                                const std::set<ProjectId>& projects) {
  std::map<TermId, std::string> names;
  for (ProjectId project : projects) {
    VITRINE_ASSIGN_OR_RETURN(auto ontology, service.ontologies().ProjectOntology(caller, project));
    if (!ontology) continue;
    VITRINE_ASSIGN_OR_RETURN(Ontology found, service.ontologies().Get(caller, *ontology));
    for (const auto& term : found.terms) names[term.id] = term.name;
  }
  return names;
}

}  // namespace

Result<std::string> ExportGeoJson(service::Service& service, const service::Caller& caller,
                                  const AnnotationFilter& filter) {
  constexpr std::int64_t kChunk = 10'000;
  AnnotationView view{.wkt = false, .geojson = true, .properties = true};
  std::vector<Annotation> all;
  std::set<ProjectId> projects;
  for (std::int64_t offset = 0;;) {
    VITRINE_ASSIGN_OR_RETURN(Page<Annotation> page,
                             service.annotations().List(caller, filter, PageRequest{kChunk, offset}, view));
    offset += static_cast<std::int64_t>(page.items.size());
    for (auto& a : page.items) {
      projects.insert(a.project_id);
      all.push_back(std::move(a));
    }
    if (page.items.empty() || offset >= page.total) break;
  }
  VITRINE_ASSIGN_OR_RETURN(auto names, TermNames(service, caller, projects));
  return wire::ToFeatureCollection(all, names).dump();
}

Result<std::vector<AnnotationId>> ImportGeoJson(service::Service& service, const service::Caller& caller,
                                                ImageId image, std::string_view collection, bool repair) {
  VITRINE_ASSIGN_OR_RETURN(Image target, service.images().Get(caller, image));
  wire::Json json = wire::Json::parse(collection, nullptr, false);
  if (json.is_discarded()) return Status::InvalidArgument("the body is not valid JSON");
  VITRINE_ASSIGN_OR_RETURN(auto names, TermNames(service, caller, {target.project_id}));
  std::map<std::string, TermId> by_name;
  for (const auto& [id, name] : names) by_name[wire::Lowercase(name)] = id;
  VITRINE_ASSIGN_OR_RETURN(std::vector<NewAnnotation> batch,
                           wire::FromFeatureCollection(json, image, by_name, repair));
  return service.annotations().Create(caller, batch);
}

}  // namespace vitrine::interchange
