#include "service/image_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

#include "core/digest.h"
#include "imaging/probe.h"
#include "imaging/pyramid.h"
#include "imaging/thumbnail.h"
#include "service/pagination.h"
#include "service/properties.h"
#include "service/sticky_pi_name.h"

namespace vitrine::service {
namespace {

constexpr std::size_t kMaxFilename = 1024;
constexpr std::size_t kMaxCachedThumbnailBytes = 64 * 1024 * 1024;

std::string ThumbnailKind(int max_size, imaging::EncodedFormat format) {
  return "thumbnail:" + std::to_string(max_size) + ":" + std::string(imaging::ExtensionOf(format));
}

Status ImageNotFound(ImageId id) { return Status::NotFound("image " + std::to_string(id.value()) + " not found"); }

}  // namespace

Status ValidateFilename(std::string_view filename) {
  if (filename.empty()) return Status::InvalidArgument("a filename is required (?filename=NAME)");
  if (filename.size() > kMaxFilename) return Status::InvalidArgument("filename is longer than 1024 bytes");
  for (unsigned char c : filename) {
    if (c < 0x20 || c == 0x7f || c == '/' || c == '\\') {
      return Status::InvalidArgument("filename must not contain path separators or control characters");
    }
  }
  if (filename == "." || filename == "..") return Status::InvalidArgument("filename must name a file");
  return Status::Ok();
}

class IngestUpload final : public ImageUpload {
 public:
  IngestUpload(ImageService& service, Caller caller, UploadRequest request, std::optional<StickyPiName> sticky,
               std::unique_ptr<blob::BlobWriter> writer)
      : service_(service),
        caller_(std::move(caller)),
        request_(std::move(request)),
        sticky_(std::move(sticky)),
        writer_(std::move(writer)) {}

  Status Write(std::string_view bytes) override {
    written_ += static_cast<std::int64_t>(bytes.size());
    return writer_->Write(bytes);
  }

  Result<IngestOutcome> Finish() override {
    if (written_ == 0) return Status::InvalidArgument("the file is empty");
    auto t0 = std::chrono::steady_clock::now();
    auto ms_since = [](auto t) {
      return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
    };
    // Inspect before publishing: a file that is not a readable image never becomes a blob.
    VITRINE_ASSIGN_OR_RETURN(imaging::ImageInfo info, imaging::Probe(writer_->local_path()));
    double probe_ms = ms_since(t0);
    VITRINE_RETURN_IF_ERROR(CheckPixelCount(info, service_.options_));
    std::string thumbnail;
    bool huge_and_flat = info.levels == 1 && info.width * info.height > service_.options_.max_ingest_decode_pixels;
    if (!huge_and_flat) {
      VITRINE_ASSIGN_OR_RETURN(thumbnail,
                               imaging::MakeThumbnail(writer_->local_path(), service_.options_.ingest_thumbnail_size,
                                                      imaging::EncodedFormat::kJpeg));
    }
    double thumb_ms = ms_since(t0);
    VITRINE_ASSIGN_OR_RETURN(blob::BlobRef ref, writer_->Commit());
    double commit_ms = ms_since(t0);
    spdlog::debug("ingest {}: probe {:.1f} ms, thumbnail {:.1f} ms, blob commit {:.1f} ms", request_.filename, probe_ms,
                  thumb_ms - probe_ms, commit_ms - thumb_ms);
    auto& catalog = service_.catalog_;
    VITRINE_ASSIGN_OR_RETURN(auto existing, catalog.FindImagesByHash(request_.project, {ref.sha256}));
    if (!existing.empty()) return Duplicate(existing.begin()->second);

    Image image = Describe(info, ref);
    auto inserted = catalog.InsertImage(image);
    if (inserted.status().code() == ErrorCode::kConflict) {  // the same file raced in beside us
      VITRINE_ASSIGN_OR_RETURN(auto raced, catalog.FindImagesByHash(request_.project, {ref.sha256}));
      if (!raced.empty()) return Duplicate(raced.begin()->second);
    }
    VITRINE_RETURN_IF_ERROR(inserted.status());
    if (!thumbnail.empty()) CacheThumbnail(inserted->id, thumbnail);
    return IngestOutcome{std::move(*inserted), true};
  }

