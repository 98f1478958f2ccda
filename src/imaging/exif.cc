#include "imaging/exif.h"

#include <cctype>
#include <cstdlib>
#include <optional>
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

namespace {

// The number after "'key': " in a dict literal, as written; nullopt when the key is absent or
// its value is not a plain number.
std::optional<std::string> DictNumber(std::string_view dict, std::string_view key) {
  const std::string quoted = "'" + std::string(key) + "':";
  auto at = dict.find(quoted);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = dict.substr(at + quoted.size());
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  std::size_t n = 0;
  while (n < rest.size() && (std::isdigit(static_cast<unsigned char>(rest[n])) || rest[n] == '.' || rest[n] == '-' ||
                             rest[n] == 'e' || rest[n] == 'E' || rest[n] == '+')) {
    ++n;
  }
  if (n == 0 || (n < rest.size() && rest[n] != ',' && rest[n] != '}' && rest[n] != ' ')) return std::nullopt;
  return std::string(rest.substr(0, n));
}

}  // namespace

std::map<std::string, std::string> ParseStickyPiLegacyMake(std::string_view make) {
  std::map<std::string, std::string> out;
  auto open = make.find('{');
  if (open == std::string_view::npos || make.find('}', open) == std::string_view::npos) return out;
  std::string_view dict = make.substr(open, make.find('}', open) - open + 1);
  // Other cameras write text to Make too: only a dict with Sticky Pi's sensor pair is one of ours.
  auto temp = DictNumber(dict, "temp");
  auto hum = DictNumber(dict, "hum");
  if (!temp || !hum) return out;
  out["temp"] = *temp;
  out["hum"] = *hum;
  std::map<std::string, std::string> gps;
  bool all_zero = true;
  for (const char* key : {"lat", "lng", "alt"}) {
    auto v = DictNumber(dict, key);
    if (!v) continue;
    gps[key] = *v;
    if (std::strtod(v->c_str(), nullptr) != 0.0) all_zero = false;
  }
  if (!all_zero) out.insert(gps.begin(), gps.end());
  return out;
}

}  // namespace vitrine::imaging
