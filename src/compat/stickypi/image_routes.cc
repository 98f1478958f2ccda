// Sticky Pi's images: lookups by (device, datetime), device series, uploads one multipart file
// at a time (with its MD5), deletes, and the signed links clients fetch pictures by.
#include <charconv>

#include "auth/link_signature.h"
#include "compat/stickypi/stickypi_routes.h"
#include "core/ascii.h"
#include "core/parse_integer.h"
#include "http/multipart.h"
#include "http/query.h"
#include "http/routes/route_helpers.h"
#include "service/sticky_pi_name.h"

namespace vitrine::compat::stickypi {
namespace {

// Sticky Pi's two thumbnail boxes (reference/stickypi.md §3): its 4:3 photos fit 512×384 and
// 128×96 when the longest side is 512 and 128.
constexpr int kThumbnailSize = 512;
constexpr int kThumbnailMiniSize = 128;

Json Answered(StickyPi& sticky, const Caller& caller, const HttpRequest& request, const Image& image,
              std::string_view what) {
  Json row = ImageRow(image);
  if (what != "metadata") row["url"] = LinkFor(sticky, caller, request, image, what);
  return row;
}

Result<Json> GetImages(StickyPi& sticky, const Caller& caller, const Json& info, const HttpRequest& request,
                       const PathParams& params) {
  const std::string& what = params.at("what");
  VITRINE_RETURN_IF_ERROR(CheckImageWhat(what));
  VITRINE_ASSIGN_OR_RETURN(std::vector<Json> items, Objects(info));
  if (items.size() > kMaxLookups) {
    return Status::TooLarge("ask for at most " + std::to_string(kMaxLookups) + " images at once");
  }
  Json rows = Json::array();
  for (const Json& item : items) {
    if (item.empty()) continue;  // the client's `[{}]` for "nothing"
    VITRINE_ASSIGN_OR_RETURN(std::string device, StringField(item, "device"));
    VITRINE_ASSIGN_OR_RETURN(Timestamp datetime, ParseTime(item, "datetime"));
    VITRINE_ASSIGN_OR_RETURN(std::optional<Image> image, FindImage(sticky, caller, device, datetime));
    if (image) rows.push_back(Answered(sticky, caller, request, *image, what));  // missing ones are skipped
  }
  return rows;
}

// Images of the devices matching `device` (SQL LIKE) captured in [start_datetime,
// end_datetime), by capture time; several items' rows are concatenated, as upstream does.
Result<Json> GetImageSeries(StickyPi& sticky, const Caller& caller, const Json& info, const HttpRequest& request,
                            const PathParams& params) {
  const std::string& what = params.at("what");
  VITRINE_RETURN_IF_ERROR(CheckImageWhat(what));
  VITRINE_ASSIGN_OR_RETURN(std::vector<Json> items, Objects(info));
  Json rows = Json::array();
  for (const Json& item : items) {
    ImageFilter filter;
    VITRINE_ASSIGN_OR_RETURN(std::string device, StringField(item, "device"));
    filter.device_like = core::Lowercase(device);
    VITRINE_ASSIGN_OR_RETURN(filter.captured_from, ParseTime(item, "start_datetime"));
    VITRINE_ASSIGN_OR_RETURN(filter.captured_to, ParseTime(item, "end_datetime"));
    filter.sort = ImageSort::kCapturedAt;
    for (std::int64_t offset = 0;;) {
      VITRINE_ASSIGN_OR_RETURN(Page<Image> page, sticky.service.images().ListAcrossProjects(
                                                     caller, filter, PageRequest{PageRequest::kMaxLimit, offset}));
      if (static_cast<std::int64_t>(rows.size() + page.items.size()) > kMaxSeriesRows) {
        return Status::TooLarge("more than " + std::to_string(kMaxSeriesRows) +
                                " images match: ask for a shorter time range");
      }
      for (const Image& image : page.items) rows.push_back(Answered(sticky, caller, request, image, what));
      offset += static_cast<std::int64_t>(page.items.size());
      if (static_cast<std::int64_t>(page.items.size()) < PageRequest::kMaxLimit) break;
    }
  }
  return rows;
}

// Work for detectors: [{algo_name, algo_version, device (LIKE), start_datetime, end_datetime}]
// gives up to 8 images in all of the Sticky Pi project, by capture time, that have no run of
// that algorithm at that version or later and that no other worker holds; each is now held for
// the caller for 6 hours, as upstream's intents are (held per algorithm here, where upstream
// holds an image for every algorithm at once).
Result<Json> GetImagesToAnnotate(StickyPi& sticky, const Caller& caller, const Json& info, const HttpRequest& request,
                                 const PathParams& params) {
  constexpr std::int64_t kMaxLeased = 8;  // upstream's max_requested_images
  constexpr std::size_t kMaxSeries = 16;  // each series is a write transaction
  const std::string& what = params.at("what");
  VITRINE_RETURN_IF_ERROR(CheckImageWhat(what));
  VITRINE_ASSIGN_OR_RETURN(std::vector<Json> items, Objects(info));
  if (items.size() > kMaxSeries) return Status::TooLarge("send at most " + std::to_string(kMaxSeries) + " series");
  VITRINE_ASSIGN_OR_RETURN(std::optional<ProjectId> project, FindProject(sticky));
  // Every item is read before the first lease is taken: a bad one leaves nothing held.
  std::vector<service::AnnotationLeaseRequest> leases;
  for (const Json& item : items) {
    if (item.empty()) continue;
    service::AnnotationLeaseRequest lease;
    VITRINE_ASSIGN_OR_RETURN(lease.algorithm, StringField(item, "algo_name"));
    VITRINE_ASSIGN_OR_RETURN(lease.min_version, StringField(item, "algo_version"));
    VITRINE_ASSIGN_OR_RETURN(std::string device, StringField(item, "device"));
    lease.device_like = core::Lowercase(device);
    VITRINE_ASSIGN_OR_RETURN(lease.from, ParseTime(item, "start_datetime"));
    VITRINE_ASSIGN_OR_RETURN(lease.to, ParseTime(item, "end_datetime"));
    leases.push_back(std::move(lease));
  }
  Json rows = Json::array();
  if (!project) return rows;
  for (service::AnnotationLeaseRequest& lease : leases) {
    lease.project = *project;
    lease.limit = kMaxLeased - static_cast<std::int64_t>(rows.size());
    if (lease.limit == 0) break;
    VITRINE_ASSIGN_OR_RETURN(std::vector<Image> leased, sticky.service.annotation_runs().LeaseImages(caller, lease));
    for (const Image& image : leased) rows.push_back(Answered(sticky, caller, request, image, what));
  }
  return rows;
}

// Upstream's admin-only delete, by (device, datetime); answers the rows deleted. An image's
// annotation runs go with it.
Result<Json> DeleteImages(StickyPi& sticky, const Caller& caller, const Json& info, const HttpRequest&,
                          const PathParams&) {
  VITRINE_RETURN_IF_ERROR(RequireStickyPiAdmin(sticky, caller));
  VITRINE_ASSIGN_OR_RETURN(std::vector<Json> items, Objects(info));
  if (items.size() > kMaxLookups) {
    return Status::TooLarge("delete at most " + std::to_string(kMaxLookups) + " images at once");
  }
  // Only the Sticky Pi project's images: a manager of it is no admin of the others.
  VITRINE_ASSIGN_OR_RETURN(std::optional<ProjectId> project, FindProject(sticky));
  Json rows = Json::array();
  if (!project) return rows;
  for (const Json& item : items) {
    VITRINE_ASSIGN_OR_RETURN(std::string device, StringField(item, "device"));
    VITRINE_ASSIGN_OR_RETURN(Timestamp datetime, ParseTime(item, "datetime"));
    VITRINE_ASSIGN_OR_RETURN(std::optional<Image> image, FindImage(sticky, caller, device, datetime, project));
    if (!image) continue;
    VITRINE_RETURN_IF_ERROR(sticky.service.images().Delete(caller, image->id));
    rows.push_back(ImageRow(*image));
  }
  return rows;
}

// The multipart body of `_put_new_images`: a part named after the file holding the JPEG, and a
// part `<file>.md5` with the MD5 the client computed. The file streams into Vitrine's ingest as
// it arrives; the MD5, which comes after it, is checked before the image is recorded.
class NewImageSink final : public http::BodySink, private http::MultipartHandler {
 public:
  NewImageSink(std::shared_ptr<StickyPi> sticky, Caller caller, ProjectId project, std::string boundary)
      : sticky_(std::move(sticky)), caller_(std::move(caller)), project_(project), parser_(boundary, *this) {}

