// Cytomine's upload (`Cytomine.upload_image`): POST /upload?storage=S&projects=P with the file in a
// multipart `files[]` part, streamed into Vitrine's own ingest. Each user has one storage, whose id
// is theirs; an upload names the project the image goes to (Vitrine keeps no image outside one).
#include <charconv>

#include "compat/cytomine/cytomine_routes.h"
#include "http/authenticate.h"
#include "http/multipart.h"

namespace vitrine::compat::cytomine {
namespace {

constexpr std::string_view kStorageClass = "be.cytomine.domain.image.server.Storage";

Json StorageJson(const User& user) {
  return Json{{"id", user.id.value()},
              {"class", kStorageClass},
              {"name", user.username + " storage"},
              {"user", user.id.value()},
              {"created", Millis(user.created_at)}};
}

Result<HttpResponse> ListStorages(service::Service&, const Caller& caller, const HttpRequest& request,
                                  const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(auto query, http::QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(Slice slice, SliceOf(query));
  Json rows = Json::array();
  if (caller.user()) rows.push_back(StorageJson(*caller.user()));
  return CytomineJsonResponse(ListOf(std::move(rows), slice));
}

Result<HttpResponse> GetStorage(service::Service&, const Caller& caller, const HttpRequest&, const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(std::int64_t id, IdIn<std::int64_t>(params, "storage_id"));
  if (!caller.user() || caller.user_id().value() != id) {
    return Status::NotFound("storage " + std::to_string(id) + " not found");
  }
  return CytomineJsonResponse(StorageJson(*caller.user()));
}

// What the client reads back: an UploadedFile, and the image as abstract image and instance.
Json UploadAnswer(const Image& image, std::int64_t storage) {
  auto dot = image.filename.rfind('.');
  Json uploaded{{"id", image.id.value()},
                {"class", "be.cytomine.domain.image.UploadedFile"},
                {"created", Millis(image.created_at)},
                {"originalFilename", image.filename},
                {"filename", image.sha256},
                {"ext", dot == std::string::npos ? "" : image.filename.substr(dot + 1)},
                {"contentType", image.mime_type},
                {"size", image.size_bytes},
                {"status", 100},
                {"statusText", "DEPLOYED"},
                {"user", image.created_by.value()},
                {"storage", storage},
                {"projects", Json::array({image.project_id.value()})},
                {"image", image.id.value()}};
  Json images = Json::array({Json{{"image", ImageJson(image, kAbstractImageClass)},
                                  {"imageInstances", Json::array({ImageJson(image, kImageInstanceClass)})}}});
  return Json::array({Json{{"uploadedFile", std::move(uploaded)}, {"images", std::move(images)}}});
}

// The `files[]` part goes into the ingest as it arrives; other parts are ignored.
class UploadSink final : public http::BodySink, private http::MultipartHandler {
 public:
  UploadSink(service::Service& service, Caller caller, service::UploadRequest request, std::int64_t storage,
             std::string boundary)
      : service_(service),
        caller_(std::move(caller)),
        request_(std::move(request)),
        storage_(storage),
        parser_(boundary, *this) {}

  Status Write(std::string_view chunk) override { return parser_.Feed(chunk); }

  HttpResponse Finish() override {
    if (Status done = parser_.Finish(); !done.ok()) return CytomineErrorResponse(done);
    if (!upload_) return CytomineErrorResponse(Status::InvalidArgument("the upload has no 'files[]' part"));
    auto outcome = upload_->Finish();
    if (!outcome.ok()) return CytomineErrorResponse(outcome.status());
    return CytomineJsonResponse(UploadAnswer(outcome->image, storage_));
  }

 private:
  Status OnPartBegin(const http::MultipartPart& part) override {
    receiving_ = part.name == "files[]" || part.name == "files" || part.name == "file";
    if (!receiving_) return Status::Ok();
    if (upload_) return Status::InvalidArgument("send one file per upload");
    request_.filename = part.filename;
    VITRINE_ASSIGN_OR_RETURN(upload_, service_.images().BeginUpload(caller_, request_));
    return Status::Ok();
  }
  Status OnPartData(std::string_view bytes) override { return receiving_ ? upload_->Write(bytes) : Status::Ok(); }
  Status OnPartEnd() override {
    receiving_ = false;
    return Status::Ok();
  }

  service::Service& service_;
  Caller caller_;
  service::UploadRequest request_;
  std::int64_t storage_;
  http::MultipartParser parser_;
  std::unique_ptr<service::ImageUpload> upload_;
  bool receiving_ = false;
};

// "keys=a,b&values=1,2" → {a: 1, b: 2}.
Result<Properties> UploadProperties(const http::QueryParams& query) {
  Properties properties;
  std::string_view keys = query.Get("keys").value_or("");
  std::string_view values = query.Get("values").value_or("");
  while (!keys.empty()) {
    auto key_end = keys.find(',');
    auto value_end = values.find(',');
    properties[std::string(keys.substr(0, key_end))] = std::string(values.substr(0, value_end));
    keys = key_end == std::string_view::npos ? std::string_view() : keys.substr(key_end + 1);
    values = value_end == std::string_view::npos ? std::string_view() : values.substr(value_end + 1);
  }
  if (!values.empty()) return Status::InvalidArgument("keys and values must name as many items");
  return properties;
}

Result<std::unique_ptr<http::BodySink>> OpenUpload(service::Service& service, const HttpRequest& head,
                                                   const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(Caller caller, http::AuthenticateRequest(service.auth(), head));
  VITRINE_ASSIGN_OR_RETURN(auto query, http::QueryParams::Parse(head.query));
  VITRINE_ASSIGN_OR_RETURN(auto storage, query.GetInt("storage"));
  if (!storage) {
    VITRINE_ASSIGN_OR_RETURN(storage, query.GetInt("idStorage"));
  }
  if (!storage || !caller.user() || *storage != caller.user_id().value()) {
    return Status::NotFound("name your storage: storage=" + std::to_string(caller.user_id().value()));
  }
  VITRINE_ASSIGN_OR_RETURN(auto project, query.GetInt("projects"));
  if (!project) {
    VITRINE_ASSIGN_OR_RETURN(project, query.GetInt("idProject"));
  }
  if (!project || *project <= 0) {
    return Status::InvalidArgument("Vitrine keeps every image in a project: upload with id_project");
  }
  VITRINE_ASSIGN_OR_RETURN(Properties properties, UploadProperties(query));
  VITRINE_ASSIGN_OR_RETURN(std::string boundary, http::MultipartParser::BoundaryOf(head.header("content-type")));
  // Rights are checked now, before any byte of the body is read.
  VITRINE_RETURN_IF_ERROR(service.projects().Require(caller, ProjectId(*project), ProjectRole::kContributor));
  service::UploadRequest request{ProjectId(*project), "", std::move(properties)};
  if (auto length = head.header("content-length"); !length.empty()) {
    // An upper bound (the multipart framing counts too): a file that cannot fit is refused now.
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), n);
    if (ec == std::errc() && end == length.data() + length.size()) request.expected_bytes = n;
  }
  return std::unique_ptr<http::BodySink>(
      new UploadSink(service, std::move(caller), std::move(request), *storage, boundary));
}

}  // namespace

void AddUploadRoutes(http::Router& router, service::Service& service) {
  router.Add("GET", "/api/storage.json", Cytomine(service, ListStorages));
  router.Add("GET", "/api/storage/{storage_id}.json", Cytomine(service, GetStorage));
  router.AddStreaming("POST", "/upload", std::bind_front(OpenUpload, std::ref(service)));
}

}  // namespace vitrine::compat::cytomine
