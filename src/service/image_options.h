// Tunables of image ingest.
#pragma once

#include <cstdint>

namespace vitrine::service {

struct ImageOptions {
  std::int64_t max_upload_bytes = std::int64_t{1} << 40;  // 1 TiB
  int ingest_thumbnail_size = 256;                        // made at ingest, so the first view is cached
};

}  // namespace vitrine::service
