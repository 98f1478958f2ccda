// The reference for bench/thumbnail_bench.sh: what libvips alone needs to make a thumbnail of
// a file (vips_thumbnail + JPEG encode, as `vipsthumbnail` does), measured in-process so that
// no process start-up is counted. libvips' operation cache is off: every iteration decodes.
//
//   thumbnail_reference FILE SIZE [google-benchmark flags]
#include <benchmark/benchmark.h>
#include <vips/vips.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

void MakeThumbnail(benchmark::State& state, const std::string& file, int size) {
  for (auto _ : state) {
    VipsImage* thumb = nullptr;
    if (vips_thumbnail(file.c_str(), &thumb, size, "height", size, nullptr) != 0) {
      state.SkipWithError(vips_error_buffer());
      return;
    }
    void* buffer = nullptr;
    size_t length = 0;
    vips_jpegsave_buffer(thumb, &buffer, &length, "Q", 85, "strip", TRUE, nullptr);
    g_object_unref(thumb);
    g_free(buffer);
    benchmark::DoNotOptimize(length);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (VIPS_INIT(argv[0]) != 0) return 1;
  vips_cache_set_max(0);
  benchmark::Initialize(&argc, argv);
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s FILE SIZE [benchmark flags]\n", argv[0]);
    return 2;
  }
  std::string file = argv[1];
  int size = std::atoi(argv[2]);
  benchmark::RegisterBenchmark("vips_thumbnail", MakeThumbnail, file, size)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
