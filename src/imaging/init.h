// libvips is process-wide state: started once, by main (or a test), before any imaging call.
#pragma once

#include "vitrine/status.h"

namespace vitrine::imaging {

struct ImagingOptions {
  // Memory libvips may keep in its operation cache; small, so a server's RSS stays bounded.
  std::size_t operation_cache_bytes = 32 * 1024 * 1024;
};

// Idempotent and thread-safe. Also blocks the loaders libvips marks untrusted (ImageMagick and
// friends): every file Vitrine decodes comes from outside.
Status InitializeImaging(const char* argv0, const ImagingOptions& options = {});

}  // namespace vitrine::imaging
