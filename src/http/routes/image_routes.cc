#include <functional>
#include <limits>

#include "core/parse_integer.h"
#include "core/time_format.h"
#include "http/byte_range.h"
#include "http/multipart.h"
#include "http/routes/route_helpers.h"

namespace vitrine::http::routes {
namespace {

using service::Caller;
using service::ImageService;

constexpr std::size_t kMaxMetadataPart = 64 * 1024;

HttpResponse IngestResponse(Result<service::IngestOutcome> outcome) {
  if (!outcome.ok()) return ErrorResponse(outcome.status());
  if (!outcome->created) {
    Status conflict =
        Status::Conflict("project " + std::to_string(outcome->image.project_id.value()) +
                         " already holds this file as image " + std::to_string(outcome->image.id.value()));
    wire::Json body = wire::ErrorBody(conflict);
    body["error"]["existing_id"] = outcome->image.id.value();
    return JsonResponse(409, body);
  }
  HttpResponse r = JsonResponse(201, wire::ToJson(outcome->image));
  r.With("location", "/api/v1/images/" + std::to_string(outcome->image.id.value()));
  return r;
}

// The body is the file itself.
class RawUploadSink final : public BodySink {
 public:
  explicit RawUploadSink(std::unique_ptr<service::ImageUpload> upload) : upload_(std::move(upload)) {}
  Status Write(std::string_view chunk) override { return upload_->Write(chunk); }
  HttpResponse Finish() override { return IngestResponse(upload_->Finish()); }

 private:
  std::unique_ptr<service::ImageUpload> upload_;
};

// multipart/form-data: a `file` part, optionally preceded by a `metadata` part holding
// {"filename": ..., "properties": {...}}.
class MultipartUploadSink final : public BodySink, private MultipartHandler {
 public:
  MultipartUploadSink(ImageService& images, Caller caller, service::UploadRequest request, std::string boundary)
      : images_(images), caller_(std::move(caller)), request_(std::move(request)), parser_(boundary, *this) {}

  Status Write(std::string_view chunk) override { return parser_.Feed(chunk); }

  HttpResponse Finish() override {
    Status done = parser_.Finish();
    if (!done.ok()) return ErrorResponse(done);
    if (!upload_) return ErrorResponse(Status::InvalidArgument("the multipart body has no 'file' part"));
    return IngestResponse(upload_->Finish());
  }

 private:
  enum class Current { kNone, kFile, kMetadata };

  Status OnPartBegin(const MultipartPart& part) override {
    if (part.name == "file") {
      if (upload_) return Status::InvalidArgument("send one 'file' part per upload");
      if (request_.filename.empty()) request_.filename = part.filename;
      VITRINE_ASSIGN_OR_RETURN(upload_, images_.BeginUpload(caller_, request_));
      current_ = Current::kFile;
    } else if (part.name == "metadata") {
      if (upload_) return Status::InvalidArgument("the 'metadata' part must come before the 'file' part");
      current_ = Current::kMetadata;
    } else {
      current_ = Current::kNone;
    }
    return Status::Ok();
  }

  Status OnPartData(std::string_view bytes) override {
    if (current_ == Current::kFile) return upload_->Write(bytes);
    if (current_ == Current::kMetadata) {
      if (metadata_.size() + bytes.size() > kMaxMetadataPart) return Status::TooLarge("'metadata' part over 64 KiB");
      metadata_.append(bytes);
    }
    return Status::Ok();
  }

  Status OnPartEnd() override {
    if (current_ == Current::kMetadata) {
      VITRINE_ASSIGN_OR_RETURN(wire::Json meta, wire::ParseObject(metadata_));
      VITRINE_ASSIGN_OR_RETURN(auto filename, wire::OptionalString(meta, "filename"));
      if (filename && request_.filename.empty()) request_.filename = *filename;
      if (auto it = meta.find("properties"); it != meta.end()) {
        VITRINE_ASSIGN_OR_RETURN(Properties props, wire::PropertiesFromJson(*it));
        for (auto& [k, v] : props) request_.properties[k] = v;
      }
    }
    current_ = Current::kNone;
    return Status::Ok();
  }

