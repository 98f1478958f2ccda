// RemoteClient: the Client interface over HTTP, speaking the /api/v1 JSON of wire/.
#include <algorithm>
#include <fstream>

#include "client/http_transport.h"
#include "client/save_file.h"
#include "client/tuboid_folder.h"
#include "core/byte_stream.h"
#include "core/digest.h"
#include "core/parse_integer.h"
#include "core/percent_encoding.h"
#include "core/time_format.h"
#include "vitrine/client.h"
#include "wire/annotation_json.h"
#include "wire/annotation_run_json.h"
#include "wire/feature_json.h"
#include "wire/job_json.h"
#include "wire/json.h"
#include "wire/tuboid_json.h"

namespace vitrine {
namespace {

using client::HttpReply;
using client::HttpTransport;
using wire::Json;

std::string Escape(std::string_view text) { return core::PercentEncode(text); }

std::string PageQuery(const PageRequest& page) {
  return "limit=" + std::to_string(page.limit) + "&offset=" + std::to_string(page.offset);
}

std::string PropertyQuery(const PropertyMatch& match) {
  return match.first + (match.second ? "=" + *match.second : "");
}

std::string FilterQuery(const ImageFilter& f) {
  std::string q;
  auto add = [&](const char* name, const std::string& value) { q += std::string("&") + name + "=" + Escape(value); };
  if (f.device_like) add("device", *f.device_like);
  if (f.filename_like) add("filename", *f.filename_like);
  if (f.captured_from) add("captured_from", core::FormatIso8601(*f.captured_from));
  if (f.captured_to) add("captured_to", core::FormatIso8601(*f.captured_to));
  if (f.property) add("property", PropertyQuery(*f.property));
  const char* sorts[] = {"captured_at", "created_at", "filename", "id"};
  add("sort", sorts[static_cast<int>(f.sort)]);
  add("order", f.descending ? "desc" : "asc");
  return q;
}

std::string ViewQuery(const AnnotationView& view) {
  std::string fields =
      "id,project_id,image_id,type,bbox,area,perimeter,centroid,vertex_count,created_by,algorithm,"
      "algorithm_version,created_at,updated_at,run_id";
  if (view.wkt) fields += ",wkt";
  if (view.geojson) fields += ",geojson";
  if (view.properties) fields += ",properties";
  if (view.terms) fields += ",terms";
  std::string q = "fields=" + fields;
  if (view.simplify) q += "&simplify=" + std::to_string(*view.simplify);
  if (view.count_up_to > 0) q += "&count_up_to=" + std::to_string(view.count_up_to);
  return q;
}

std::string Ids(const auto& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ",") + std::to_string(id.value());
  return out;
}

std::string AnnotationFilterQuery(const AnnotationFilter& f) {
  std::string q;
  auto add = [&](const char* name, const std::string& value) { q += std::string("&") + name + "=" + Escape(value); };
  if (f.project) add("project", std::to_string(f.project->value()));
  if (!f.images.empty()) add("images", Ids(f.images));
  if (!f.users.empty()) add("users", Ids(f.users));
  if (!f.terms.empty()) add("terms", Ids(f.terms));
  if (f.term_descendants) add("descendants", "true");
  if (f.algorithm) add("algorithm", *f.algorithm);
  if (f.algorithm_version) add("algorithm_version", *f.algorithm_version);
  if (f.run) add("run", std::to_string(f.run->value()));
  if (f.device_like) add("device", *f.device_like);
  if (f.captured_from) add("captured_from", core::FormatIso8601(*f.captured_from));
  if (f.captured_to) add("captured_to", core::FormatIso8601(*f.captured_to));
  if (f.created_from) add("created_from", core::FormatIso8601(*f.created_from));
  if (f.created_to) add("created_to", core::FormatIso8601(*f.created_to));
  if (f.bbox) {
    Json box = *f.bbox;  // shortest exact decimal form of each number
    add("bbox", box[0].dump() + "," + box[1].dump() + "," + box[2].dump() + "," + box[3].dump());
  }
  if (f.exact) add("exact", "true");
  if (f.property) add("property", PropertyQuery(*f.property));
  return q;
}

std::string RunFilterQuery(const AnnotationRunFilter& f) {
  std::string q;
  auto add = [&](const char* name, const std::string& value) { q += std::string("&") + name + "=" + Escape(value); };
  if (f.project) add("project", std::to_string(f.project->value()));
  if (!f.images.empty()) add("images", Ids(f.images));
  if (f.algorithm) add("algorithm", *f.algorithm);
  if (f.algorithm_version) add("algorithm_version", *f.algorithm_version);
  if (f.device_like) add("device", *f.device_like);
  if (f.captured_from) add("captured_from", core::FormatIso8601(*f.captured_from));
  if (f.captured_to) add("captured_to", core::FormatIso8601(*f.captured_to));
  if (f.metadata) add("property", PropertyQuery(*f.metadata));
  return q;
}

std::string TuboidFilterQuery(const TuboidFilter& f) {
  std::string q;
  auto add = [&](const char* name, const std::string& value) { q += std::string("&") + name + "=" + Escape(value); };
  if (f.project) add("project", std::to_string(f.project->value()));
  if (f.series) add("series", std::to_string(f.series->value()));
  if (!f.names.empty()) {
    std::string names;
    for (const std::string& name : f.names) names += (names.empty() ? "" : ",") + name;
    add("names", names);
  }
  if (!f.ids.empty()) add("ids", Ids(f.ids));
  if (f.device_like) add("device", *f.device_like);
  if (f.contained_from) add("from", core::FormatIso8601(*f.contained_from));
  if (f.contained_to) add("to", core::FormatIso8601(*f.contained_to));
  if (f.algorithm) add("algorithm", *f.algorithm);
  if (f.algorithm_version) add("algorithm_version", *f.algorithm_version);
  return q;
}

std::string JobFilterQuery(const JobFilter& f) {
  std::string q;
  auto add = [&](const char* name, const std::string& value) { q += std::string("&") + name + "=" + Escape(value); };
  if (f.state) add("state", std::string(JobStateName(*f.state)));
  if (f.analytic) add("analytic", *f.analytic);
  if (f.project) add("project", std::to_string(f.project->value()));
  add("archived", f.archived ? (*f.archived ? "true" : "false") : "any");
  if (f.created_by) add("creator", std::to_string(f.created_by->value()));
  if (f.created_from) add("created_from", core::FormatIso8601(*f.created_from));
  if (f.created_to) add("created_to", core::FormatIso8601(*f.created_to));
  const char* sorts[] = {"created_at", "id", "state"};
  add("sort", sorts[static_cast<int>(f.sort)]);
  add("order", f.descending ? "desc" : "asc");
  return q;
}

template <class T, class Parse>
Result<std::vector<T>> ParseItems(const Json& items, Parse parse) {
  if (!items.is_array()) return Status::Internal("the server sent no item list");
  std::vector<T> out;
  for (const auto& item : items) {
    VITRINE_ASSIGN_OR_RETURN(T value, parse(item));
    out.push_back(std::move(value));
  }
  return out;
}

template <class T, class Parse>
Result<Page<T>> ParsePage(const Json& doc, Parse parse) {
  Page<T> page;
  VITRINE_ASSIGN_OR_RETURN(page.items, ParseItems<T>(doc["items"], parse));
  if (!doc["total"].is_number_integer()) return Status::Internal("the server sent no total");
  page.total = doc["total"].get<std::int64_t>();
  return page;
}

Result<NewBearerToken> TokenFromJson(const Json& j) {
  NewBearerToken t;
  VITRINE_ASSIGN_OR_RETURN(t.token, wire::RequiredString(j, "token"));
  VITRINE_ASSIGN_OR_RETURN(auto id, wire::OptionalInt(j, "token_id"));
  VITRINE_ASSIGN_OR_RETURN(auto user, wire::OptionalInt(j, "user_id"));
  VITRINE_ASSIGN_OR_RETURN(std::string created, wire::RequiredString(j, "created_at"));
  VITRINE_ASSIGN_OR_RETURN(std::string expires, wire::RequiredString(j, "expires_at"));
  t.info.id = TokenId(id.value_or(0));
  t.info.user_id = UserId(user.value_or(0));
  VITRINE_ASSIGN_OR_RETURN(t.info.created_at, core::ParseIso8601(created));
  VITRINE_ASSIGN_OR_RETURN(t.info.expires_at, core::ParseIso8601(expires));
  return t;
}

class RemoteClient final : public Client {
 public:
  explicit RemoteClient(std::unique_ptr<HttpTransport> transport) : http_(std::move(transport)) {}

