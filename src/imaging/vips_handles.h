// RAII for libvips objects, and the one place libvips errors become Statuses.
// This header holds <vips/vips.h> for the imaging module; nothing outside imaging includes it.
#pragma once

#include <vips/vips.h>

#include <memory>
#include <string_view>

#include "vitrine/status.h"

namespace vitrine::imaging {

struct GObjectUnref {
  void operator()(gpointer p) const {
    if (p) g_object_unref(p);
  }
};
using VipsImagePtr = std::unique_ptr<VipsImage, GObjectUnref>;

struct GFree {
  void operator()(void* p) const { g_free(p); }
};

// Takes libvips' error buffer (process-wide, so taken and cleared in one call) into a Status.
// A file libvips cannot read is the caller's mistake: kUnsupported (HTTP 415).
Status VipsError(std::string_view what, ErrorCode code = ErrorCode::kUnsupported);

}  // namespace vitrine::imaging
