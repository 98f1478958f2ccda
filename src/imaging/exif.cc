#include "imaging/exif.h"

#include <cctype>
#include <vector>

#include "core/time_format.h"

namespace vitrine::imaging {
namespace {

std::vector<std::string> SplitCsv(std::string_view line) {
  std::vector<std::string> out;
  std::string field;
  for (char c : line) {
    if (c == ',') {
      out.push_back(field);
      field.clear();
    } else if (c != '\r') {
      field.push_back(c);
    }
  }
  out.push_back(field);
  return out;
}

}  // namespace

std::string ExifValue(std::string_view text) {
  auto paren = text.find(" (");
  std::string value(text.substr(0, paren));
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
  return value;
}

std::optional<Timestamp> ParseExifDateTime(std::string_view v) {
  if (v.size() < 19 || v[4] != ':' || v[7] != ':' || v[10] != ' ' || v[13] != ':' || v[16] != ':') return std::nullopt;
  std::string iso(v.substr(0, 19));
  iso[4] = '-';
  iso[7] = '-';
  iso[10] = 'T';
  auto t = core::ParseIso8601(iso + "Z");
  if (!t.ok()) return std::nullopt;
  return *t;
}

std::map<std::string, std::string> ParseStickyPiUserComment(std::string_view comment) {
  static const std::map<std::string, std::string> kNames = {
      {"v", "device_version"}, {"T", "temp"},  {"H", "hum"}, {"B", "bat"}, {"L", "lum"},
      {"lat", "lat"},          {"lng", "lng"}, {"a", "alt"}, {"b", "but"}};
  std::map<std::string, std::string> out;
  auto start = comment.find("v,T,H,B,L,lat,lng,a,l,b");
  if (start == std::string_view::npos) return out;
  comment.remove_prefix(start);
  auto newline = comment.find('\n');
  if (newline == std::string_view::npos) return out;
  std::vector<std::string> header = SplitCsv(comment.substr(0, newline));
  std::string_view rest = comment.substr(newline + 1);
  std::vector<std::string> values = SplitCsv(rest.substr(0, rest.find('\n')));
  if (values.size() != header.size()) return out;
  for (std::size_t i = 0; i < header.size(); ++i) {
    auto name = kNames.find(header[i]);
    if (name != kNames.end() && !values[i].empty()) out[name->second] = values[i];
  }
  return out;
}

}  // namespace vitrine::imaging