  Result<User> CurrentUser() override { return Call("GET", "/api/v1/users/me", {}, wire::UserFromJson); }
  Result<User> GetUser(UserId id) override { return Call("GET", "/api/v1/users/" + Id(id), {}, wire::UserFromJson); }
  Result<User> FindUser(std::string_view username) override {
    VITRINE_ASSIGN_OR_RETURN(Json doc, Fetch("GET", "/api/v1/users?username=" + Escape(username)));
    VITRINE_ASSIGN_OR_RETURN(Page<User> found, ParsePage<User>(doc, wire::UserFromJson));
    if (found.items.empty()) return Status::NotFound("no user '" + std::string(username) + "'");
    return std::move(found.items.front());
  }
  Result<Page<User>> ListUsers(const PageRequest& page) override {
    VITRINE_ASSIGN_OR_RETURN(Json doc, Fetch("GET", "/api/v1/users?" + PageQuery(page)));
    return ParsePage<User>(doc, wire::UserFromJson);
  }
  Result<User> CreateUser(const NewUser& u) override {
    Json body = {
        {"username", u.username}, {"password", u.password}, {"name", u.name}, {"email", u.email}, {"admin", u.admin}};
    return Call("POST", "/api/v1/users", body, wire::UserFromJson);
  }
  Result<User> UpdateUser(UserId id, const UserUpdate& u) override {
    Json body = Json::object();
    if (u.name) body["name"] = *u.name;
    if (u.email) body["email"] = *u.email;
    if (u.password) body["password"] = *u.password;
    if (u.current_password) body["current_password"] = *u.current_password;
    if (u.admin) body["admin"] = *u.admin;
    if (u.enabled) body["enabled"] = *u.enabled;
    return Call("PATCH", "/api/v1/users/" + Id(id), body, wire::UserFromJson);
  }
  Result<NewApiKey> CreateApiKey(std::optional<UserId> user) override {
    VITRINE_ASSIGN_OR_RETURN(Json doc, Fetch("POST", UserPath(user) + "/keys"));
    VITRINE_ASSIGN_OR_RETURN(ApiKey key, wire::ApiKeyFromJson(doc));
    VITRINE_ASSIGN_OR_RETURN(std::string private_key, wire::RequiredString(doc, "private_key"));
    return NewApiKey{std::move(key), std::move(private_key)};
  }
  Result<std::vector<ApiKey>> ListApiKeys(std::optional<UserId> user) override {
    VITRINE_ASSIGN_OR_RETURN(Json doc, Fetch("GET", UserPath(user) + "/keys"));
    return ParseItems<ApiKey>(doc["items"], wire::ApiKeyFromJson);
  }
  Status RevokeApiKey(ApiKeyId id, std::optional<UserId> user) override {
    return Fetch("DELETE", UserPath(user) + "/keys/" + Id(id)).status();
  }
  Result<NewBearerToken> CreateToken(std::optional<std::chrono::seconds> lifetime,
                                     std::optional<UserId> user) override {
    Json body = Json::object();
    if (lifetime) body["expires_in"] = lifetime->count();
    return Call("POST", UserPath(user) + "/tokens", body, TokenFromJson);
  }

