// Lists one device's images in a time window across every project we can read, page by page.
//   device_series URL USERNAME DEVICE FROM TO        (times as 2020-06-20T00:00:00Z)
#include <vitrine/client.h>
#include <vitrine/collections.h>

#include <chrono>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>

namespace {

// Parses "YYYY-MM-DDTHH:MM:SSZ" into a UTC timestamp.
std::optional<vitrine::Timestamp> ParseUtc(const std::string& text) {
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  if (in.fail()) return std::nullopt;
  auto days = std::chrono::sys_days(std::chrono::year(tm.tm_year + 1900) / (tm.tm_mon + 1) / tm.tm_mday);
  auto t = days + std::chrono::hours(tm.tm_hour) + std::chrono::minutes(tm.tm_min) + std::chrono::seconds(tm.tm_sec);
  return std::chrono::time_point_cast<std::chrono::microseconds>(t);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) return std::cerr << "usage: device_series URL USERNAME DEVICE FROM TO\n", 2;
  auto client = vitrine::Connect(argv[1], {.username = argv[2]});
  if (!client.ok()) return std::cerr << client.status().ToString() << "\n", 1;
  vitrine::ImageFilter filter;
  filter.device_like = argv[3];
  filter.captured_from = ParseUtc(argv[4]);
  filter.captured_to = ParseUtc(argv[5]);
  if (!filter.captured_from || !filter.captured_to)
    return std::cerr << "times must look like 2020-06-20T00:00:00Z\n", 2;
  vitrine::Pager<vitrine::Image> series(
      [&](const vitrine::PageRequest& page) { return (*client)->ListImagesAcrossProjects(filter, page); }, 2);
  int count = 0;
  while (auto image = series.Next()) {
    if (!image->ok()) return std::cerr << image->status().ToString() << "\n", 1;
    std::cout << (**image).filename << "\n";
    ++count;
  }
  std::cout << count << " images\n";
}
