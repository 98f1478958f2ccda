// Sticky Pi's ML bundles: named sets of files (config/, data/, output/) that clients synchronise
// both ways, moving only missing or newer files, compared by S3's multipart ETag. A bundle file
// is a Vitrine data file of the Sticky Pi project named `ml/<bundle>/<key>` (the newest of that
// name counts); uploads and downloads go through signed links, as upstream's presigned S3 POSTs
// and GETs.
#include <spdlog/spdlog.h>

#include <map>

#include "compat/stickypi/stickypi_routes.h"
#include "core/digest.h"
#include "core/parse_integer.h"
#include "core/percent_encoding.h"
#include "http/multipart.h"
#include "http/routes/route_helpers.h"

namespace vitrine::compat::stickypi {
namespace {

constexpr std::size_t kMaxBundleName = 128;
constexpr std::size_t kMaxField = 4096;  // a form field of an upload: a key, a signature

std::string DataName(const std::string& bundle, const std::string& key) { return "ml/" + bundle + "/" + key; }

Status CheckBundleName(const std::string& bundle) {
  bool ok = !bundle.empty() && bundle.size() <= kMaxBundleName && bundle != "." && bundle != "..";
  for (char c : bundle) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                c == '.');
  }
  if (ok) return Status::Ok();
  return Status::InvalidArgument("'" + bundle + "' is not a bundle name: letters, digits, '-', '_' and '.'");
}

// A key is the file's path in the bundle: relative, folders joined by '/', never climbing
// (the data file's name rules check the rest when it is stored).
Status CheckKey(const std::string& key) {
  if (key.empty() || key.front() == '/' || key.size() > 900 || key.find("//") != std::string::npos || key == ".." ||
      key.starts_with("../") || key.ends_with("/..") || key.find("/../") != std::string::npos) {
    return Status::InvalidArgument("'" + key + "' is not a file's path in a bundle (config/model.yaml)");
  }
  return Status::Ok();
}

// An ETag as upstream's client writes it: 32 hexadecimal digits, "-<parts>" for a multipart
// one, or "" for an empty file. Anything else could also stretch the signed object's fields.
Status CheckEtag(const std::string& etag) {
  auto all = [&](std::size_t from, std::size_t to, auto allowed) {
    for (std::size_t i = from; i < to; ++i) {
      if (!allowed(etag[i])) return false;
    }
    return true;
  };
  auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  const bool plain = etag.size() == 32 && all(0, 32, hex);
  const bool multipart =
      etag.size() > 33 && etag.size() <= 40 && all(0, 32, hex) && etag[32] == '-' && all(33, etag.size(), digit);
  if (etag.empty() || plain || multipart) return Status::Ok();
  return Status::InvalidArgument("'" + etag + "' is not an ETag (32 hexadecimal digits, then -<parts> if multipart)");
}

Status CheckWhat(std::string_view what) {
  if (what == "all" || what == "data" || what == "model") return Status::Ok();
  return Status::InvalidArgument("'" + std::string(what) + "' is not part of a bundle: ask for all, data or model");
}

// Upstream's rule: `data` is the files right in data/ and config/, `model` those in output/
// and config/.
bool InPart(const std::string& key, std::string_view what) {
  if (what == "all") return true;
  const auto slash = key.rfind('/');
  const std::string_view folder = slash == std::string::npos ? "" : std::string_view(key).substr(0, slash);
  return folder == "config" || folder == (what == "data" ? "data" : "output");
}

// The bundle's files by key: the newest data file of each name.
Result<std::map<std::string, DataFile>> BundleFiles(StickyPi& sticky, const Caller& caller, ProjectId project,
                                                    const std::string& bundle) {
  const std::string prefix = DataName(bundle, "");
  DataFilter filter;
  filter.project = project;
  filter.name_like = prefix + "%";  // '_' in a name matches any character: kept exact below
  std::map<std::string, DataFile> files;
  for (std::int64_t offset = 0;;) {
    VITRINE_ASSIGN_OR_RETURN(Page<DataFile> page, sticky.service.jobs().ListData(
                                                      caller, filter, PageRequest{PageRequest::kMaxLimit, offset}));
    for (DataFile& d : page.items) {
      if (!d.name.starts_with(prefix)) continue;
      std::string key = d.name.substr(prefix.size());
      auto [it, added] = files.try_emplace(key, d);
      if (!added && d.id.value() > it->second.id.value()) it->second = std::move(d);
    }
    offset += static_cast<std::int64_t>(page.items.size());
    if (static_cast<std::int64_t>(page.items.size()) < PageRequest::kMaxLimit) break;
  }
  return files;
}