 private:
  Result<IngestOutcome> Duplicate(ImageId id) {
    VITRINE_ASSIGN_OR_RETURN(Image existing, service_.catalog_.GetImage(id));
    return IngestOutcome{std::move(existing), false};
  }

  Image Describe(const imaging::ImageInfo& info, const blob::BlobRef& ref) const {
    Image im;
    im.project_id = request_.project;
    im.filename = request_.filename;
    im.size_bytes = ref.size;
    im.sha256 = ref.sha256;
    im.md5 = ref.md5;
    im.format = info.format;
    im.mime_type = info.mime_type;
    im.width = info.width;
    im.height = info.height;
    im.channels = info.channels;
    im.bit_depth = info.bit_depth;
    im.planes = info.planes;
    im.levels = info.levels;
    im.pixel_size_x_um = info.pixel_size_x_um;
    im.pixel_size_y_um = info.pixel_size_y_um;
    im.magnification = info.magnification;
    im.captured_at = info.captured_at;
    if (sticky_) {  // the name is authoritative for Sticky Pi images
      im.device = sticky_->device;
      im.captured_at = sticky_->captured_at;
    }
    im.properties = info.properties;
    for (const auto& [k, v] : request_.properties) im.properties[k] = v;
    im.created_by = caller_.user_id();
    im.created_at = service_.clock_.Now();
    return im;
  }

  // The thumbnail is a cache: failing to keep it costs a later recomputation, not the upload.
  void CacheThumbnail(ImageId id, const std::string& bytes) {
    core::StringSource source(bytes);
    auto ref = service_.blobs_.Put(source, static_cast<std::int64_t>(bytes.size()));
    Status s = ref.ok() ? service_.catalog_.PutDerivedBlob(
                              id, ThumbnailKind(service_.options_.ingest_thumbnail_size, imaging::EncodedFormat::kJpeg),
                              ref->sha256, service_.clock_.Now())
                        : ref.status();
    if (!s.ok()) spdlog::warn("image {}: thumbnail not cached: {}", id.value(), s.ToString());
  }

  ImageService& service_;
  Caller caller_;
  UploadRequest request_;
  std::optional<StickyPiName> sticky_;
  std::unique_ptr<blob::BlobWriter> writer_;
  std::int64_t written_ = 0;
};

Status CheckPixelCount(const imaging::ImageInfo& info, const ImageOptions& options) {
  // In doubles: width x height x planes of a hostile header can pass 2^63.
  const double pixels = static_cast<double>(info.width) * static_cast<double>(info.height) * std::max(1, info.planes);
  const bool flat = info.levels == 1;
  const std::int64_t limit = flat ? options.max_flat_pixels : options.max_pixels;
  if (pixels <= static_cast<double>(limit)) return Status::Ok();
  return Status::TooLarge(std::to_string(info.width) + " x " + std::to_string(info.height) + " x " +
                          std::to_string(info.planes) + " pixels is more than this server takes in " +
                          (flat ? "an image without pyramid levels (" : "one image (") + std::to_string(limit) +
                          "; `vitrine serve --max-pixels` and --max-flat-pixels set it)");
}

Result<std::unique_ptr<ImageUpload>> ImageService::BeginUpload(const Caller& caller, UploadRequest request) {
  VITRINE_RETURN_IF_ERROR(projects_.Require(caller, request.project, ProjectRole::kContributor));
  VITRINE_RETURN_IF_ERROR(ValidateFilename(request.filename));
  VITRINE_RETURN_IF_ERROR(ValidateProperties(request.properties));
  std::optional<StickyPiName> sticky;
  if (auto parsed = ParseStickyPiName(request.filename)) {
    if (!parsed->ok()) return parsed->status();
    sticky = std::move(**parsed);
  }
  VITRINE_RETURN_IF_ERROR(blobs_.CheckRoomFor(std::max<std::int64_t>(request.expected_bytes, 0)));
  VITRINE_ASSIGN_OR_RETURN(auto writer, blobs_.StartPut(options_.max_upload_bytes));
  return std::unique_ptr<ImageUpload>(
      new IngestUpload(*this, caller, std::move(request), std::move(sticky), std::move(writer)));
}

ImageService::ImageService(catalog::Catalog& catalog, blob::BlobStore& blobs, ProjectService& projects,
                           const core::Clock& clock, ImageOptions options)
    : catalog_(catalog), blobs_(blobs), projects_(projects), clock_(clock), options_(std::move(options)) {
  if (options_.view_cache_dir.empty()) return;
  auto cache = ViewCache::Open(options_.view_cache_dir, options_.view_cache_bytes);
  if (cache.ok()) {
    view_cache_ = std::move(*cache);
  } else {
    spdlog::warn("views are not cached: {}", cache.status().ToString());
  }
}

ImageService::~ImageService() { stopping_ = true; }

Result<IngestOutcome> ImageService::Upload(const Caller& caller, UploadRequest request, core::ByteSource& source) {
  VITRINE_ASSIGN_OR_RETURN(auto upload, BeginUpload(caller, std::move(request)));
  std::vector<char> chunk(256 * 1024);
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(std::size_t n, source.Read(chunk));
    if (n == 0) break;
    VITRINE_RETURN_IF_ERROR(upload->Write(std::string_view(chunk.data(), n)));
  }
  return upload->Finish();
}