  Result<Project> CreateProject(const std::string& name, const std::string& description,
                                std::optional<UserId> owner) override {
    Json body = {{"name", name}, {"description", description}};
    if (owner) body["owner_id"] = owner->value();
    return Call("POST", "/api/v1/projects", body, wire::ProjectFromJson);
  }
  Result<Project> GetProject(ProjectId id) override {
    return Call("GET", "/api/v1/projects/" + Id(id), {}, wire::ProjectFromJson);
  }
  Result<Project> UpdateProject(ProjectId id, const ProjectUpdate& u) override {
    Json body = Json::object();
    if (u.name) body["name"] = *u.name;
    if (u.description) body["description"] = *u.description;
    if (!u.properties.empty()) body["properties"] = wire::ToJson(u.properties);
    return Call("PATCH", "/api/v1/projects/" + Id(id), body, wire::ProjectFromJson);
  }
  Status DeleteProject(ProjectId id) override { return Fetch("DELETE", "/api/v1/projects/" + Id(id)).status(); }
  Result<Page<Project>> ListProjects(const PageRequest& page, const ProjectFilter& filter) override {
    std::string query = "/api/v1/projects?" + PageQuery(page);
    if (filter.property) query += "&property=" + Escape(PropertyQuery(*filter.property));
    VITRINE_ASSIGN_OR_RETURN(Json doc, Fetch("GET", query));
    return ParsePage<Project>(doc, wire::ProjectFromJson);
  }
  Result<std::vector<ProjectMember>> ListMembers(ProjectId project) override {
    VITRINE_ASSIGN_OR_RETURN(Json doc, Fetch("GET", "/api/v1/projects/" + Id(project) + "/members"));
    return ParseItems<ProjectMember>(doc["items"], wire::ProjectMemberFromJson);
  }
  Result<ProjectMember> SetMember(ProjectId project, UserId user, ProjectRole role) override {
    return Call("PUT", "/api/v1/projects/" + Id(project) + "/members/" + Id(user),
                Json{{"role", std::string(ProjectRoleName(role))}}, wire::ProjectMemberFromJson);
  }
  Status RemoveMember(ProjectId project, UserId user) override {
    return Fetch("DELETE", "/api/v1/projects/" + Id(project) + "/members/" + Id(user)).status();
  }