// The ETag as upstream's client computes it, which writes "" for an empty file.
Result<std::string> EtagOf(StickyPi& sticky, const Caller& caller, const DataFile& d) {
  if (d.size_bytes == 0) return std::string();
  if (!d.etag.empty()) return d.etag;
  // Stored before Vitrine kept ETags: worked out from the bytes.
  VITRINE_ASSIGN_OR_RETURN(auto file, sticky.service.jobs().OpenData(caller, d.id, {}));
  core::MultipartEtag etag;
  std::string buffer(1 << 20, '\0');
  for (;;) {
    VITRINE_ASSIGN_OR_RETURN(std::size_t n, file.body->Read(buffer));
    if (n == 0) break;
    etag.Update(std::string_view(buffer).substr(0, n));
  }
  return etag.FinishHex();
}

// Upstream's mtime of a remote file is when it was stored.
double Mtime(const DataFile& d) { return std::chrono::duration<double>(d.created_at.time_since_epoch()).count(); }

std::string UploadObject(ProjectId project, const std::string& name, const std::string& etag) {
  return "ml-upload/" + std::to_string(project.value()) + "/" + etag + "/" + name;
}

// POST /_get_ml_bundle_file_list/<what> with the bundle's name as a JSON string: each file with
// its key, md5 (ETag), mtime and a download link.
Result<Json> GetFileList(StickyPi& sticky, const Caller& caller, const Json& info, const HttpRequest& request,
                         const PathParams& params) {
  const std::string& what = params.at("what");
  VITRINE_RETURN_IF_ERROR(CheckWhat(what));
  if (!info.is_string()) return Status::InvalidArgument("send the bundle's name, as a JSON string");
  const std::string bundle = info.get<std::string>();
  VITRINE_RETURN_IF_ERROR(CheckBundleName(bundle));
  VITRINE_ASSIGN_OR_RETURN(std::optional<ProjectId> project, FindProject(sticky));
  Json rows = Json::array();
  if (!project) return rows;
  VITRINE_ASSIGN_OR_RETURN(auto files, BundleFiles(sticky, caller, *project, bundle));
  for (const auto& [key, d] : files) {
    if (!InPart(key, what)) continue;
    VITRINE_ASSIGN_OR_RETURN(std::string etag, EtagOf(sticky, caller, d));
    const auto slash = key.rfind('/');
    const std::string filename = slash == std::string::npos ? key : key.substr(slash + 1);
    const std::string object = "data/" + std::to_string(d.id.value());
    rows.push_back(Json{{"key", key},
                        {"path", d.name},
                        {"md5", etag},
                        {"mtime", Mtime(d)},
                        {"url", BaseUrl(request) + "/stickypi/" + object + "/" + core::PercentEncode(filename) + "?" +
                                    SignedQuery(sticky, caller, object)}});
  }
  return rows;
}

constexpr std::size_t kMaxBundlesPerRequest = 16;

// POST /_get_ml_bundle_upload_links with the client's local files [{bundle_name, key, path, md5,
// mtime}]: those the server lacks (missing, or different and newer locally), each with where to
// POST it, as upstream's presigned POST: {"url", "fields"}.
Result<Json> GetUploadLinks(StickyPi& sticky, const Caller& caller, const Json& info, const HttpRequest& request,
                            const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(std::vector<Json> items, Objects(info));
  if (items.size() > kMaxLookups) {
    return Status::TooLarge("ask for at most " + std::to_string(kMaxLookups) + " files at once");
  }
  if (items.size() == 1 && items[0].empty()) return Json::array();  // the client's "nothing"
  VITRINE_ASSIGN_OR_RETURN(ProjectId project, ProjectForWriting(sticky, caller));
  std::map<std::string, std::map<std::string, DataFile>> remote;  // by bundle, by key
  Json rows = Json::array();
  for (const Json& item : items) {
    VITRINE_ASSIGN_OR_RETURN(std::string bundle, StringField(item, "bundle_name"));
    VITRINE_ASSIGN_OR_RETURN(std::string key, StringField(item, "key"));
    VITRINE_ASSIGN_OR_RETURN(std::string etag, StringField(item, "md5"));
    VITRINE_RETURN_IF_ERROR(CheckBundleName(bundle));
    VITRINE_RETURN_IF_ERROR(CheckKey(key));
    VITRINE_RETURN_IF_ERROR(CheckEtag(etag));
    auto mtime = item.find("mtime");
    if (mtime == item.end() || !mtime->is_number()) {
      return Status::InvalidArgument("each file needs 'mtime', its modification time in seconds");
    }
    auto known = remote.find(bundle);
    if (known == remote.end()) {
      // Each bundle costs a listing: a request names few (a client sends one).
      if (remote.size() == kMaxBundlesPerRequest) {
        return Status::TooLarge("ask for the files of at most " + std::to_string(kMaxBundlesPerRequest) +
                                " bundles at once");
      }
      VITRINE_ASSIGN_OR_RETURN(auto files, BundleFiles(sticky, caller, project, bundle));
      known = remote.emplace(bundle, std::move(files)).first;
    }
    if (auto stored = known->second.find(key); stored != known->second.end()) {
      VITRINE_ASSIGN_OR_RETURN(std::string stored_etag, EtagOf(sticky, caller, stored->second));
      if (stored_etag == etag || mtime->get<double>() <= Mtime(stored->second)) continue;
    }
    Json fields = Json::object();
    fields["key"] = DataName(bundle, key);
    fields["md5"] = etag;
    fields["project"] = std::to_string(project.value());
    std::string query = SignedQuery(sticky, caller, UploadObject(project, DataName(bundle, key), etag));
    // The signed query's three values travel as form fields, as S3's policy fields do.
    for (std::string_view rest = query; !rest.empty();) {
      const std::string_view pair = rest.substr(0, rest.find('&'));
      rest.remove_prefix(std::min(rest.size(), pair.size() + 1));
      const auto eq = pair.find('=');
      fields[std::string(pair.substr(0, eq))] = std::string(pair.substr(eq + 1));
    }
    Json row = item;
    row["url"] = Json{{"url", BaseUrl(request) + "/stickypi/ml-upload"}, {"fields", std::move(fields)}};
    rows.push_back(std::move(row));
  }
  return rows;
}