Result<Image> ImageService::ImageIfCallerHolds(const Caller& caller, ImageId id, ProjectRole needed) const {
  auto image = catalog_.GetImage(id);
  if (!image.ok()) return image.status();
  Status allowed = projects_.Require(caller, image->project_id, needed);
  // An image in a project the caller cannot see does not exist for them.
  if (allowed.code() == ErrorCode::kNotFound) return ImageNotFound(id);
  VITRINE_RETURN_IF_ERROR(allowed);
  return image;
}

Result<Image> ImageService::ImageWithoutPropertiesIfViewer(const Caller& caller, ImageId id) const {
  VITRINE_ASSIGN_OR_RETURN(catalog::Catalog::ImageAccess access, catalog_.GetImageAccess(id, caller.user_id()));
  // Every member may view; to anyone else the image does not exist.
  if (!caller.is_admin() && !access.role) return ImageNotFound(id);
  return std::move(access.image);
}

Result<Image> ImageService::Get(const Caller& caller, ImageId id) const {
  return ImageIfCallerHolds(caller, id, ProjectRole::kViewer);
}

Result<ImageFile> ImageService::OpenFile(const Caller& caller, ImageId id, blob::ByteRange range) const {
  VITRINE_ASSIGN_OR_RETURN(Image image, ImageIfCallerHolds(caller, id, ProjectRole::kViewer));
  if (range.offset < 0 || range.offset > image.size_bytes ||
      (range.offset == image.size_bytes && image.size_bytes > 0)) {
    return Status::InvalidArgument("range starts past the end of the file");
  }
  std::int64_t length =
      range.length < 0 ? image.size_bytes - range.offset : std::min(range.length, image.size_bytes - range.offset);
  VITRINE_ASSIGN_OR_RETURN(auto body, blobs_.Open(image.sha256, {range.offset, length}));
  return ImageFile{std::move(image), std::move(body), range.offset, length};
}