  Result<UploadResult> UploadImage(ProjectId project, const std::filesystem::path& file,
                                   const UploadOptions& options) override {
    // Opened here first so a missing or unreadable file fails as it does in-process.
    VITRINE_RETURN_IF_ERROR(core::FileSource::Open(file).status());
    std::string name = options.filename.empty() ? file.filename().string() : options.filename;
    Json metadata = {{"filename", name}, {"properties", Json(options.properties)}};
    VITRINE_ASSIGN_OR_RETURN(HttpReply reply, http_->UploadMultipart("/api/v1/projects/" + Id(project) + "/images",
                                                                     metadata.dump(), file, name, options.progress));
    Json doc = Json::parse(reply.body, nullptr, false);
    if (reply.status == 409 && doc.is_object() && doc["error"].contains("existing_id")) {
      VITRINE_ASSIGN_OR_RETURN(Image existing, GetImage(ImageId(doc["error"]["existing_id"].get<std::int64_t>())));
      return UploadResult{std::move(existing), false};
    }
    VITRINE_RETURN_IF_ERROR(client::StatusOf(reply));
    VITRINE_ASSIGN_OR_RETURN(Image image, wire::ImageFromJson(doc));
    return UploadResult{std::move(image), true};
  }
  Result<Image> GetImage(ImageId id) override {
    return Call("GET", "/api/v1/images/" + Id(id), {}, wire::ImageFromJson);
  }
  Result<Page<Image>> ListImages(ProjectId project, const ImageFilter& filter, const PageRequest& page) override {
    VITRINE_ASSIGN_OR_RETURN(
        Json doc, Fetch("GET", "/api/v1/projects/" + Id(project) + "/images?" + PageQuery(page) + FilterQuery(filter)));
    return ParsePage<Image>(doc, wire::ImageFromJson);
  }
  Result<Page<Image>> ListImagesAcrossProjects(const ImageFilter& filter, const PageRequest& page) override {
    VITRINE_ASSIGN_OR_RETURN(Json doc, Fetch("GET", "/api/v1/images?" + PageQuery(page) + FilterQuery(filter)));
    return ParsePage<Image>(doc, wire::ImageFromJson);
  }
  Result<Image> UpdateImage(ImageId id, const ImageUpdate& u) override {
    Json body = Json::object();
    if (u.filename) body["filename"] = *u.filename;
    if (!u.properties.empty()) body["properties"] = wire::ToJson(u.properties);
    return Call("PATCH", "/api/v1/images/" + Id(id), body, wire::ImageFromJson);
  }
  Status DeleteImage(ImageId id) override { return Fetch("DELETE", "/api/v1/images/" + Id(id)).status(); }
  Status DownloadImage(ImageId id, const std::filesystem::path& destination,
                       const TransferProgress& progress) override {
    VITRINE_ASSIGN_OR_RETURN(Image image, GetImage(id));
    return DownloadVerified("/api/v1/images/" + Id(id) + "/file", image.sha256, destination, progress,
                            "image " + Id(id));
  }
  Result<std::string> Thumbnail(ImageId id, int max_size, std::string_view format) override {
    VITRINE_ASSIGN_OR_RETURN(HttpReply reply,
                             http_->Request("GET", "/api/v1/images/" + Id(id) + "/thumbnail?max_size=" +
                                                       std::to_string(max_size) + "&format=" + Escape(format)));
    VITRINE_RETURN_IF_ERROR(client::StatusOf(reply));
    return std::move(reply.body);
  }
  Result<std::map<std::string, ImageId>> FindImagesByHash(ProjectId project,
                                                          const std::vector<std::string>& sha256s) override {
    VITRINE_ASSIGN_OR_RETURN(
        Json doc, Fetch("POST", "/api/v1/projects/" + Id(project) + "/images/lookup", Json{{"sha256", sha256s}}));
    std::map<std::string, ImageId> out;
    for (const auto& [sha, id] : doc["existing"].items()) out.emplace(sha, ImageId(id.get<std::int64_t>()));
    return out;
  }

  Result<Ontology> CreateOntology(const std::string& name) override {
    return Call("POST", "/api/v1/ontologies", Json{{"name", name}}, wire::OntologyFromJson);
  }
  Result<Ontology> GetOntology(OntologyId id) override {
    return Call("GET", "/api/v1/ontologies/" + Id(id), {}, wire::OntologyFromJson);
  }
  Result<Page<Ontology>> ListOntologies(const PageRequest& page) override {
    VITRINE_ASSIGN_OR_RETURN(Json doc, Fetch("GET", "/api/v1/ontologies?" + PageQuery(page)));
    return ParsePage<Ontology>(doc, wire::OntologyFromJson);
  }
  Status DeleteOntology(OntologyId id) override { return Fetch("DELETE", "/api/v1/ontologies/" + Id(id)).status(); }
  Result<Term> CreateTerm(OntologyId ontology, const NewTerm& term) override {
    Json body = {{"name", term.name}, {"color", term.color}};
    if (term.parent_id) body["parent_id"] = term.parent_id->value();
    return Call("POST", "/api/v1/ontologies/" + Id(ontology) + "/terms", body, wire::TermFromJson);
  }
  Result<Term> UpdateTerm(TermId id, const TermUpdate& update) override {
    Json body = Json::object();
    if (update.name) body["name"] = *update.name;
    if (update.color) body["color"] = *update.color;
    if (update.parent_id)
      body["parent_id"] = update.parent_id->valid() ? Json(update.parent_id->value()) : Json(nullptr);
    return Call("PATCH", "/api/v1/terms/" + Id(id), body, wire::TermFromJson);
  }
  Status DeleteTerm(TermId id, bool detach) override {
    return Fetch("DELETE", "/api/v1/terms/" + Id(id) + (detach ? "?detach=true" : "")).status();
  }
  Result<std::optional<OntologyId>> GetProjectOntology(ProjectId project) override {
    VITRINE_ASSIGN_OR_RETURN(Json doc, Fetch("GET", "/api/v1/projects/" + Id(project) + "/ontology"));
    if (doc["ontology_id"].is_null()) return std::optional<OntologyId>();
    return std::optional<OntologyId>(OntologyId(doc["ontology_id"].get<std::int64_t>()));
  }
  Status SetProjectOntology(ProjectId project, std::optional<OntologyId> ontology) override {
    Json body = {{"ontology_id", ontology ? Json(ontology->value()) : Json(nullptr)}};
    return Fetch("PUT", "/api/v1/projects/" + Id(project) + "/ontology", body).status();
  }