  Status Write(std::string_view chunk) override { return parser_.Feed(chunk); }

  HttpResponse Finish() override {
    if (Status done = parser_.Finish(); !done.ok()) return StickyPiError(done);
    if (!upload_) return StickyPiError(Status::InvalidArgument("the request has no file part"));
    // The MD5 is what makes a re-put safe to skip and a torn upload detectable: required, as
    // upstream's client always sends it.
    if (md5_name_ != filename_ + ".md5" || md5_.empty()) {
      return StickyPiError(Status::InvalidArgument("the request needs a part '" + filename_ +
                                                   ".md5' holding the file's MD5 (hexadecimal)"));
    }
    upload_->ExpectMd5(md5_);
    auto outcome = upload_->Finish();
    if (!outcome.ok()) return StickyPiError(outcome.status());
    if (!outcome->created) {
      return StickyPiError(
          Status::Conflict("image " + std::to_string(outcome->image.id.value()) + " already holds these bytes"));
    }
    return StickyPiJson(Json::array({ImageRow(outcome->image)}));
  }

 private:
  Status OnPartBegin(const http::MultipartPart& part) override {
    part_ = Part::kIgnored;
    // The MD5 is told by its part's name (a form field upstream; a file part from other senders).
    if (part.name.size() > 4 && part.name.ends_with(".md5")) {
      if (!md5_name_.empty()) return Status::InvalidArgument("send one .md5 part per request");
      md5_name_ = part.name;
      part_ = Part::kMd5;
    } else if (!part.filename.empty()) {
      if (upload_) return Status::InvalidArgument("send one image per request");
      VITRINE_RETURN_IF_ERROR(CheckNewName(part.filename));
      filename_ = part.filename;
      VITRINE_ASSIGN_OR_RETURN(
          upload_, sticky_->service.images().BeginUpload(caller_, service::UploadRequest{project_, part.filename, {}}));
      part_ = Part::kFile;
    }
    return Status::Ok();
  }

