#include "interchange/annotation_geojson.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/ascii.h"
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

class GeoJsonExport final : public core::ByteSource {
 public:
  GeoJsonExport(service::Service& service, service::Caller caller, AnnotationFilter filter)
      : service_(service), caller_(std::move(caller)), filter_(std::move(filter)) {}

  // Reads the first page, so that its errors are the caller's answer.
  Status Start() {
    text_ = R"({"type":"FeatureCollection","features":[)";
    return NextPage();
  }

  Result<std::size_t> Read(std::span<char> buffer) override {
    while (position_ == text_.size() && !finished_) {
      text_.clear();
      position_ = 0;
      VITRINE_RETURN_IF_ERROR(NextPage());
    }
    const std::size_t n = std::min(buffer.size(), text_.size() - position_);
    std::copy_n(text_.data() + position_, n, buffer.data());
    position_ += n;
    return n;
  }

 private:
  static constexpr std::int64_t kPage = 2'000;

  // Each page starts after the last id of the one before, and nothing is counted: a page
  // costs the same at the end of a million annotations as at the start.
  Status NextPage() {
    const AnnotationView view{
        .wkt = false, .geojson = true, .properties = true, .terms = true, .simplify = {}, .count_total = false};
    VITRINE_ASSIGN_OR_RETURN(Page<Annotation> page,
                             service_.annotations().List(caller_, filter_, PageRequest{kPage, 0}, view));
    if (!page.items.empty()) filter_.after = page.items.back().id;
    std::set<ProjectId> unseen;
    for (const auto& a : page.items) {
      if (!term_names_.contains(a.project_id)) unseen.insert(a.project_id);
    }
    for (ProjectId project : unseen) {
      VITRINE_ASSIGN_OR_RETURN(term_names_[project], TermNames(service_, caller_, {project}));
    }
    for (const auto& a : page.items) {
      if (!first_) text_ += ',';
      first_ = false;
      text_ += wire::ToFeature(a, term_names_[a.project_id]).dump(-1, ' ', false, wire::Json::error_handler_t::replace);
    }
    if (static_cast<std::int64_t>(page.items.size()) < kPage) {
      text_ += "]}";
      finished_ = true;
    }
    return Status::Ok();
  }

  service::Service& service_;
  const service::Caller caller_;
  AnnotationFilter filter_;
  std::map<ProjectId, std::map<TermId, std::string>> term_names_;
  bool first_ = true;
  bool finished_ = false;
  std::string text_;
  std::size_t position_ = 0;
};

}  // namespace

Result<std::unique_ptr<core::ByteSource>> ExportGeoJsonStream(service::Service& service, const service::Caller& caller,
                                                              const AnnotationFilter& filter) {
  auto stream = std::make_unique<GeoJsonExport>(service, caller, filter);
  VITRINE_RETURN_IF_ERROR(stream->Start());
  return std::unique_ptr<core::ByteSource>(std::move(stream));
}

Result<std::string> ExportGeoJson(service::Service& service, const service::Caller& caller,
                                  const AnnotationFilter& filter) {
  VITRINE_ASSIGN_OR_RETURN(auto stream, ExportGeoJsonStream(service, caller, filter));
  std::string out;
  std::vector<char> buffer(64 * 1024);
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(std::size_t n, stream->Read(buffer));
    if (n == 0) return out;
    out.append(buffer.data(), n);
  }
}

Result<std::vector<AnnotationId>> ImportGeoJson(service::Service& service, const service::Caller& caller, ImageId image,
                                                std::string_view collection, bool repair) {
  VITRINE_ASSIGN_OR_RETURN(Image target, service.images().Get(caller, image));
  wire::Json json = wire::Json::parse(collection, nullptr, false);
  if (json.is_discarded()) return Status::InvalidArgument("the body is not valid JSON");
  VITRINE_ASSIGN_OR_RETURN(auto names, TermNames(service, caller, {target.project_id}));
  std::map<std::string, TermId> by_name;
  for (const auto& [id, name] : names) by_name[core::Lowercase(name)] = id;
  VITRINE_ASSIGN_OR_RETURN(std::vector<NewAnnotation> batch, wire::FromFeatureCollection(json, image, by_name, repair));
  return service.annotations().Create(caller, batch);
}

}  // namespace vitrine::interchange