Result<EncodedImage> ImageService::Thumbnail(const Caller& caller, ImageId id, int max_size, std::string_view format,
                                             bool may_render) {
  VITRINE_ASSIGN_OR_RETURN(imaging::EncodedFormat encoded, imaging::EncodedFormatFromName(format));
  if (max_size < 1 || max_size > imaging::kMaxThumbnailSize) {
    return Status::InvalidArgument("max_size must be between 1 and " + std::to_string(imaging::kMaxThumbnailSize));
  }
  VITRINE_ASSIGN_OR_RETURN(Image image, ImageIfCallerHolds(caller, id, ProjectRole::kViewer));
  std::string kind = ThumbnailKind(max_size, encoded);
  EncodedImage out{"", std::string(imaging::MimeTypeOf(encoded)),
                   "\"" + image.sha256.substr(0, 32) + "-" + kind + "\""};
  VITRINE_ASSIGN_OR_RETURN(std::optional<std::string> cached, catalog_.GetDerivedBlob(id, kind));
  if (cached) {
    auto source = blobs_.Open(*cached, {});
    if (source.ok()) {
      VITRINE_ASSIGN_OR_RETURN(out.bytes, core::ReadAll(**source, kMaxCachedThumbnailBytes));
      // Cache blobs are content-addressed: a damaged one is noticed here, and remade.
      if (core::Sha256Hex(out.bytes) == *cached) return out;
      spdlog::warn("image {}: cached {} is damaged; making it again", id.value(), kind);
    } else {
      spdlog::warn("image {}: cached {} is gone ({}); making it again", id.value(), kind, source.status().ToString());
    }
  }
  if (!may_render) {
    out.bytes.clear();
    out.needs_render = true;
    return out;
  }
  VITRINE_ASSIGN_OR_RETURN(std::filesystem::path file, blobs_.LocalPath(image.sha256));
  VITRINE_ASSIGN_OR_RETURN(out.bytes, imaging::MakeThumbnail(file, max_size, encoded));
  // Stored after the answer goes out: caching must not slow down the request that fills it.
  cache_writer_.Submit([this, id, kind, bytes = out.bytes] {
    core::StringSource source(bytes);
    auto ref = blobs_.Put(source, static_cast<std::int64_t>(bytes.size()));
    Status s = ref.ok() ? catalog_.PutDerivedBlob(id, kind, ref->sha256, clock_.Now()) : ref.status();
    // kNotFound: the image was deleted meanwhile; its orphaned cache blob goes at the next GC.
    if (!s.ok() && s.code() != ErrorCode::kNotFound) {
      spdlog::warn("image {}: {} not cached: {}", id.value(), kind, s.ToString());
    }
  });
  return out;
}

namespace {

constexpr std::string_view kPyramidKind = "pyramid";

bool NeedsPyramid(const Image& image) {
  return std::max(image.width, image.height) > imaging::kPyramidThreshold && image.levels <= 1;
}

}  // namespace

Result<ImageService::ViewSourceBlob> ImageService::ViewSource(const Image& image) {
  const ViewSourceBlob original{image.sha256, false};
  if (!NeedsPyramid(image)) return original;
  {
    std::lock_guard lock(pyramids_mu_);
    if (auto it = pyramids_ready_.find(image.id); it != pyramids_ready_.end() && it->second.first == image.sha256) {
      return ViewSourceBlob{it->second.second, true};
    }
  }
  VITRINE_ASSIGN_OR_RETURN(std::optional<std::string> pyramid, catalog_.GetDerivedBlob(image.id, kPyramidKind));
  if (pyramid) {
    auto path = blobs_.LocalPath(*pyramid);
    if (path.ok()) {
      std::lock_guard lock(pyramids_mu_);
      pyramids_ready_[image.id] = {image.sha256, *pyramid};
      return ViewSourceBlob{*pyramid, true};
    }
    spdlog::warn("image {}: its pyramid is gone ({}); building it again", image.id.value(), path.status().ToString());
  }
  {
    std::lock_guard lock(pyramids_mu_);
    if (!pyramids_building_.contains(image.id) && pyramid_builder_.Submit([this, image] { BuildPyramid(image); })) {
      pyramids_building_.emplace(image.id, -1);
    }
  }
  return original;
}