  Status OnPartData(std::string_view bytes) override {
    switch (part_) {
      case Part::kFile:
        return upload_->Write(bytes);
      case Part::kMd5:
        if (md5_.size() + bytes.size() > 64) return Status::InvalidArgument("the .md5 part is not an MD5");
        md5_.append(bytes);
        return Status::Ok();
      case Part::kIgnored:
        return Status::Ok();
    }
    return Status::Ok();
  }

  Status OnPartEnd() override {
    part_ = Part::kIgnored;
    return Status::Ok();
  }

  // Upstream's rules for a photo's name, and its natural key: one image per device and second.
  Status CheckNewName(const std::string& filename) {
    auto parsed = service::ParseStickyPiName(filename);
    if (!parsed) {
      return Status::InvalidArgument("'" + filename +
                                     "' is not a Sticky Pi photo name: <8 hex digits>.<YYYY-MM-DD_hh-mm-ss>.jpg");
    }
    VITRINE_RETURN_IF_ERROR(parsed->status());
    // Checked before the upload, not atomically with it: two clients racing to put the same photo
    // may both store it (the ingest's duplicate-content check catches identical bytes).
    VITRINE_ASSIGN_OR_RETURN(std::optional<Image> existing,
                             FindImage(*sticky_, caller_, (*parsed)->device, (*parsed)->captured_at, project_));
    if (existing) {
      return Status::Conflict("device " + (*parsed)->device + " already has image " +
                              std::to_string(existing->id.value()) + " at " + FormatTime((*parsed)->captured_at));
    }
    return Status::Ok();
  }