// POST /stickypi/ml-upload: multipart form fields key, md5, user, expires, signature (from an
// upload link), then the `file` part, streamed into a data file whose ETag must be `md5`.
// Answers 204, as S3 does; the bundle's older versions of that file are then deleted.
class BundleFileSink final : public http::BodySink, private http::MultipartHandler {
 public:
  BundleFileSink(std::shared_ptr<StickyPi> sticky, std::string boundary)
      : sticky_(std::move(sticky)), parser_(boundary, *this) {}

  Status Write(std::string_view chunk) override { return parser_.Feed(chunk); }

  HttpResponse Finish() override {
    if (Status done = parser_.Finish(); !done.ok()) return StickyPiError(done);
    if (!pending_) return StickyPiError(Status::InvalidArgument("the request has no file part"));
    auto stored = pending_->Finish();
    if (!stored.ok()) return StickyPiError(stored.status());
    // The new version is committed: the older ones of the same name can go. Failing to remove
    // them loses nothing (the newest is what counts), so it does not fail the upload.
    if (Status cleaned = RemoveOlderVersions(*stored); !cleaned.ok()) {
      spdlog::warn("ml bundle file {}: older versions stay: {}", stored->name, cleaned.message());
    }
    HttpResponse r;
    r.status = 204;
    r.With("cache-control", "no-store");
    return r;
  }

 private:
  Status OnPartBegin(const http::MultipartPart& part) override {
    if (pending_) return Status::InvalidArgument("send one file per request, after the link's fields");
    if (part.name != "file") {
      if (fields_.size() >= 16) return Status::InvalidArgument("too many form fields");
      field_ = &fields_[part.name];
      field_->clear();
      return Status::Ok();
    }
    field_ = nullptr;
    return BeginFile();
  }

  Status OnPartData(std::string_view bytes) override {
    if (pending_) return pending_->Write(bytes);
    if (field_ == nullptr) return Status::Ok();
    if (field_->size() + bytes.size() > kMaxField) return Status::InvalidArgument("a form field is too long");
    field_->append(bytes);
    return Status::Ok();
  }

  Status OnPartEnd() override {
    field_ = nullptr;
    return Status::Ok();
  }

  std::optional<std::string> Field(const char* name) const {
    auto it = fields_.find(name);
    return it == fields_.end() ? std::nullopt : std::optional(it->second);
  }

