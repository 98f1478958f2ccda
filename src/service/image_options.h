// Tunables of image ingest.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>

namespace vitrine::service {

struct ImageOptions {
  std::int64_t max_upload_bytes = std::int64_t{1} << 40;  // 1 TiB
  // Uploads with more pixels (width x height x planes) are refused (413). Images with pyramid
  // levels (whole slides, tiled pyramidal TIFFs) are read a level and a tile at a time; flat
  // ones must be decoded whole to build their pyramid, so they have the lower limit.
  std::int64_t max_pixels = 40'000'000'000;      // e.g. 200,000 x 200,000
  std::int64_t max_flat_pixels = 1'000'000'000;  // e.g. 31,600 x 31,600
  int ingest_thumbnail_size = 256;               // made at ingest, so the first view is cached
  // Flat (non-pyramidal) images larger than this are not decoded during the upload: decoding
  // them takes seconds and libvips hundreds of MB, so only their header is checked then, and
  // their thumbnail is made on first request. Pyramids are cheap to thumbnail at any size.
  std::int64_t max_ingest_decode_pixels = 100'000'000;
  // Where rendered views (tiles, regions) are kept for next time; empty: not kept.
  std::filesystem::path view_cache_dir;
  std::int64_t view_cache_bytes = std::int64_t{1} << 30;  // 1 GiB: some 50,000 256-px JPEG tiles
  // Above zero: downloads of originals are redirected to a URL of the blob store valid this long
  // (a presigned S3 URL), when the store makes one, so that the bytes do not pass through the
  // server. Zero: every download is streamed by the server.
  std::chrono::seconds redirect_downloads{0};
};

}  // namespace vitrine::service
