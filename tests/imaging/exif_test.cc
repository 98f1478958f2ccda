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

}  // namespace
}  // namespace vitrine::imaging