  // The link's fields say what may be stored, by whom, until when: checked before a byte of the
  // file is kept.
  Status BeginFile() {
    auto name = Field("key"), etag = Field("md5"), user = Field("user"), expires = Field("expires");
    auto signature = Field("signature"), project_field = Field("project");
    if (!name || !etag || !user || !expires || !signature || !project_field) {
      return Status::PermissionDenied(
          "an upload needs its link's fields (key, md5, project, user, expires, signature) first");
    }
    // What the link may name is checked again, whatever its signature says.
    VITRINE_RETURN_IF_ERROR(CheckEtag(*etag));
    const auto bundle_end = name->find('/', 3);
    if (!name->starts_with("ml/") || bundle_end == std::string::npos) {
      return Status::PermissionDenied("this upload link is not for an ML bundle file");
    }
    VITRINE_RETURN_IF_ERROR(CheckBundleName(name->substr(3, bundle_end - 3)));
    VITRINE_RETURN_IF_ERROR(CheckKey(name->substr(bundle_end + 1)));
    auto user_id = core::ParseInteger<std::int64_t>(*user);
    auto expiry = core::ParseInteger<std::int64_t>(*expires);
    auto project_id = core::ParseInteger<std::int64_t>(*project_field);
    if (!user_id || !expiry || !project_id) {
      return Status::PermissionDenied("this upload link is damaged: ask for a new one");
    }
    const ProjectId project(*project_id);
    // The signature first: a request without one costs no catalog query.
    VITRINE_ASSIGN_OR_RETURN(
        caller_,
        LinkCaller(*sticky_, auth::LinkClaim{UploadObject(project, *name, *etag), *user_id, *expiry}, *signature));
    VITRINE_ASSIGN_OR_RETURN(std::optional<ProjectId> sticky_project, FindProject(*sticky_));
    if (sticky_project != project) {
      return Status::PermissionDenied("this upload link is for a project that is no longer the Sticky Pi project");
    }
    NewDataFile data;
    data.project = project;
    data.name = *name;
    data.media_type = "application/octet-stream";
    // Upstream's client writes "" for an empty file, whose MD5 the store works out.
    data.expected_etag = etag->empty() ? core::MultipartEtag().FinishHex() : *etag;
    VITRINE_ASSIGN_OR_RETURN(pending_, sticky_->service.jobs().BeginData(*caller_, data, -1));
    return Status::Ok();
  }

  Status RemoveOlderVersions(const DataFile& stored) {
    const Caller local = Caller::LocalOperator();
    DataFilter filter;
    filter.project = stored.project_id;
    filter.name_like = stored.name;  // '_' and '%' match more: the names are compared exactly
    VITRINE_ASSIGN_OR_RETURN(Page<DataFile> same,
                             sticky_->service.jobs().ListData(local, filter, PageRequest{PageRequest::kMaxLimit, 0}));
    for (const DataFile& d : same.items) {
      if (d.name == stored.name && d.id.value() < stored.id.value()) {
        VITRINE_RETURN_IF_ERROR(sticky_->service.jobs().DeleteData(local, d.id));
      }
    }
    return Status::Ok();
  }

  std::shared_ptr<StickyPi> sticky_;
  http::MultipartParser parser_;
  std::map<std::string, std::string> fields_;
  std::string* field_ = nullptr;
  std::optional<Caller> caller_;
  std::unique_ptr<service::PendingFile<DataFile>> pending_;
};

// GET /stickypi/data/{id}/{name}?user=&expires=&signature=: a bundle file, by its link.
HttpResponse ServeDataLink(StickyPi& sticky, const HttpRequest& request, const PathParams& params) {
  if (!request.on_worker) return http::routes::RunOnWorker();
  return LinkAnswer([&]() -> Result<HttpResponse> {
    VITRINE_ASSIGN_OR_RETURN(DataId id, http::routes::PathId<DataId>(params, "data_id"));
    VITRINE_ASSIGN_OR_RETURN(const Caller caller,
                             VerifySignedQuery(sticky, request, "data/" + std::to_string(id.value())));
    return http::routes::ServeDataFile(sticky.service.jobs(), caller, request, id);
  }());
}

}  // namespace

void AddMlBundleRoutes(http::Router& router, const std::shared_ptr<StickyPi>& sticky) {
  router.Add("POST", "/_get_ml_bundle_file_list/{what}", Route(sticky, GetFileList));
  router.Add("POST", "/_get_ml_bundle_upload_links", Route(sticky, GetUploadLinks));
  router.AddStreaming("POST", "/stickypi/ml-upload",
                      [sticky](const HttpRequest& head, const PathParams&) -> Result<std::unique_ptr<http::BodySink>> {
                        VITRINE_ASSIGN_OR_RETURN(std::string boundary,
                                                 http::MultipartParser::BoundaryOf(head.header("content-type")));
                        return std::unique_ptr<http::BodySink>(new BundleFileSink(sticky, std::move(boundary)));
                      });
  for (const char* method : {"GET", "HEAD"}) {
    router.Add(method, "/stickypi/data/{data_id}/{name}", [sticky](const HttpRequest& request, const PathParams& p) {
      return ServeDataLink(*sticky, request, p);
    });
  }
}

}  // namespace vitrine::compat::stickypi