  Result<std::vector<AnnotationId>> CreateAnnotations(const std::vector<NewAnnotation>& batch) override {
    Json body = Json::array();
    for (const auto& a : batch) body.push_back(wire::ToJson(a));
    VITRINE_ASSIGN_OR_RETURN(Json doc, Fetch("POST", "/api/v1/annotations", body));
    if (!doc["ids"].is_array()) return Status::Internal("the server sent no ids");
    std::vector<AnnotationId> ids;
    for (const auto& id : doc["ids"]) ids.emplace_back(id.get<std::int64_t>());
    return ids;
  }
  Result<Annotation> GetAnnotation(AnnotationId id, const AnnotationView& view) override {
    return Call("GET", "/api/v1/annotations/" + Id(id) + "?" + ViewQuery(view), {}, wire::AnnotationFromJson);
  }
  Result<Page<Annotation>> ListAnnotations(const AnnotationFilter& filter, const PageRequest& page,
                                           const AnnotationView& view) override {
    VITRINE_ASSIGN_OR_RETURN(Json doc, Fetch("GET", "/api/v1/annotations?" + PageQuery(page) + "&" + ViewQuery(view) +
                                                        AnnotationFilterQuery(filter)));
    return ParsePage<Annotation>(doc, wire::AnnotationFromJson);
  }
  Status DeleteAnnotation(AnnotationId id) override {
    return Fetch("DELETE", "/api/v1/annotations/" + Id(id)).status();
  }
  Result<std::int64_t> DeleteAnnotations(const AnnotationFilter& filter, bool dry_run) override {
    VITRINE_ASSIGN_OR_RETURN(
        Json doc, Fetch("DELETE", std::string("/api/v1/annotations?dry_run=") + (dry_run ? "true" : "false") +
                                      AnnotationFilterQuery(filter)));
    const char* field = dry_run ? "would_delete" : "deleted";
    if (!doc[field].is_number_integer()) return Status::Internal("the server sent no count");
    return doc[field].get<std::int64_t>();
  }

  Result<std::string> ExportAnnotations(const AnnotationFilter& filter) override {
    std::string query = AnnotationFilterQuery(filter);  // "&a=b&c=d"
    if (!query.empty()) query[0] = '?';
    VITRINE_ASSIGN_OR_RETURN(HttpReply reply, http_->Request("GET", "/api/v1/annotations.geojson" + query));
    VITRINE_RETURN_IF_ERROR(client::StatusOf(reply));
    return std::move(reply.body);
  }
  Result<std::vector<AnnotationId>> ImportAnnotations(ImageId image, const std::string& collection,
                                                      bool repair) override {
    VITRINE_ASSIGN_OR_RETURN(
        HttpReply reply,
        http_->Request("POST", "/api/v1/images/" + Id(image) + "/annotations.geojson" + (repair ? "?repair=true" : ""),
                       collection, false));
    VITRINE_RETURN_IF_ERROR(client::StatusOf(reply));
    Json doc = Json::parse(reply.body, nullptr, false);
    if (!doc.is_object() || !doc["ids"].is_array()) return Status::Internal("the server sent no ids");
    std::vector<AnnotationId> ids;
    for (const auto& id : doc["ids"]) ids.emplace_back(id.get<std::int64_t>());
    return ids;
  }

  Result<CreatedAnnotationRun> CreateAnnotationRun(const NewAnnotationRun& run) override {
    return Call("POST", "/api/v1/annotation-runs", wire::ToJson(run), wire::CreatedAnnotationRunFromJson);
  }
  Result<AnnotationRun> GetAnnotationRun(AnnotationRunId id) override {
    return Call("GET", "/api/v1/annotation-runs/" + Id(id), {}, wire::AnnotationRunFromJson);
  }
  Result<Page<AnnotationRun>> ListAnnotationRuns(const AnnotationRunFilter& filter, const PageRequest& page) override {
    VITRINE_ASSIGN_OR_RETURN(Json doc,
                             Fetch("GET", "/api/v1/annotation-runs?" + PageQuery(page) + RunFilterQuery(filter)));
    return ParsePage<AnnotationRun>(doc, wire::AnnotationRunFromJson);
  }
  Status DeleteAnnotationRun(AnnotationRunId id) override {
    return Fetch("DELETE", "/api/v1/annotation-runs/" + Id(id)).status();
  }