  enum class Part { kIgnored, kFile, kMd5 };
  std::shared_ptr<StickyPi> sticky_;
  Caller caller_;
  ProjectId project_;
  http::MultipartParser parser_;
  std::unique_ptr<service::ImageUpload> upload_;
  std::string filename_;
  std::string md5_name_;
  std::string md5_;
  Part part_ = Part::kIgnored;
};

Result<std::unique_ptr<http::BodySink>> OpenNewImage(const std::shared_ptr<StickyPi>& sticky, const HttpRequest& head,
                                                     const PathParams&) {
  VITRINE_ASSIGN_OR_RETURN(Caller caller, AuthenticateStickyPi(sticky->service, head));
  VITRINE_ASSIGN_OR_RETURN(std::string boundary, http::MultipartParser::BoundaryOf(head.header("content-type")));
  // Rights are checked now, before any byte of the body is read.
  VITRINE_ASSIGN_OR_RETURN(ProjectId project, ProjectForWriting(*sticky, caller));
  return std::unique_ptr<http::BodySink>(new NewImageSink(sticky, std::move(caller), project, boundary));
}

// GET /stickypi/files/{image}/{what}/{name}?user=&expires=&signature=: what a link handed out
// by the routes above opens, with the rights of the user it was made for, without credentials.
HttpResponse ServeLink(StickyPi& sticky, const HttpRequest& request, const PathParams& params) {
  if (!request.on_worker) return http::routes::RunOnWorker();
  auto served = [&]() -> Result<HttpResponse> {
    VITRINE_ASSIGN_OR_RETURN(ImageId id, http::routes::PathId<ImageId>(params, "image_id"));
    const std::string& what = params.at("what");
    if (what == "metadata") return Status::NotFound("metadata has no file");
    VITRINE_RETURN_IF_ERROR(CheckImageWhat(what));
    VITRINE_ASSIGN_OR_RETURN(const Caller caller,
                             VerifySignedQuery(sticky, request, "image/" + std::to_string(id.value()) + "/" + what));
    if (what == "image") return http::routes::ServeImageFile(sticky.service.images(), caller, request, id);
    VITRINE_ASSIGN_OR_RETURN(service::EncodedImage thumb,
                             sticky.service.images().Thumbnail(
                                 caller, id, what == "thumbnail" ? kThumbnailSize : kThumbnailMiniSize, "jpg"));
    return http::routes::PictureResponse(request, std::move(thumb));
  }();
  return LinkAnswer(std::move(served));
}

}  // namespace

void AddImageRoutes(http::Router& router, const std::shared_ptr<StickyPi>& sticky) {
  router.Add("POST", "/get_images/{what}", Route(sticky, GetImages));
  router.Add("POST", "/get_image_series/{what}", Route(sticky, GetImageSeries));
  router.Add("POST", "/get_images_to_annotate/{what}", Route(sticky, GetImagesToAnnotate));
  router.Add("POST", "/delete_images", Route(sticky, DeleteImages));
  router.AddStreaming("POST", "/_put_new_images", [sticky](const HttpRequest& head, const PathParams& params) {
    return OpenNewImage(sticky, head, params);
  });
  for (const char* method : {"GET", "HEAD"}) {
    router.Add(
        method, "/stickypi/files/{image_id}/{what}/{name}",
        [sticky](const HttpRequest& request, const PathParams& params) { return ServeLink(*sticky, request, params); });
  }
}

}  // namespace vitrine::compat::stickypi
