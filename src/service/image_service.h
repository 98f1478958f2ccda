// Images: streaming ingest, metadata, original bytes, thumbnails, listings and device series.
// Safe for concurrent use.
//
// Ingest order (the data-safety rule): bytes stream to a temp file while hashed → the file is
// probed and decoded (a thumbnail) → the blob is fsync'd and renamed into place → only then is
// the catalog row committed. A failure or crash before the commit leaves nothing visible.
//
// Rights: viewers read; contributors upload and edit; deleting takes the manager role, or the
// contributor who uploaded the image. An image of a project the caller cannot see is kNotFound.
//
// One class, implemented in one file per job: image_service.cc (access, metadata, listings),
// image_ingest.cc, image_thumbnails.cc, image_pyramids.cc, image_views.cc and image_gc.cc.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "blob/blob_store.h"
#include "catalog/catalog.h"
#include "core/clock.h"
#include "core/executor.h"
#include "imaging/probe.h"
#include "imaging/view.h"
#include "service/caller.h"
#include "service/image_options.h"
#include "service/project_service.h"
#include "service/view_cache.h"

namespace vitrine::service {

// What an image update may change: its filename and properties.
using ImageChanges = catalog::ImageChanges;

struct UploadRequest {
  ProjectId project;
  std::string filename;
  Properties properties;
  std::int64_t expected_bytes = -1;  // the declared size, if known: refused at once without room
  // The MD5 (hex) the sender computed: a file whose bytes differ is refused before it is recorded.
  std::optional<std::string> expected_md5{};
};

// kTooLarge when the image has more pixels than `options` allow (a decompression bomb is a
// small file with a huge header).
Status CheckPixelCount(const imaging::ImageInfo& info, const ImageOptions& options);

// What an upload became. `created` is false when the project already held the same content:
// `image` is then the image that was there (HTTP 409 with its id).
struct IngestOutcome {
  Image image;
  bool created = true;
};

// One upload in progress. Destroying it before Finish discards everything written.
class ImageUpload {
 public:
  virtual ~ImageUpload() = default;
  virtual Status Write(std::string_view bytes) = 0;
  // For protocols that send the checksum after the file (Sticky Pi's): as UploadRequest's.
  virtual void ExpectMd5(std::string md5_hex) = 0;
  virtual Result<IngestOutcome> Finish() = 0;
};

struct ImageFile {
  Image image;
  std::unique_ptr<core::ByteSource> body;
  std::int64_t offset = 0;
  std::int64_t length = 0;
};

struct EncodedImage {
  std::string bytes;
  std::string mime_type;
  std::string etag;           // strong: changes only if the bytes do
  bool not_modified = false;  // the caller already has these bytes: `bytes` is empty
  bool needs_render = false;  // not cached, and rendering was not allowed here: `bytes` is empty
};

inline constexpr std::size_t kMaxHashLookup = 1000;

class ImageService {
 public:
  // Without the view cache (logged) when its directory cannot be opened.
  // Thumbnails are stored and pyramids built on `executor`'s cache-write and pyramid lanes.
  ImageService(catalog::Catalog& catalog, blob::BlobStore& blobs, ProjectService& projects, const core::Clock& clock,
               core::Executor& executor, ImageOptions options = {});
  // Drops queued pyramid builds (the next view asks again) and waits for the one in progress.
  ~ImageService();

  // Checks rights and the name before any byte is accepted.
  Result<std::unique_ptr<ImageUpload>> BeginUpload(const Caller& caller, UploadRequest request);
  // BeginUpload + Write everything from `source` + Finish.
  Result<IngestOutcome> Upload(const Caller& caller, UploadRequest request, core::ByteSource& source);