  Result<Tuboid> UploadTuboid(ProjectId project, const std::filesystem::path& folder,
                              const TuboidSeries& series) override {
    // The server decides how long shots may be; this bounds what is read into memory.
    VITRINE_ASSIGN_OR_RETURN(client::TuboidFolder tuboid, client::ReadTuboidFolder(folder, 1 << 20));
    const Json series_info = {{"device", series.device},
                              {"start", core::FormatIso8601(series.start)},
                              {"end", core::FormatIso8601(series.end)},
                              {"algorithm", series.algorithm},
                              {"algorithm_version", series.algorithm_version},
                              {"n_images", series.n_images},
                              {"n_tuboids", series.n_tuboids}};
    // Not retried: a second try after a lost answer would be refused as a duplicate.
    VITRINE_ASSIGN_OR_RETURN(HttpReply reply,
                             http_->UploadForm("/api/v1/tuboids?project=" + Id(project),
                                               {{"metadata", tuboid.shots, {}, "metadata.txt", "text/plain"},
                                                {"tuboid", "", tuboid.tiles, "tuboid.jpg", "image/jpeg"},
                                                {"context", "", tuboid.context, "context.jpg", "image/jpeg"},
                                                {"tuboid_id", tuboid.name},
                                                {"series_info", series_info.dump(), {}, "", "application/json"}},
                                               {}, false));
    VITRINE_ASSIGN_OR_RETURN(Json doc, JsonOf(reply));
    return wire::TuboidFromJson(doc);
  }
  Result<Page<Tuboid>> ListTuboids(const TuboidFilter& filter, const PageRequest& page) override {
    VITRINE_ASSIGN_OR_RETURN(Json doc, Fetch("GET", "/api/v1/tuboids?" + PageQuery(page) + TuboidFilterQuery(filter)));
    return ParsePage<Tuboid>(doc, wire::TuboidFromJson);
  }
  Result<Tuboid> GetTuboid(TuboidId id) override {
    return Call("GET", "/api/v1/tuboids/" + Id(id), {}, wire::TuboidFromJson);
  }
  Result<ItcLabel> LabelTuboid(TuboidId id, const ItcLabel& label) override {
    return Call("POST", "/api/v1/tuboids/" + Id(id) + "/labels", wire::ToJson(label), wire::ItcLabelFromJson);
  }
  Status DeleteTuboidSeries(TuboidSeriesId id) override {
    return Fetch("DELETE", "/api/v1/tuboid-series/" + Id(id)).status();
  }

  Result<std::vector<Analytic>> ListAnalytics(bool all_versions) override {
    VITRINE_ASSIGN_OR_RETURN(
        Json doc, Fetch("GET", std::string("/api/v1/analytics") + (all_versions ? "?all_versions=true" : "")));
    return ParseItems<Analytic>(doc["analytics"], wire::AnalyticFromJson);
  }
  Result<Analytic> GetAnalytic(AnalyticId id) override {
    VITRINE_ASSIGN_OR_RETURN(Json doc, Fetch("GET", "/api/v1/analytics/" + Id(id)));
    VITRINE_ASSIGN_OR_RETURN(Analytic a, wire::AnalyticFromJson(doc["analytic"]));
    VITRINE_ASSIGN_OR_RETURN(a.doc, GetAnalyticDoc(id));
    return a;
  }
  Result<std::string> GetAnalyticDoc(AnalyticId id) override {
    VITRINE_ASSIGN_OR_RETURN(HttpReply reply, http_->Request("GET", "/api/v1/analytics/" + Id(id) + "/doc"));
    VITRINE_RETURN_IF_ERROR(client::StatusOf(reply));
    return std::move(reply.body);
  }
  Result<Analytic> RegisterAnalytic(const std::filesystem::path& bundle) override {
    VITRINE_RETURN_IF_ERROR(core::FileSource::Open(bundle).status());
    VITRINE_ASSIGN_OR_RETURN(HttpReply reply,
                             http_->UploadFile("/api/v1/analytics", bundle, {}, "application/gzip", false));
    VITRINE_ASSIGN_OR_RETURN(Json doc, JsonOf(reply));
    VITRINE_ASSIGN_OR_RETURN(Analytic a, wire::AnalyticFromJson(doc));
    return GetAnalytic(a.id);  // with its document, as in-process
  }
  Status DeleteAnalytic(AnalyticId id) override { return Fetch("DELETE", "/api/v1/analytics/" + Id(id)).status(); }

  Result<DataFile> UploadData(const std::filesystem::path& file, const NewDataFile& data,
                              const TransferProgress& progress) override {
    VITRINE_RETURN_IF_ERROR(core::FileSource::Open(file).status());
    std::string path = "/api/v1/data?project=" + Id(data.project) +
                       "&name=" + Escape(data.name.empty() ? file.filename().string() : data.name);
    if (data.ttl) path += "&ttl=" + std::to_string(data.ttl->count());
    if (data.expected_etag) path += "&etag=" + Escape(*data.expected_etag);
    // Not retried: each upload makes a new data file.
    VITRINE_ASSIGN_OR_RETURN(
        HttpReply reply,
        http_->UploadFile(path, file, progress,
                          data.media_type.empty() ? std::string_view("application/octet-stream") : data.media_type,
                          false));
    VITRINE_ASSIGN_OR_RETURN(Json doc, JsonOf(reply));
    return wire::DataFileFromJson(doc);
  }
  Result<DataFile> GetData(DataId id) override {
    return Call("GET", "/api/v1/data/" + Id(id), {}, wire::DataFileFromJson);
  }
  Result<Page<DataFile>> ListData(const DataFilter& filter, const PageRequest& page) override {
    std::string query = "/api/v1/data?" + PageQuery(page);
    if (filter.project) query += "&project=" + Id(*filter.project);
    if (filter.name_like) query += "&name=" + Escape(*filter.name_like);
    VITRINE_ASSIGN_OR_RETURN(Json doc, Fetch("GET", query));
    return ParsePage<DataFile>(doc, wire::DataFileFromJson);
  }
  Status DownloadData(DataId id, const std::filesystem::path& destination, const TransferProgress& progress) override {
    VITRINE_ASSIGN_OR_RETURN(DataFile data, GetData(id));
    return DownloadVerified("/api/v1/data/" + Id(id) + "/download", data.sha256, destination, progress,
                            "data " + Id(id));
  }
  Result<DataFile> SetDataExpiry(DataId id, std::optional<Timestamp> expires_at) override {
    Json body = Json::object();
    if (expires_at) body["expires_at"] = core::FormatIso8601(*expires_at);
    return Call("PUT", "/api/v1/data/" + Id(id) + "/ttl", body, wire::DataFileFromJson);
  }
  Status DeleteData(DataId id) override { return Fetch("DELETE", "/api/v1/data/" + Id(id)).status(); }

