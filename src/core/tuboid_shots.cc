#include "core/tuboid_shots.h"

#include <charconv>
#include <cmath>

#include "core/time_format.h"

namespace vitrine::core {
namespace {

std::optional<double> Number(std::string_view text) {
  double v = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

bool IsStickyPiDevice(std::string_view device) {
  if (device.size() != 8) return false;
  for (char c : device) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::optional<Timestamp> StickyPiNameTime(std::string_view text) {
  if (text.size() != 19 || text[10] != '_' || text[13] != '-' || text[16] != '-') return std::nullopt;
  std::string iso(text);
  iso[10] = 'T';
  iso[13] = ':';
  iso[16] = ':';
  auto t = core::ParseIso8601(iso + "Z");
  return t.ok() ? std::optional(*t) : std::nullopt;
}

std::vector<std::string_view> SplitOn(std::string_view text, char separator) {
  std::vector<std::string_view> out;
  for (std::size_t start = 0;;) {
    const std::size_t at = text.find(separator, start);
    out.push_back(text.substr(start, at == std::string_view::npos ? text.npos : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

Result<std::vector<TuboidShot>> ParseTuboidShots(std::string_view text) {
  std::vector<TuboidShot> shots;
  std::size_t number = 0;
  for (std::string_view line : SplitOn(text, '\n')) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    const auto fields = SplitOn(line, ',');
    const auto name = SplitOn(fields[0], '.');
    TuboidShot shot;
    std::optional<Timestamp> when;
    std::optional<double> x, y, scale;
    if (fields.size() == 4 && name.size() == 2 && IsStickyPiDevice(name[0])) {
      when = StickyPiNameTime(name[1]);
      x = Number(fields[1]);
      y = Number(fields[2]);
      scale = Number(fields[3]);
    }
    if (!when || !x || !y || !scale) {
      return Status::InvalidArgument("shots line " + std::to_string(number) +
                                     " is not <device>.<YYYY-MM-DD_hh-mm-ss>,<x>,<y>,<scale>");
    }
    shots.push_back({std::string(name[0]), *when, *x, *y, *scale});
  }
  return shots;
}

}  // namespace vitrine::core