void ImageService::BuildPyramid(const Image& image) {
  const auto started = std::chrono::steady_clock::now();
  auto build = [&]() -> Status {
    VITRINE_ASSIGN_OR_RETURN(std::filesystem::path original, blobs_.LocalPath(image.sha256));
    // Written beside the blob store's own temporary files, on the same disk as the blobs.
    VITRINE_ASSIGN_OR_RETURN(auto scratch, blobs_.StartPut(0));
    const std::filesystem::path file =
        scratch->local_path().parent_path() / (core::RandomUrlToken(12) + ".pyramid.tif");
    scratch.reset();
    struct Remove {
      std::filesystem::path path;
      ~Remove() {
        std::error_code ignored;
        std::filesystem::remove(path, ignored);
      }
    } remove_after{file};
    auto progress = [this, id = image.id](int percent) {
      std::lock_guard lock(pyramids_mu_);
      pyramids_building_[id] = percent;
    };
    if (stopping_) return Status::Unavailable("shutting down");  // queued builds wait for the next start
    progress(0);
    VITRINE_RETURN_IF_ERROR(imaging::BuildPyramid(original, file, progress));
    VITRINE_ASSIGN_OR_RETURN(auto source, core::FileSource::Open(file));
    VITRINE_ASSIGN_OR_RETURN(blob::BlobRef ref, blobs_.Put(*source, std::numeric_limits<std::int64_t>::max()));
    return catalog_.PutDerivedBlob(image.id, kPyramidKind, ref.sha256, clock_.Now());
  };
  Status s = build();
  if (s.ok()) {
    spdlog::info("image {}: pyramid built in {:.1f} s", image.id.value(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  } else if (stopping_) {
    spdlog::info("image {}: pyramid not built before shutdown; the next view asks again", image.id.value());
  } else if (s.code() != ErrorCode::kNotFound) {  // kNotFound: the image was deleted meanwhile
    spdlog::warn("image {}: no pyramid: {}", image.id.value(), s.ToString());
  }
  std::lock_guard lock(pyramids_mu_);
  pyramids_building_.erase(image.id);
}

Result<ImageService::PyramidState> ImageService::PyramidStatus(const Caller& caller, ImageId id) const {
  VITRINE_ASSIGN_OR_RETURN(Image image, ImageIfCallerHolds(caller, id, ProjectRole::kViewer));
  return PyramidStatusOf(image);
}

Result<ImageService::PyramidState> ImageService::PyramidStatusOf(const Image& image) const {
  const ImageId id = image.id;
  if (image.levels > 1) return PyramidState{"native", std::nullopt};
  if (!NeedsPyramid(image)) return PyramidState{"not_needed", std::nullopt};
  {
    std::lock_guard lock(pyramids_mu_);
    if (auto it = pyramids_building_.find(id); it != pyramids_building_.end()) {
      if (it->second < 0) return PyramidState{"queued", std::nullopt};
      return PyramidState{"building", it->second};
    }
    if (auto it = pyramids_ready_.find(id); it != pyramids_ready_.end() && it->second.first == image.sha256) {
      return PyramidState{"ready", std::nullopt};
    }
  }
  VITRINE_ASSIGN_OR_RETURN(std::optional<std::string> pyramid, catalog_.GetDerivedBlob(id, kPyramidKind));
  return PyramidState{pyramid ? "ready" : "none", std::nullopt};
}

namespace {

std::string PixelOptionsTag(const imaging::ViewRequest& view) {
  std::string tag;
  if (view.plane != 0) tag += "-z" + std::to_string(view.plane);
  if (view.channel >= 0) tag += "-c" + std::to_string(view.channel);
  if (view.window) tag += fmt::format("-w{},{}", view.window->low, view.window->high);
  return tag;
}

// Names every input of the rendered bytes: the content, the source read, and the view.
std::string ViewETag(const Image& image, const imaging::ViewRequest& view, bool from_pyramid) {
  const auto& r = view.region;
  const char* qualities[] = {"c", "g", "b"};
  return "\"" + image.sha256.substr(0, 32) + "-v" + std::to_string(r.x) + "," + std::to_string(r.y) + "," +
         std::to_string(r.width) + "," + std::to_string(r.height) + "-" + std::to_string(view.width) + "x" +
         std::to_string(view.height) + "-" + (view.mirror ? "m" : "") + std::to_string(view.rotation) + "-" +
         qualities[static_cast<int>(view.quality)] + std::to_string(view.compression_quality) + "." +
         std::string(imaging::ExtensionOf(view.format)) + (from_pyramid ? "-p" : "") + PixelOptionsTag(view) + "\"";
}

}  // namespace

Result<EncodedImage> ImageService::View(const Caller& caller, ImageId id, const ViewPlan& plan,
                                        const std::function<bool(std::string_view etag)>& already_have,
                                        bool may_render) {
  VITRINE_ASSIGN_OR_RETURN(Image image, ImageWithoutPropertiesIfViewer(caller, id));
  VITRINE_ASSIGN_OR_RETURN(imaging::ViewRequest view, plan(image));
  // A pyramid is made of the first plane only.
  VITRINE_ASSIGN_OR_RETURN(ViewSourceBlob source,
                           view.plane == 0 ? ViewSource(image) : Result<ViewSourceBlob>(ViewSourceBlob{image.sha256}));
  EncodedImage out;
  out.mime_type = std::string(imaging::MimeTypeOf(view.format));
  out.etag = ViewETag(image, view, source.pyramid);
  if (already_have && already_have(out.etag)) {
    out.not_modified = true;
    return out;
  }
  auto render = [&]() -> Result<std::string> {
    auto path = blobs_.LocalPath(source.sha256);
    if (!path.ok() && source.pyramid) {  // gone since it was found: looked up (and rebuilt) next time
      std::lock_guard lock(pyramids_mu_);
      pyramids_ready_.erase(id);
    }
    VITRINE_RETURN_IF_ERROR(path.status());
    return imaging::RenderView(*path, view);
  };
  if (!may_render) {
    auto stored = view_cache_ ? view_cache_->Find(id, out.etag) : std::nullopt;
    if (stored) {
      out.bytes = std::move(*stored);
    } else {
      out.needs_render = true;
    }
  } else if (view_cache_) {
    VITRINE_ASSIGN_OR_RETURN(out.bytes, view_cache_->GetOrRender(id, out.etag, render));
  } else {
    VITRINE_ASSIGN_OR_RETURN(out.bytes, render());
  }
  return out;
}

Result<Image> ImageService::Update(const Caller& caller, ImageId id, const catalog::ImageChanges& changes) {
  VITRINE_RETURN_IF_ERROR(ImageIfCallerHolds(caller, id, ProjectRole::kContributor).status());
  if (changes.filename) VITRINE_RETURN_IF_ERROR(ValidateFilename(*changes.filename));
  VITRINE_RETURN_IF_ERROR(ValidatePropertyChanges(changes.properties));
  return catalog_.UpdateImage(id, changes);
}

Status ImageService::Delete(const Caller& caller, ImageId id) {
  VITRINE_ASSIGN_OR_RETURN(Image image, ImageIfCallerHolds(caller, id, ProjectRole::kContributor));
  bool own = caller.user_id().valid() && caller.user_id() == image.created_by;
  if (!own) VITRINE_RETURN_IF_ERROR(projects_.Require(caller, image.project_id, ProjectRole::kManager));
  // The blob stays until garbage collection finds nothing referring to it: another project may
  // hold the same content, or an upload of it may be committing right now.
  VITRINE_RETURN_IF_ERROR(catalog_.DeleteImage(id));
  if (view_cache_) view_cache_->EraseImage(id);
  {
    std::lock_guard lock(pyramids_mu_);
    pyramids_ready_.erase(id);
  }
  return Status::Ok();
}

Result<Page<Image>> ImageService::List(const Caller& caller, ProjectId project, const ImageFilter& filter,
                                       const PageRequest& page) const {
  VITRINE_RETURN_IF_ERROR(projects_.Require(caller, project, ProjectRole::kViewer));
  VITRINE_RETURN_IF_ERROR(ValidatePage(page));
  return catalog_.ListImages({project, std::nullopt}, filter, page);
}

Result<Page<Image>> ImageService::ListAcrossProjects(const Caller& caller, const ImageFilter& filter,
                                                     const PageRequest& page) const {
  VITRINE_RETURN_IF_ERROR(ValidatePage(page));
  catalog::ImageScope scope;
  if (!caller.is_admin()) scope.member = caller.user_id();
  return catalog_.ListImages(scope, filter, page);
}

Result<std::map<std::string, ImageId>> ImageService::FindByHash(const Caller& caller, ProjectId project,
                                                                const std::vector<std::string>& sha256s) const {
  VITRINE_RETURN_IF_ERROR(projects_.Require(caller, project, ProjectRole::kViewer));
  if (sha256s.size() > kMaxHashLookup) {
    return Status::InvalidArgument("at most " + std::to_string(kMaxHashLookup) + " hashes per lookup");
  }
  for (const auto& sha : sha256s) {
    if (!blob::IsSha256Hex(sha)) return Status::InvalidArgument("'" + sha + "' is not a lowercase hex SHA-256");
  }
  return catalog_.FindImagesByHash(project, sha256s);
}

Result<blob::GarbageReport> ImageService::CollectGarbage(const Caller& caller, std::chrono::seconds grace) {
  if (!caller.is_admin()) return Status::PermissionDenied("only an administrator may collect garbage");
  return blobs_.CollectGarbage([this](std::string_view sha) { return catalog_.IsBlobReferenced(sha); }, grace);
}

}  // namespace vitrine::service
