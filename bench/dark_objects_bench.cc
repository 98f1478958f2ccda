// Images/s of vitrine/dark-objects (imaging::FindDarkObjects) on a list of files, to set beside
// bench/dark_objects_reference.py (the same steps in Python + OpenCV) run on the same files:
//
//   dark_objects_bench [--threads 2] [--sigma 2] [--min-area 50] [--tolerance 1] [--per-file] FILE|DIR...
//
// Prints one line of key=value (images, seconds, images_per_s, objects); --per-file also prints
// "count FILE N" per file, in the order given, to compare counts with the reference.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "imaging/dark_objects.h"
#include "imaging/init.h"

namespace {

using vitrine::imaging::DarkObjectOptions;

std::vector<std::filesystem::path> ListImages(const std::filesystem::path& path) {
  if (!std::filesystem::is_directory(path)) return {path};
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(path)) {
    const std::string ext = entry.path().extension().string();
    if (entry.is_regular_file() && (ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".tif")) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  if (!vitrine::imaging::InitializeImaging(argv[0]).ok()) return 1;
  DarkObjectOptions options;
  int threads = 2;
  bool per_file = false;
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--threads" && has_value) {
      threads = std::atoi(argv[++i]);
    } else if (arg == "--sigma" && has_value) {
      options.blur_sigma = std::atof(argv[++i]);
    } else if (arg == "--min-area" && has_value) {
      options.min_area_px = std::atoll(argv[++i]);
    } else if (arg == "--tolerance" && has_value) {
      options.simplify_tolerance_px = std::atof(argv[++i]);
    } else if (arg == "--per-file") {
      per_file = true;
    } else {
      for (auto& f : ListImages(arg)) files.push_back(std::move(f));
    }
  }
  if (files.empty() || threads < 1) {
    std::fprintf(stderr,
                 "usage: %s [--threads N] [--sigma S] [--min-area A] [--tolerance T] [--per-file] FILE|DIR...\n",
                 argv[0]);
    return 2;
  }
  std::vector<long long> counts(files.size(), -1);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (std::size_t i = next++; i < files.size(); i = next++) {
        auto result = vitrine::imaging::FindDarkObjects(files[i], options);
        if (!result.ok()) {
          std::fprintf(stderr, "%s: %s\n", files[i].c_str(), result.status().ToString().c_str());
          failed = true;
          continue;
        }
        counts[i] = static_cast<long long>(result->objects.size());
      }
    });
  }
  for (auto& w : workers) w.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  long long objects = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (counts[i] > 0) objects += counts[i];
    if (per_file) std::printf("count %s %lld\n", files[i].c_str(), counts[i]);
  }
  std::printf("impl=vitrine images=%zu threads=%d seconds=%.3f images_per_s=%.2f objects=%lld\n", files.size(), threads,
              seconds, static_cast<double>(files.size()) / seconds, objects);
  return failed ? 1 : 0;
}
