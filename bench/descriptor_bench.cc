// One descriptor over synthetic grey or colour pixels, or a real image's, in this process,
// without the server: where a descriptor's time goes (perf record it), apart from decoding and
// HTTP. Noise is the worst case for what depends on the pixels' values (Color_Histogram's
// colour cache); a photo is the usual one.
//   descriptor_bench NAME WIDTH HEIGHT [REPEATS]
//   descriptor_bench NAME IMAGE_FILE [REPEATS]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "features/descriptor.h"
#include "imaging/init.h"
#include "imaging/probe.h"
#include "imaging/view.h"

namespace {

vitrine::Result<vitrine::imaging::DecodedPixels> Noise(int width, int height, int bands) {
  vitrine::imaging::DecodedPixels pixels{.width = width, .height = height, .bands = bands};
  pixels.values.resize(static_cast<std::size_t>(width) * height * bands);
  std::mt19937 random(1);
  for (auto& v : pixels.values) v = static_cast<std::uint8_t>(random() % 256);
  return pixels;
}

vitrine::Result<vitrine::imaging::DecodedPixels> Photo(const char* file, int bands) {
  VITRINE_ASSIGN_OR_RETURN(auto info, vitrine::imaging::Probe(file));
  vitrine::ViewRequest view;
  view.region = {0, 0, info.width, info.height};
  view.width = static_cast<int>(info.width);
  view.height = static_cast<int>(info.height);
  view.quality = bands == 1 ? vitrine::ViewQuality::kGray : vitrine::ViewQuality::kColor;
  return vitrine::imaging::DecodeView(file, view);
}

bool IsNumber(const char* text) {
  return *text != '\0' && std::string(text).find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

int main(int argc, char** argv) {
  const bool photo = argc >= 3 && !IsNumber(argv[2]);
  if (argc < (photo ? 3 : 4)) {
    std::fprintf(stderr, "usage: %s NAME WIDTH HEIGHT [REPEATS]\n       %s NAME IMAGE_FILE [REPEATS]\n", argv[0],
                 argv[0]);
    return 2;
  }
  const auto* descriptor = vitrine::features::FindDescriptor(argv[1]);
  if (descriptor == nullptr) {
    std::fprintf(stderr, "no descriptor %s\n", argv[1]);
    return 2;
  }
  const int bands = descriptor->info().pixels == vitrine::features::PixelKind::kGrey ? 1 : 3;
  const int repeats_at = photo ? 3 : 4;
  const int repeats = argc > repeats_at ? std::atoi(argv[repeats_at]) : 20;
  if (photo) {
    if (auto started = vitrine::imaging::InitializeImaging(argv[0]); !started.ok()) {
      std::fprintf(stderr, "%s\n", started.ToString().c_str());
      return 1;
    }
  }
  auto decoded = photo ? Photo(argv[2], bands) : Noise(std::atoi(argv[2]), std::atoi(argv[3]), bands);
  if (!decoded.ok()) {
    std::fprintf(stderr, "%s\n", decoded.status().ToString().c_str());
    return 1;
  }
  const vitrine::imaging::DecodedPixels pixels = std::move(decoded).value();
  const int width = pixels.width, height = pixels.height;
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
  std::printf("%s %dx%d %s: %.2f ms per image, %.1f images/s on one thread\n", argv[1], width, height,
              photo ? argv[2] : "noise", 1000 * seconds / repeats, repeats / seconds);
  return 0;
}
