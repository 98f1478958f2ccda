// Sticky Pi's tuboid shots: the lines of a tuboid's metadata.txt, each naming the photo a shot
// comes from and where the insect is in it; with the small pieces of Sticky Pi's naming they use.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vitrine/status.h"
#include "vitrine/types.h"

namespace vitrine::core {

struct TuboidShot {
  std::string device;
  Timestamp captured_at;
  double x = 0, y = 0, scale = 0;  // the insect's centre, and its scale
};

// kInvalidArgument naming the line that is not "<device>.<YYYY-MM-DD_hh-mm-ss>,<x>,<y>,<scale>".
Result<std::vector<TuboidShot>> ParseTuboidShots(std::string_view text);

// 8 lowercase hexadecimal digits.
bool IsStickyPiDevice(std::string_view device);
// "2020-07-08_20-00-00", as Sticky Pi names write times (UTC).
std::optional<Timestamp> StickyPiNameTime(std::string_view text);
// The pieces of `text` between `separator`s (one piece when there is none).
std::vector<std::string_view> SplitOn(std::string_view text, char separator);

}  // namespace vitrine::core
