#include "imaging/exif.h"

#include <gtest/gtest.h>

#include "core/time_format.h"

namespace vitrine::imaging {
namespace {

TEST(ExifTest, ValueIsTheTextBeforeLibvipsDescription) {
  EXPECT_EQ(ExifValue("2020:06:20 21:33:24 (2020:06:20 21:33:24, ASCII, 20 components, 20 bytes)"),
            "2020:06:20 21:33:24");
  EXPECT_EQ(ExifValue("plain"), "plain");
}

TEST(ExifTest, DateTimeParsesAsUtcAndRejectsBlanks) {
  auto t = ParseExifDateTime("2020:06:20 21:33:24");
  ASSERT_TRUE(t);
  EXPECT_EQ(core::FormatIso8601(*t), "2020-06-20T21:33:24Z");
  EXPECT_FALSE(ParseExifDateTime("0000:00:00 00:00:00"));
  EXPECT_FALSE(ParseExifDateTime("    :  :     :  :  "));
  EXPECT_FALSE(ParseExifDateTime("2020-06-20 21:33:24"));
  EXPECT_FALSE(ParseExifDateTime("2020:13:20 21:33:24"));
}

TEST(ExifTest, StickyPiUserCommentMapsSensorFields) {
  auto fields = ParseStickyPiUserComment(
      "v,T,H,B,L,lat,lng,a,l,b\n3.1.0,21.9,76.8,72,1.20,49.26142,-123.25088,97.3,2022-05-17_18-40-00,1");
  EXPECT_EQ(fields.at("device_version"), "3.1.0");
  EXPECT_EQ(fields.at("temp"), "21.9");
  EXPECT_EQ(fields.at("hum"), "76.8");
  EXPECT_EQ(fields.at("bat"), "72");
  EXPECT_EQ(fields.at("lat"), "49.26142");
  EXPECT_EQ(fields.at("lng"), "-123.25088");
  EXPECT_EQ(fields.at("alt"), "97.3");
  EXPECT_EQ(fields.at("but"), "1");
  EXPECT_EQ(fields.count("l"), 0u);
  EXPECT_TRUE(ParseStickyPiUserComment("just a comment").empty());
  EXPECT_TRUE(ParseStickyPiUserComment("v,T,H,B,L,lat,lng,a,l,b\n1,2").empty()) << "field count mismatch";
}

TEST(ExifTest, StickyPiLegacyMakeKeepsSensorsAndDropsAZeroGpsFix) {
  // As the 2020 cameras wrote it (the shared trap photo 5c173ff2.2020-06-20_21-33-24.jpg).
  auto fields = ParseStickyPiLegacyMake(
      "{'lng': 0.0, 'lat': 0.0, 'alt': 0.0, 'datetime': '2020-06-20 06:38:36', 'no_flash_exposure_time': (23646, "
      "1000000), 'no_flash_iso': 100, 'temp': 21.899999618530273, 'hum': 76.80000305175781}");
  EXPECT_EQ(fields.at("temp"), "21.899999618530273");
  EXPECT_EQ(fields.at("hum"), "76.80000305175781");
  EXPECT_EQ(fields.count("lat"), 0u) << "0, 0, 0 is no fix, as upstream reads it";
  EXPECT_EQ(fields.size(), 2u);

  auto located = ParseStickyPiLegacyMake("{'lng': -123.25, 'lat': 49.26, 'alt': 0.0, 'temp': 20, 'hum': 55}");
  EXPECT_EQ(located.at("lat"), "49.26");
  EXPECT_EQ(located.at("lng"), "-123.25");
  EXPECT_EQ(located.at("alt"), "0.0");
  EXPECT_EQ(located.at("temp"), "20");

  EXPECT_TRUE(ParseStickyPiLegacyMake("Canon").empty());
  EXPECT_TRUE(ParseStickyPiLegacyMake("{'temp': 'warm', 'hum': 50}").empty());
  EXPECT_TRUE(ParseStickyPiLegacyMake("{'lat': 49.26, 'lng': -123.25, 'alt': 3}").empty())
      << "a dict without Sticky Pi's sensor pair is some other camera's";
}

}  // namespace
}  // namespace vitrine::imaging