  Result<Image> Get(const Caller& caller, ImageId id) const;
  // `range.length < 0`: to the end. kInvalidArgument for a range starting past the end.
  Result<ImageFile> OpenFile(const Caller& caller, ImageId id, blob::ByteRange range) const;
  // Where the caller may fetch the original's bytes straight from the blob store; nullopt when
  // downloads are not redirected (ImageOptions::redirect_downloads) or the store cannot.
  Result<std::optional<std::string>> DirectDownloadUrl(const Caller& caller, ImageId id) const;
  // `format`: "jpg", "png" or "webp". Cached as a derived blob after the first request.
  // Without `may_render`, one not cached yet comes back as `needs_render` (see View).
  Result<EncodedImage> Thumbnail(const Caller& caller, ImageId id, int max_size, std::string_view format,
                                 bool may_render = true);
  // A view of the image: a region at some size, a IIIF request, a Deep Zoom tile. `plan` makes
  // the view from the image's metadata (its size, for a IIIF region or a tile); its error is the
  // answer. A large image without levels of its own gets a pyramid built in the background at
  // its first view, and is read from it once it is there. Views are kept in the view cache;
  // when `already_have` says yes to the view's ETag, nothing is read or rendered. Without
  // `may_render`, a view that is not cached comes back as `needs_render` (for a network thread,
  // which must not spend milliseconds to seconds decoding).
  using ViewPlan = std::function<Result<ViewRequest>(const Image&)>;
  Result<EncodedImage> View(const Caller& caller, ImageId id, const ViewPlan& plan,
                            const std::function<bool(std::string_view etag)>& already_have = nullptr,
                            bool may_render = true);
  // The side of the square tiles Deep Zoom and IIIF announce for the image: its own when it has
  // levels of its own in a tiled file, else those of the pyramid built for it (a small image
  // without one is served at any size). Views of exactly such tiles are read as stored.
  // Without `may_read` (a network thread) nullopt when the side is not known yet: the file would
  // have to be read (and, on S3, downloaded) to learn it.
  Result<std::optional<int>> TileSide(const Image& image, bool may_read) const;
  // The blob analyses of the image's pixels read: its pyramid when built, else the original (a
  // pyramid build queued for a large image), named by its SHA-256.
  Result<std::string> PixelSource(const Image& image) {
    VITRINE_ASSIGN_OR_RETURN(ViewSourceBlob source, ViewSource(image));
    return source.sha256;
  }
  // Decoded 8-bit pixels of a region of that blob at `width` x `height`, grey or RGB (as
  // imaging::DecodeView makes them): what feature descriptors read. Never cached.
  Result<imaging::DecodedPixels> Pixels(const std::string& source_sha256, const PixelRect& region, int width,
                                        int height, bool grey) const;
  // A label image's values over a region of it, scaled by nearest neighbour (a mask).
  Result<imaging::DecodedLabels> Labels(const Image& image, const PixelRect& region, int width, int height) const;
  // Bytes derived from the image under `key` (feature rows), kept in the view cache (its budget,
  // its eviction, dropped with the image), or made by `make` when views are not cached.
  Result<std::string> CachedDerived(ImageId image, const std::string& key,
                                    const std::function<Result<std::string>()>& make) {
    return view_cache_ ? view_cache_->GetOrRender(image, key, make) : make();
  }
  // Null when views are not cached.
  const ViewCache* view_cache() const { return view_cache_.get(); }
  // "native" (levels of its own), "not_needed" (small), "queued", "building" (with the percentage
  // done), "ready" or "none" (not yet asked for).
  struct PyramidState {
    std::string status;
    std::optional<int> progress;
  };
  Result<PyramidState> PyramidStatus(const Caller& caller, ImageId id) const;
  // Builds the image's pyramid now, in the calling thread, if it needs one and has none (or
  // waits for the build under way): what the vitrine/pyramids analytic asks for each image.
  Result<PyramidState> EnsurePyramid(const Caller& caller, ImageId id);
  // The same for an image the caller has already been allowed to see.
  Result<PyramidState> PyramidStatusOf(const Image& image) const;
  Result<Image> Update(const Caller& caller, ImageId id, const catalog::ImageChanges& changes);
  Status Delete(const Caller& caller, ImageId id);