  Result<Job> CreateJob(const NewJob& job) override {
    Json inputs = Json::parse(job.inputs, nullptr, false);
    Json parameters = Json::parse(job.parameters, nullptr, false);
    if (!inputs.is_object()) return Status::InvalidArgument("inputs must be a JSON object");
    if (!parameters.is_object()) return Status::InvalidArgument("parameters must be a JSON object");
    Json body = {{"project", job.project.value()},
                 {"analytic", job.analytic},
                 {"inputs", std::move(inputs)},
                 {"parameters", std::move(parameters)},
                 {"auto_start", job.auto_start}};
    if (!job.version.empty()) body["version"] = job.version;
    if (!job.name.empty()) body["name"] = job.name;
    if (job.output_ttl) body["output_ttl"] = job.output_ttl->count();
    return Call("POST", "/api/v1/jobs", body, wire::JobFromJson);
  }
  Result<Job> GetJob(JobId id) override { return Call("GET", "/api/v1/jobs/" + Id(id), {}, wire::JobFromJson); }
  Result<Page<Job>> ListJobs(const JobFilter& filter, const PageRequest& page) override {
    VITRINE_ASSIGN_OR_RETURN(Json doc, Fetch("GET", "/api/v1/jobs?" + PageQuery(page) + JobFilterQuery(filter)));
    return ParsePage<Job>(doc, wire::JobFromJson);
  }
  Result<Job> StartJob(JobId id) override {
    return Call("POST", "/api/v1/jobs/" + Id(id) + "/start", {}, wire::JobFromJson);
  }
  Result<Job> KillJob(JobId id) override {
    return Call("POST", "/api/v1/jobs/" + Id(id) + "/kill", {}, wire::JobFromJson);
  }
  Result<Job> ArchiveJob(JobId id, bool archived) override {
    return Call("POST", "/api/v1/jobs/" + Id(id) + (archived ? "/archive" : "/unarchive"), {}, wire::JobFromJson);
  }
  Status DeleteJob(JobId id) override { return Fetch("DELETE", "/api/v1/jobs/" + Id(id)).status(); }
  Result<Job> WaitForJob(JobId id, std::chrono::seconds timeout) override {
    const std::int64_t seconds = std::max<std::int64_t>(0, timeout.count());
    return Call("GET", "/api/v1/jobs/" + Id(id) + "?wait=" + std::to_string(seconds), {}, wire::JobFromJson);
  }
  Result<JobLog> ReadJobLog(JobId id, std::int64_t after_seq) override {
    VITRINE_ASSIGN_OR_RETURN(
        HttpReply reply, http_->Request("GET", "/api/v1/jobs/" + Id(id) + "/log?after=" + std::to_string(after_seq)));
    VITRINE_RETURN_IF_ERROR(client::StatusOf(reply));
    JobLog log{std::move(reply.body), after_seq};
    for (const auto& [name, value] : reply.headers) {
      if (name != "x-log-next") continue;
      auto next = core::ParseInteger<std::int64_t>(value);
      if (!next) return Status::Internal("the server sent a bad x-log-next header");
      log.next_seq = *next;
    }
    return log;
  }
  Status DownloadJobOutput(JobId id, std::string_view name, const std::filesystem::path& destination,
                           const TransferProgress& progress) override {
    VITRINE_ASSIGN_OR_RETURN(Job job, GetJob(id));
    auto it = std::find_if(job.outputs.begin(), job.outputs.end(), [&](const JobOutput& o) { return o.name == name; });
    if (it == job.outputs.end()) {
      return Status::NotFound("job " + Id(id) + " has no output '" + std::string(name) + "'");
    }
    return DownloadVerified("/api/v1/jobs/" + Id(id) + "/outputs/" + Escape(name), it->sha256, destination, progress,
                            "output '" + std::string(name) + "' of job " + Id(id));
  }

  Result<std::vector<FeatureDescriptor>> ListFeatureDescriptors() override {
    VITRINE_ASSIGN_OR_RETURN(Json doc, Fetch("GET", "/api/v1/features"));
    return ParseItems<FeatureDescriptor>(doc["features"], wire::FeatureDescriptorFromJson);
  }
  Result<FeatureDescriptor> GetFeatureDescriptor(std::string_view name) override {
    return Call("GET", "/api/v1/features/" + Escape(name), nullptr, wire::FeatureDescriptorFromJson);
  }
  Result<FeatureTable> ExtractFeatures(std::string_view name, const std::vector<FeatureResource>& resources,
                                       const FeatureOptions& options) override {
    return Call("POST", FeaturesPath(name, FeatureFormat::kJson, options), wire::FeatureRequestJson(resources, options),
                wire::FeatureTableFromJson);
  }
  Status ExportFeatures(std::string_view name, const std::vector<FeatureResource>& resources, FeatureFormat format,
                        const std::filesystem::path& destination, const FeatureOptions& options) override {
    // Describing is read-only on the server: safe to send again after a lost connection.
    VITRINE_ASSIGN_OR_RETURN(HttpReply reply,
                             http_->Request("POST", FeaturesPath(name, format, options),
                                            wire::FeatureRequestJson(resources, options).dump(), true));
    VITRINE_RETURN_IF_ERROR(client::StatusOf(reply));
    return client::SaveBytes(reply.body, destination);
  }

