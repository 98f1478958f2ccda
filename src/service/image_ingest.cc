// ImageService's ingest: uploads streamed to a temp file, probed, thumbnailed, published as a
// blob, then recorded in the catalog (the order is explained in image_service.h).
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/ascii.h"
#include "imaging/probe.h"
#include "imaging/thumbnail.h"
#include "service/image_service.h"
#include "service/image_service_internal.h"
#include "service/properties.h"
#include "service/sticky_pi_name.h"

namespace vitrine::service {

using internal_images::ThumbnailKind;

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

  void ExpectMd5(std::string md5_hex) override { request_.expected_md5 = std::move(md5_hex); }

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
      VITRINE_ASSIGN_OR_RETURN(
          thumbnail,
          imaging::MakeThumbnail(writer_->local_path(), service_.options_.ingest_thumbnail_size, EncodedFormat::kJpeg));
    }
    double thumb_ms = ms_since(t0);
    VITRINE_ASSIGN_OR_RETURN(blob::BlobRef ref, writer_->Commit());
    double commit_ms = ms_since(t0);
    if (request_.expected_md5 && core::Lowercase(*request_.expected_md5) != ref.md5) {
      // The blob stays unreferenced: garbage collection takes it.
      return Status::InvalidArgument("the file's MD5 is " + ref.md5 + ", not the " + *request_.expected_md5 +
                                     " sent with it: it changed on the way");
    }
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
                              id, ThumbnailKind(service_.options_.ingest_thumbnail_size, EncodedFormat::kJpeg),
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
      std::make_unique<IngestUpload>(*this, caller, std::move(request), std::move(sticky), std::move(writer)));
}

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

}  // namespace vitrine::service
