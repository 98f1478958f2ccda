#include "imaging/init.h"

#include <mutex>

#include "imaging/vips_handles.h"

namespace vitrine::imaging {

Status InitializeImaging(const char* argv0, const ImagingOptions& options) {
  static std::once_flag once;
  static Status result;
  std::call_once(once, [&] {
    if (VIPS_INIT(argv0) != 0) {
      result = VipsError("cannot start libvips", ErrorCode::kInternal);
      return;
    }
    vips_block_untrusted_set(TRUE);
    // libvips marks these untrusted only because their decoders are less fuzzed; JPEG 2000 and
    // whole-slide formats are core to microscopy, so they are let through deliberately.
    vips_operation_block_set("VipsForeignLoadJp2k", FALSE);
    vips_operation_block_set("VipsForeignLoadOpenslide", FALSE);
    vips_cache_set_max_mem(options.operation_cache_bytes);
    vips_cache_set_max_files(64);
  });
  return result;
}

}  // namespace vitrine::imaging
