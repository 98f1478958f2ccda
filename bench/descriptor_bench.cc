// One descriptor over synthetic grey or colour pixels in this process, without the server: where
// a descriptor's time goes (perf record it), apart from decoding and HTTP.
//   descriptor_bench NAME WIDTH HEIGHT [REPEATS]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "features/descriptor.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s NAME WIDTH HEIGHT [REPEATS]\n", argv[0]);
    return 2;
  }
  const auto* descriptor = vitrine::features::FindDescriptor(argv[1]);
  if (descriptor == nullptr) {
    std::fprintf(stderr, "no descriptor %s\n", argv[1]);
    return 2;
  }
  const int width = std::atoi(argv[2]), height = std::atoi(argv[3]), repeats = argc > 4 ? std::atoi(argv[4]) : 20;
  const int bands = descriptor->info().pixels == vitrine::features::PixelKind::kGrey ? 1 : 3;
  vitrine::imaging::DecodedPixels pixels{.width = width, .height = height, .bands = bands};
  pixels.values.resize(static_cast<std::size_t>(width) * height * bands);
  std::mt19937 random(1);
  for (auto& v : pixels.values) v = static_cast<std::uint8_t>(random() % 256);
  (void)descriptor->Extract({.pixels = &pixels});  // plans and kernel spectra made once
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < repeats; ++i) {
    auto rows = descriptor->Extract({.pixels = &pixels});
    if (!rows.ok()) {
      std::fprintf(stderr, "%s\n", rows.status().ToString().c_str());
      return 1;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s %dx%d: %.2f ms per image, %.1f images/s on one thread\n", argv[1], width, height,
              1000 * seconds / repeats, repeats / seconds);
  return 0;
}