 private:
  static std::string FeaturesPath(std::string_view name, FeatureFormat format, const FeatureOptions& options) {
    return "/api/v1/features/" + Escape(name) + "?format=" + std::string(wire::FeatureFormatName(format)) +
           (options.use_cache ? "" : "&cache=false");
  }

  template <class IdT>
  static std::string Id(IdT id) {
    return std::to_string(id.value());
  }
  static std::string UserPath(std::optional<UserId> user) {
    return user ? "/api/v1/users/" + Id(*user) : "/api/v1/users/me";
  }

  // Sends a request (POST/PATCH/PUT/DELETE are not retried: they might have taken effect) and
  // returns the JSON answer; an error reply becomes its Status.
  Result<Json> Fetch(std::string_view method, const std::string& path, const Json& body = nullptr) {
    bool idempotent = method == "GET" || method == "PUT" || method == "DELETE";
    VITRINE_ASSIGN_OR_RETURN(HttpReply reply,
                             http_->Request(method, path, body.is_null() ? std::string() : body.dump(), idempotent));
    VITRINE_RETURN_IF_ERROR(client::StatusOf(reply));
    if (reply.body.empty()) return Json(nullptr);
    Json doc = Json::parse(reply.body, nullptr, false);
    if (doc.is_discarded()) return Status::Internal("the server sent a body that is not JSON");
    return doc;
  }

  // A reply's JSON body, or its error as a Status.
  static Result<Json> JsonOf(const HttpReply& reply) {
    VITRINE_RETURN_IF_ERROR(client::StatusOf(reply));
    Json doc = Json::parse(reply.body, nullptr, false);
    if (doc.is_discarded()) return Status::Internal("the server sent a body that is not JSON");
    return doc;
  }

  // Streams `path` into a temp file beside `destination`, renamed into place only when the
  // bytes match `sha256`: a reader never sees a partial or damaged file.
  Status DownloadVerified(const std::string& path, const std::string& sha256, const std::filesystem::path& destination,
                          const TransferProgress& progress, const std::string& what) {
    auto part = destination;
    part += ".part";
    core::Digest digest(core::DigestKind::kSha256);
    std::ofstream out(part, std::ios::binary | std::ios::trunc);
    if (!out) return Status::Internal("cannot write " + part.string());
    std::int64_t received = 0;
    auto reply = http_->Download(path, [&](std::string_view bytes) {
      digest.Update(bytes);
      received += static_cast<std::int64_t>(bytes.size());
      if (progress) progress(received);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      return out ? Status::Ok() : Status::Internal("cannot write " + part.string());
    });
    out.close();
    Status s = reply.ok() ? client::StatusOf(*reply) : reply.status();
    if (s.ok() && digest.FinishHex() != sha256) s = Status::Internal(what + " arrived damaged (SHA-256 mismatch)");
    std::error_code ec;
    if (s.ok()) std::filesystem::rename(part, destination, ec);
    if (ec) s = Status::Internal("cannot write " + destination.string() + ": " + ec.message());
    if (!s.ok()) std::filesystem::remove(part, ec);
    return s;
  }

  template <class Parse>
  auto Call(std::string_view method, const std::string& path, const Json& body, Parse parse)
      -> decltype(parse(std::declval<const Json&>())) {
    VITRINE_ASSIGN_OR_RETURN(Json doc, Fetch(method, path, body));
    return parse(doc);
  }

  std::unique_ptr<HttpTransport> http_;
};

}  // namespace

Result<std::unique_ptr<Client>> ConnectRemote(Credentials credentials, ClientOptions options) {
  VITRINE_ASSIGN_OR_RETURN(Credentials resolved, client::ResolveCredentials(std::move(credentials)));
  client::TransportOptions transport_options;
  transport_options.logging = std::move(options);
  VITRINE_ASSIGN_OR_RETURN(auto transport, HttpTransport::Create(std::move(resolved), transport_options));
  return std::unique_ptr<Client>(new RemoteClient(std::move(transport)));
}

Result<std::unique_ptr<Client>> Connect(std::string_view url, Credentials credentials, ClientOptions options) {
  if (url.starts_with("http://") || url.starts_with("https://")) {
    credentials.url = std::string(url);
    return ConnectRemote(std::move(credentials), std::move(options));
  }
  if (url.starts_with("file://"))
    url.remove_prefix(7);
  else if (url.find("://") != std::string_view::npos) {
    return Status::InvalidArgument("unknown URL scheme in '" + std::string(url) +
                                   "': use file://, http:// or https://");
  }
  return OpenLocal(std::string(url), credentials.username);
}

}  // namespace vitrine