  ImageService& images_;
  Caller caller_;
  service::UploadRequest request_;
  MultipartParser parser_;
  std::unique_ptr<service::ImageUpload> upload_;
  Current current_ = Current::kNone;
  std::string metadata_;
};

Result<ImageFilter> ParseImageFilter(const QueryParams& query) {
  ImageFilter filter;
  if (auto v = query.Get("device")) filter.device_like = std::string(*v);
  if (auto v = query.Get("filename")) filter.filename_like = std::string(*v);
  for (const char* name : {"captured_from", "captured_to"}) {
    if (auto v = query.Get(name)) {
      auto t = core::ParseIso8601(*v);
      if (!t.ok()) return Status::InvalidArgument(std::string(name) + ": " + t.status().message());
      (std::string_view(name) == "captured_from" ? filter.captured_from : filter.captured_to) = *t;
    }
  }
  VITRINE_ASSIGN_OR_RETURN(filter.property, ParsePropertyFilter(query));
  if (auto v = query.Get("sort")) {
    if (*v == "captured_at")
      filter.sort = ImageSort::kCapturedAt;
    else if (*v == "created_at")
      filter.sort = ImageSort::kCreatedAt;
    else if (*v == "filename")
      filter.sort = ImageSort::kFilename;
    else if (*v == "id")
      filter.sort = ImageSort::kId;
    else
      return Status::InvalidArgument("sort must be captured_at, created_at, filename or id");
  }
  if (auto v = query.Get("order")) {
    if (*v != "asc" && *v != "desc") return Status::InvalidArgument("order must be asc or desc");
    filter.descending = *v == "desc";
  }
  return filter;
}

// The body is the image file, raw or as multipart/form-data: where it goes is decided from the
// head alone.
Result<std::unique_ptr<BodySink>> UploadImage(service::Service& service, const HttpRequest& head,
                                              const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(Caller caller, AuthenticateRequest(service.auth(), head));
  VITRINE_ASSIGN_OR_RETURN(ProjectId project, PathId<ProjectId>(params, "project_id"));
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(head.query));
  service::UploadRequest request{project, std::string(query.Get("filename").value_or("")), {}};
  if (auto length = head.header("content-length"); !length.empty()) {
    // Beast has refused any Content-Length that is not all digits before this runs.
    if (auto n = core::ParseInteger<std::int64_t>(length)) request.expected_bytes = *n;
  }
  std::string_view type = head.header("content-type");
  if (type.starts_with("multipart/")) {
    VITRINE_ASSIGN_OR_RETURN(std::string boundary, MultipartParser::BoundaryOf(type));
    // Rights are checked now, before any byte of the body is read.
    VITRINE_RETURN_IF_ERROR(service.projects().Require(caller, project, ProjectRole::kContributor));
    return std::unique_ptr<BodySink>(
        new MultipartUploadSink(service.images(), std::move(caller), std::move(request), std::move(boundary)));
  }
  VITRINE_ASSIGN_OR_RETURN(auto upload, service.images().BeginUpload(caller, std::move(request)));
  return std::unique_ptr<BodySink>(new RawUploadSink(std::move(upload)));
}

Result<HttpResponse> LookupImages(service::Service& service, const Caller& caller, const HttpRequest& request,
                                  const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(ProjectId project, PathId<ProjectId>(params, "project_id"));
  VITRINE_ASSIGN_OR_RETURN(wire::Json body, wire::ParseObject(request.body));
  auto it = body.find("sha256");
  if (it == body.end() || !it->is_array()) return Status::InvalidArgument("field 'sha256' must be an array of hashes");
  std::vector<std::string> hashes;
  for (const auto& h : *it) {
    if (!h.is_string()) return Status::InvalidArgument("field 'sha256' must hold strings");
    hashes.push_back(h.get<std::string>());
  }
  VITRINE_ASSIGN_OR_RETURN(auto found, service.images().FindByHash(caller, project, hashes));
  wire::Json existing = wire::Json::object();
  for (const auto& [sha, id] : found) existing[sha] = id.value();
  return JsonResponse(200, {{"existing", std::move(existing)}});
}

Result<HttpResponse> ListProjectImages(service::Service& service, const Caller& caller, const HttpRequest& request,
                                       const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(ProjectId project, PathId<ProjectId>(params, "project_id"));
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(ImageFilter filter, ParseImageFilter(query));
  VITRINE_ASSIGN_OR_RETURN(PageRequest page, query.Page());
  return JsonOr(200, service.images().List(caller, project, filter, page));
}

Result<HttpResponse> ListImages(service::Service& service, const Caller& caller, const HttpRequest& request,
                                const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(ImageFilter filter, ParseImageFilter(query));
  VITRINE_ASSIGN_OR_RETURN(PageRequest page, query.Page());
  return JsonOr(200, service.images().ListAcrossProjects(caller, filter, page));
}

Result<HttpResponse> GetImage(service::Service& service, const Caller& caller, const HttpRequest&,
                              const PathParams& params) {
  auto& images = service.images();
  VITRINE_ASSIGN_OR_RETURN(ImageId id, PathId<ImageId>(params, "image_id"));
  VITRINE_ASSIGN_OR_RETURN(Image image, images.Get(caller, id));
  VITRINE_ASSIGN_OR_RETURN(auto pyramid, images.PyramidStatusOf(image));
  wire::Json body = wire::ToJson(image);
  body["pyramid"] = PyramidJson(pyramid);
  return JsonResponse(200, body);
}

Result<HttpResponse> GetImageFile(service::Service& service, const Caller& caller, const HttpRequest& request,
                                  const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(ImageId id, PathId<ImageId>(params, "image_id"));
  return ServeImageFile(service.images(), caller, request, id);
}

Result<HttpResponse> GetThumbnail(service::Service& service, const Caller& caller, const HttpRequest& request,
                                  const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(ImageId id, PathId<ImageId>(params, "image_id"));
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
  VITRINE_ASSIGN_OR_RETURN(
      auto max_size, query.GetIntIn("max_size", std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
  std::string format(query.Get("format").value_or("jpg"));
  VITRINE_ASSIGN_OR_RETURN(service::EncodedImage thumb,
                           service.images().Thumbnail(caller, id, static_cast<int>(max_size.value_or(256)), format,
                                                      /*may_render=*/request.on_worker));
  return PictureResponse(request, std::move(thumb));
}

Result<HttpResponse> UpdateImage(service::Service& service, const Caller& caller, const HttpRequest& request,
                                 const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(ImageId id, PathId<ImageId>(params, "image_id"));
  VITRINE_ASSIGN_OR_RETURN(wire::Json body, wire::ParseObject(request.body));
  catalog::ImageChanges changes;
  VITRINE_ASSIGN_OR_RETURN(changes.filename, wire::OptionalString(body, "filename"));
  if (auto it = body.find("properties"); it != body.end()) {
    VITRINE_ASSIGN_OR_RETURN(changes.properties, wire::PropertyChangesFromJson(*it));
  }
  return JsonOr(200, service.images().Update(caller, id, changes));
}

Result<HttpResponse> DeleteImage(service::Service& service, const Caller& caller, const HttpRequest&,
                                 const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(ImageId id, PathId<ImageId>(params, "image_id"));
  return NoContentOr(service.images().Delete(caller, id));
}

}  // namespace

Result<HttpResponse> ServeImageFile(ImageService& images, const Caller& caller, const HttpRequest& request,
                                    ImageId id) {
  VITRINE_ASSIGN_OR_RETURN(Image image, images.Get(caller, id));
  std::string etag = "\"" + image.sha256 + "\"";
  if (auto inm = request.header("if-none-match"); !inm.empty() && ETagMatches(inm, etag)) return NotModified(etag);
  VITRINE_ASSIGN_OR_RETURN(std::optional<std::string> direct, images.DirectDownloadUrl(caller, id));
  if (direct) {
    // 307 keeps the method (HEAD stays HEAD) and the client sends its Range header on.
    HttpResponse r;
    r.status = 307;
    r.With("location", *direct).With("etag", etag).With("cache-control", "private, no-store");
    return r;
  }
  auto range = ResolveRange(request.header("range"), image.size_bytes);
  if (!range.ok()) {
    HttpResponse r = ErrorResponse(range.status());
    r.status = 416;
    r.With("content-range", "bytes */" + std::to_string(image.size_bytes));
    return r;
  }
  blob::ByteRange wanted;
  if (*range) wanted = {(*range)->offset, (*range)->length};
  VITRINE_ASSIGN_OR_RETURN(service::ImageFile file, images.OpenFile(caller, id, wanted));
  HttpResponse r;
  r.status = *range ? 206 : 200;
  r.With("content-type", image.mime_type).With("etag", etag).With("accept-ranges", "bytes");
  r.With("content-disposition", ContentDisposition(image.filename));
  if (*range) {
    r.With("content-range", "bytes " + std::to_string(file.offset) + "-" +
                                std::to_string(file.offset + file.length - 1) + "/" + std::to_string(image.size_bytes));
  }
  r.stream = std::move(file.body);
  r.stream_length = file.length;
  return r;
}

void AddImageRoutes(Router& router, service::Service& service) {
  router.AddStreaming("POST", "/api/v1/projects/{project_id}/images", std::bind_front(UploadImage, std::ref(service)));
  router.Add("POST", "/api/v1/projects/{project_id}/images/lookup", Authed(service, LookupImages));
  router.Add("GET", "/api/v1/projects/{project_id}/images", Authed(service, ListProjectImages));
  router.Add("GET", "/api/v1/images", Authed(service, ListImages));
  router.Add("GET", "/api/v1/images/{image_id}", Authed(service, GetImage));
  router.Add("GET", "/api/v1/images/{image_id}/file", Authed(service, GetImageFile));
  router.Add("GET", "/api/v1/images/{image_id}/thumbnail", ViewerAuthed(service, GetThumbnail));
  router.Add("PATCH", "/api/v1/images/{image_id}", Authed(service, UpdateImage));
  router.Add("DELETE", "/api/v1/images/{image_id}", AuthedWork(service, DeleteImage));
}

}  // namespace vitrine::http::routes
