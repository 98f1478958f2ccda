// Pure parsing of the EXIF values libvips exposes as text ("exif-ifd2-DateTimeOriginal" is
// "2020:06:20 21:33:24 (2020:06:20 21:33:24, ASCII, 20 components, 20 bytes)").
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "vitrine/types.h"

namespace vitrine::imaging {

// The value part of a libvips EXIF string: what precedes " (".
std::string ExifValue(std::string_view vips_text);

// "YYYY:MM:DD HH:MM:SS" → UTC timestamp; nullopt for blank or malformed dates.
std::optional<Timestamp> ParseExifDateTime(std::string_view value);

// Sticky Pi's 2022 firmware writes two CSV lines into UserComment, a header
// "v,T,H,B,L,lat,lng,a,l,b" and the values (reference/stickypi.md §3). Returns the named
// sensor values (device_version, temp, hum, bat, lum, lat, lng, alt, but); empty otherwise.
std::map<std::string, std::string> ParseStickyPiUserComment(std::string_view comment);

// The 2020 cameras wrote a Python dict literal into Make instead: "{'lng': 0.0, 'lat': 0.0,
// 'alt': 0.0, 'temp': 21.899999618530273, 'hum': 76.80000305175781, ...}". Returns temp, hum and,
// unless all three are zero (no GPS fix), lat, lng and alt; empty when Make is not such a dict
// (one with both temp and hum).
std::map<std::string, std::string> ParseStickyPiLegacyMake(std::string_view make);

}  // namespace vitrine::imaging
