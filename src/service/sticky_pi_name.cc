#include "service/sticky_pi_name.h"

#include <cctype>
#include <vector>

#include "core/ascii.h"
#include "core/time_format.h"

namespace vitrine::service {
namespace {

bool DateShaped(std::string_view s) {
  // YYYY-MM-DD_HH-MM-SS
  if (s.size() != 19) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool want_digit = !(i == 4 || i == 7 || i == 10 || i == 13 || i == 16);
    if (want_digit != (std::isdigit(static_cast<unsigned char>(c)) != 0)) return false;
  }
  return s[4] == '-' && s[7] == '-' && s[10] == '_' && s[13] == '-' && s[16] == '-';
}

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::optional<Result<StickyPiName>> ParseStickyPiName(std::string_view filename) {
  std::vector<std::string_view> fields;
  for (std::size_t start = 0;;) {
    auto dot = filename.find('.', start);
    fields.push_back(filename.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (fields.size() != 3) return std::nullopt;
  std::string_view device = fields[0], when = fields[1];
  bool claims = DateShaped(when) || (device.size() == 8 && IsHex(device));
  if (!claims) return std::nullopt;
  std::string name(filename);
  if (device.size() != 8 || !IsHex(device)) {
    return Result<StickyPiName>(Status::InvalidArgument("'" + name + "' looks like a Sticky Pi name but '" +
                                                        std::string(device) + "' is not an 8-hex-digit device id"));
  }
  if (!DateShaped(when)) {
    return Result<StickyPiName>(Status::InvalidArgument("'" + name + "' looks like a Sticky Pi name but '" +
                                                        std::string(when) + "' is not YYYY-MM-DD_HH-MM-SS"));
  }
  std::string iso(when);
  iso[10] = 'T';
  iso[13] = ':';
  iso[16] = ':';
  auto t = core::ParseIso8601(iso + "Z");
  if (!t.ok()) {
    return Result<StickyPiName>(
        Status::InvalidArgument("'" + name + "' has an impossible capture time '" + std::string(when) + "'"));
  }
  return Result<StickyPiName>(StickyPiName{core::Lowercase(device), *t});
}

}  // namespace vitrine::service