  Result<Page<Image>> List(const Caller& caller, ProjectId project, const ImageFilter& filter,
                           const PageRequest& page) const;
  // Across every project the caller can read (all, for admins): device series and time windows.
  Result<Page<Image>> ListAcrossProjects(const Caller& caller, const ImageFilter& filter,
                                         const PageRequest& page) const;
  // Which of these SHA-256s the project already holds (at most kMaxHashLookup at once).
  Result<std::map<std::string, ImageId>> FindByHash(const Caller& caller, ProjectId project,
                                                    const std::vector<std::string>& sha256s) const;

  // Removes blobs nothing refers to any more (deleted images, their thumbnails) that are older
  // than `grace`. Admins and the local operator only.
  Result<blob::GarbageReport> CollectGarbage(const Caller& caller, std::chrono::seconds grace);

  // Waits until thumbnails computed so far are stored in the cache (tests, benchmarks).
  void FlushCaches() {
    pyramid_builds_.Wait();
    cache_writes_.Wait();
  }

  // The whole image (with its properties) if the caller holds `needed` on its project;
  // kNotFound (not kPermissionDenied) when the caller cannot see the project at all.
  Result<Image> ImageIfCallerHolds(const Caller& caller, ImageId id, ProjectRole needed) const;
  // The image without its properties if the caller may view it (a member of its project, or an
  // admin); kNotFound otherwise. One catalog read: for views and tiles, which need only the size.
  Result<Image> ImageWithoutPropertiesIfViewer(const Caller& caller, ImageId id) const;

 private:
  friend class IngestUpload;

  // The blob views read: the pyramid if it is built, else the original (and the build queued).
  // The original's file is not looked at: a cached view needs none.
  struct ViewSourceBlob {
    std::string sha256;
    bool pyramid = false;
  };
  Result<ViewSourceBlob> ViewSource(const Image& image);
  Status BuildPyramid(const Image& image);
  // The view as the blob stores it (imaging::PassThroughTile), or nullopt. Without `may_read`
  // (a network thread), only from a blob whose file a worker has already looked at: the blob
  // store is not asked (it may download) nor is a new file's layout read.
  Result<std::optional<std::string>> PassThroughTile(const std::string& sha256, const ViewRequest& view, bool may_read);

  catalog::Catalog& catalog_;
  blob::BlobStore& blobs_;
  ProjectService& projects_;
  const core::Clock& clock_;
  const ImageOptions options_;
  mutable std::mutex pyramids_mu_;
  std::map<ImageId, int> pyramids_building_;  // percent done; -1 while queued
  // Each pyramid found, so tiles skip the lookup: the image's content hash (an id could be
  // reused by another image), then the pyramid's blob.
  std::map<ImageId, std::pair<std::string, std::string>> pyramids_ready_;
  // Local files of the blobs whose stored tiles a worker has read (by SHA-256), for the network
  // threads. Blobs are named by content, so a path stays right while the blob exists.
  std::mutex stored_tile_files_mu_;
  std::map<std::string, std::filesystem::path, std::less<>> stored_tile_files_;
  // The tile side of each multi-level blob read so far (by SHA-256): the geometry a viewer was
  // given stays the same for every tile it asks.
  mutable std::mutex tile_sides_mu_;
  mutable std::map<std::string, int, std::less<>> tile_sides_;
  std::atomic<bool> stopping_ = false;
  std::unique_ptr<ViewCache> view_cache_;
  // Last two: their tasks end before the members they use go away. Each on a lane of its own
  // (one thread each by default), so neither ever takes a thread from requests.
  core::TaskGroup cache_writes_;
  core::TaskGroup pyramid_builds_;
};

// kInvalidArgument unless 1-1024 bytes, no path separators or control characters.
Status ValidateFilename(std::string_view filename);

}  // namespace vitrine::service
