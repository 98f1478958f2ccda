// Uploaded image files: imaging::Probe (loader sniffing, header, pyramid levels, EXIF) on small
// corrupt files. Probe takes a path, so each input is written to one temporary file. libvips is
// started once with one thread and no operation cache (the file's name never changes, so a
// cached load would answer for an earlier input).
#include <vips/vips.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "imaging/init.h"
#include "imaging/probe.h"

namespace {

namespace fs = std::filesystem;

fs::path& InputPath() {
  static fs::path path;
  return path;
}

void RemoveTemporaryDirectory() {
  std::error_code ignored;
  fs::remove_all(InputPath().parent_path(), ignored);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** argv) {
  if (!vitrine::imaging::InitializeImaging((*argv)[0]).ok()) std::abort();
  vips_concurrency_set(1);
  vips_cache_set_max(0);
  std::string dir = (fs::temp_directory_path() / "vitrine-probe-fuzz-XXXXXX").string();
  if (!mkdtemp(dir.data())) std::abort();
  InputPath() = fs::path(dir) / "input";
  std::atexit(RemoveTemporaryDirectory);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  {
    std::ofstream out(InputPath(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out) std::abort();
  }
  auto info = vitrine::imaging::Probe(InputPath());
  if (info.ok() && (info->width <= 0 || info->height <= 0 || info->levels < 1 || info->planes < 1)) std::abort();
  vips_error_clear();
  return 0;
}
