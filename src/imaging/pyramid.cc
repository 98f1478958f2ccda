#include "imaging/pyramid.h"

#include <algorithm>
#include <mutex>
#include <string>

#include "imaging/vips_handles.h"

namespace vitrine::imaging {
namespace {

// libvips signals progress now and then (not at every percent, maybe from several threads) and
// the end once: the callback hears each new, higher percentage, and 100 at the end.
struct ProgressWatch {
  const PyramidProgress* progress;
  std::mutex mu;
  int last_percent = -1;

  void Report(int percent) {
    std::lock_guard lock(mu);
    if (percent <= last_percent) return;
    last_percent = percent;
    (*progress)(percent);
  }
};

void OnEval(VipsImage*, VipsProgress* state, void* user) {
  static_cast<ProgressWatch*>(user)->Report(std::min(state->percent, 99));
}

void OnPostEval(VipsImage*, VipsProgress*, void* user) { static_cast<ProgressWatch*>(user)->Report(100); }

}  // namespace

Status BuildPyramid(const std::filesystem::path& source, const std::filesystem::path& destination,
                    const PyramidProgress& progress) {
  VipsImage* raw = vips_image_new_from_file(source.c_str(), "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                            VIPS_FAIL_ON_TRUNCATED, nullptr);
  if (!raw) return VipsError("the image cannot be decoded");
  VipsImagePtr image(raw);
  const char* loader = vips_foreign_find_load(source.c_str());
  vips_error_clear();
  const bool jpeg_source = loader && std::string(loader).find("Jpeg") != std::string::npos;
  const bool jpeg = jpeg_source && vips_image_get_format(image.get()) == VIPS_FORMAT_UCHAR;
  ProgressWatch watch{&progress};
  if (progress) {
    vips_image_set_progress(image.get(), TRUE);
    g_signal_connect(image.get(), "eval", G_CALLBACK(OnEval), &watch);
    g_signal_connect(image.get(), "posteval", G_CALLBACK(OnPostEval), &watch);
  }
  int rc = vips_tiffsave(image.get(), destination.c_str(), "tile", TRUE, "tile_width", kPyramidTileSide, "tile_height",
                         kPyramidTileSide, "pyramid", TRUE, "bigtiff", TRUE, "compression",
                         jpeg ? VIPS_FOREIGN_TIFF_COMPRESSION_JPEG : VIPS_FOREIGN_TIFF_COMPRESSION_DEFLATE, "Q", 90,
                         nullptr);
  if (rc != 0) return VipsError("cannot build the pyramid", ErrorCode::kInternal);
  return Status::Ok();
}

}  // namespace vitrine::imaging
