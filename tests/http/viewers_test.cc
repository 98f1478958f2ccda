// IIIF Image API 3.0 parameters and Deep Zoom arithmetic: every form, every invalid form, and
// the edges of the pyramid.
#include <gtest/gtest.h>

#include "http/viewers/deep_zoom.h"
#include "http/viewers/iiif.h"

namespace vitrine::http {
namespace {

PixelRect Region(std::string_view text, std::int64_t w = 1000, std::int64_t h = 600) {
  auto r = iiif::ParseRegion(text, w, h);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  return r.ok() ? *r : PixelRect{};
}

std::pair<int, int> Size(std::string_view text, std::int64_t w = 400, std::int64_t h = 300) {
  auto s = iiif::ParseSize(text, w, h);
  EXPECT_TRUE(s.ok()) << text << ": " << s.status().ToString();
  return s.ok() ? *s : std::pair{0, 0};
}

TEST(IiifTest, EveryRegionForm) {
  EXPECT_EQ(Region("full"), (PixelRect{0, 0, 1000, 600}));
  EXPECT_EQ(Region("square"), (PixelRect{200, 0, 600, 600}));
  EXPECT_EQ(Region("square", 300, 500), (PixelRect{0, 100, 300, 300}));
  EXPECT_EQ(Region("10,20,30,40"), (PixelRect{10, 20, 30, 40}));
  EXPECT_EQ(Region("900,500,500,500"), (PixelRect{900, 500, 100, 100}));  // cropped at the edges
  EXPECT_EQ(Region("pct:10,50,25.5,50"), (PixelRect{100, 300, 255, 300}));
  EXPECT_EQ(Region("pct:0,0,100,100"), (PixelRect{0, 0, 1000, 600}));
  for (const char* bad : {"", "all", "1,2,3", "1,2,3,4,5", "-1,0,10,10", "0,0,0,10", "0,0,10,0", "1000,0,10,10",
                          "0,600,10,10", "a,b,c,d", "1.5,0,10,10", "pct:", "pct:0,0,0,10", "pct:100,0,10,10",
                          "pct:-1,0,10,10", "pct:1e1,0,10,10", "pct:.5,0,10,10", "pct:5.,0,10,10", "FULL"}) {
    auto r = iiif::ParseRegion(bad, 1000, 600);
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(IiifTest, EverySizeForm) {
  EXPECT_EQ(Size("max"), (std::pair{400, 300}));
  EXPECT_EQ(Size("^max"), (std::pair{10000, 7500}));
  EXPECT_EQ(Size("200,"), (std::pair{200, 150}));
  EXPECT_EQ(Size(",150"), (std::pair{200, 150}));
  EXPECT_EQ(Size("pct:50"), (std::pair{200, 150}));
  EXPECT_EQ(Size("pct:12.5"), (std::pair{50, 38}));
  EXPECT_EQ(Size("100,100"), (std::pair{100, 100}));  // may distort
  EXPECT_EQ(Size("!100,100"), (std::pair{100, 75}));
  EXPECT_EQ(Size("!1000,1000"), (std::pair{400, 300}));  // never above the region without ^
  EXPECT_EQ(Size("^!800,1000"), (std::pair{800, 600}));
  EXPECT_EQ(Size("^800,"), (std::pair{800, 600}));
  EXPECT_EQ(Size("^,600"), (std::pair{800, 600}));
  EXPECT_EQ(Size("^pct:200"), (std::pair{800, 600}));
  EXPECT_EQ(Size("^500,500"), (std::pair{500, 500}));
  EXPECT_EQ(Size("max", 20000, 100), (std::pair{10000, 50}));  // the server's limit
  for (const char* bad : {"",  "full",  "401,",  ",301", "401,10", "pct:101", "pct:0",  "pct:-5",  "0,",   ",0",
                          ",", "!100,", "!,100", "a,b",  "10.5,",  "^",       "^pct:0", "^20001,", "max,", "1,1,1"}) {
    auto s = iiif::ParseSize(bad, 400, 300);
    EXPECT_EQ(s.status().code(), ErrorCode::kInvalidArgument) << bad;
  }
  // A size that rounds to nothing.
  EXPECT_EQ(iiif::ParseSize("1,", 400, 1).status().code(), ErrorCode::kInvalidArgument);
}

TEST(IiifTest, RotationQualityAndFormat) {
  EXPECT_EQ(*iiif::ParseRotation("0"), (std::pair{0, false}));
  EXPECT_EQ(*iiif::ParseRotation("90"), (std::pair{90, false}));
  EXPECT_EQ(*iiif::ParseRotation("!180"), (std::pair{180, true}));
  EXPECT_EQ(*iiif::ParseRotation("270.0"), (std::pair{270, false}));
  EXPECT_EQ(*iiif::ParseRotation("360"), (std::pair{0, false}));
  EXPECT_EQ(iiif::ParseRotation("45").status().code(), ErrorCode::kUnsupported);
  EXPECT_EQ(iiif::ParseRotation("!22.5").status().code(), ErrorCode::kUnsupported);
  for (const char* bad : {"", "-90", "361", "!", "90deg", "1e2"}) {
    EXPECT_EQ(iiif::ParseRotation(bad).status().code(), ErrorCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(*iiif::ParseQualityFormat("default.jpg"), (std::pair{ViewQuality::kColor, EncodedFormat::kJpeg}));
  EXPECT_EQ(*iiif::ParseQualityFormat("color.png"), (std::pair{ViewQuality::kColor, EncodedFormat::kPng}));
  EXPECT_EQ(*iiif::ParseQualityFormat("gray.webp"), (std::pair{ViewQuality::kGray, EncodedFormat::kWebp}));
  EXPECT_EQ(*iiif::ParseQualityFormat("bitonal.jpg"), (std::pair{ViewQuality::kBitonal, EncodedFormat::kJpeg}));
  EXPECT_EQ(*iiif::ParseQualityFormat("default.tif"), (std::pair{ViewQuality::kColor, EncodedFormat::kTiff}));
  for (const char* unsupported : {"default.gif", "default.jp2", "default.pdf"}) {
    EXPECT_EQ(iiif::ParseQualityFormat(unsupported).status().code(), ErrorCode::kUnsupported) << unsupported;
  }
  for (const char* bad : {"default", "grey.jpg", "default.bmp", "default.jpeg", ".jpg", "default."}) {
    EXPECT_EQ(iiif::ParseQualityFormat(bad).status().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(IiifTest, ImageRequestAppliesRegionThenSize) {
  auto view = iiif::ParseImageRequest("pct:50,50,50,50", "!100,100", "!90", "gray.png", 800, 400);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->region, (PixelRect{400, 200, 400, 200}));
  EXPECT_EQ(view->width, 100);
  EXPECT_EQ(view->height, 50);
  EXPECT_EQ(view->rotation, 90);
  EXPECT_TRUE(view->mirror);
  EXPECT_EQ(view->quality, ViewQuality::kGray);
}

TEST(IiifTest, InfoJsonDescribesTilesAndSizes) {
  wire::Json info = iiif::InfoJson("http://h/iiif/3/7", 40000, 30000, 512);
  EXPECT_EQ(info["@context"], "http://iiif.io/api/image/3/context.json");
  EXPECT_EQ(info["type"], "ImageService3");
  EXPECT_EQ(info["profile"], "level2");
  EXPECT_EQ(info["width"], 40000);
  EXPECT_EQ(info["tiles"][0]["width"], 512);
  // Down to one tile: 40000 / 128 = 313 <= 512.
  EXPECT_EQ(info["tiles"][0]["scaleFactors"], wire::Json::array({1, 2, 4, 8, 16, 32, 64, 128}));
  // Sizes within the limits only, smallest first.
  EXPECT_EQ(info["sizes"].front(), (wire::Json{{"width", 313}, {"height", 235}}));
  EXPECT_EQ(info["sizes"].back(), (wire::Json{{"width", 10000}, {"height", 7500}}));
  // A pyramid of 256-px tiles: one more halving to reach one tile (157 x 118).
  wire::Json stored = iiif::InfoJson("http://h/iiif/3/7", 40000, 30000, 256);
  EXPECT_EQ(stored["tiles"][0]["width"], 256);
  EXPECT_EQ(stored["tiles"][0]["height"], 256);
  EXPECT_EQ(stored["tiles"][0]["scaleFactors"].back(), 256);
}

TEST(DeepZoomTest, LevelsAndEdgeTiles) {
  EXPECT_EQ(deep_zoom::MaxLevel(1, 1), 0);
  EXPECT_EQ(deep_zoom::MaxLevel(2, 1), 1);
  EXPECT_EQ(deep_zoom::MaxLevel(1024, 700), 10);
  EXPECT_EQ(deep_zoom::MaxLevel(1025, 700), 11);
  EXPECT_EQ(deep_zoom::MaxLevel(40000, 40000), 16);

  // 1200 x 700: level 11 is the full image; 5 x 3 tiles of 254 + overlap.
  auto first = deep_zoom::Tile(1200, 700, 11, 0, 0, EncodedFormat::kJpeg, deep_zoom::kClassicGeometry);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->region, (PixelRect{0, 0, 255, 255}));
  EXPECT_EQ(first->width, 255);
  auto inner = deep_zoom::Tile(1200, 700, 11, 1, 1, EncodedFormat::kJpeg, deep_zoom::kClassicGeometry);
  EXPECT_EQ(inner->region, (PixelRect{253, 253, 256, 256}));
  auto last = deep_zoom::Tile(1200, 700, 11, 4, 2, EncodedFormat::kJpeg,
                              deep_zoom::kClassicGeometry);  // partial column and row
  EXPECT_EQ(last->region, (PixelRect{1015, 507, 185, 193}));
  EXPECT_EQ(last->width, 185);
  EXPECT_EQ(last->height, 193);
  EXPECT_EQ(deep_zoom::Tile(1200, 700, 11, 5, 0, EncodedFormat::kJpeg, deep_zoom::kClassicGeometry).status().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(deep_zoom::Tile(1200, 700, 11, 0, 3, EncodedFormat::kJpeg, deep_zoom::kClassicGeometry).status().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(deep_zoom::Tile(1200, 700, 12, 0, 0, EncodedFormat::kJpeg, deep_zoom::kClassicGeometry).status().code(),
            ErrorCode::kNotFound);
  // Level 10 halves it (600 x 350, sizes rounded up): the last column is 600 - 507 = 93 wide and
  // covers full-resolution pixels 1014..1199.
  auto half = deep_zoom::Tile(1201, 700, 10, 2, 1, EncodedFormat::kPng, deep_zoom::kClassicGeometry);
  ASSERT_TRUE(half.ok());
  EXPECT_EQ(half->width, 601 - 507);
  EXPECT_EQ(half->height, 350 - 253);
  EXPECT_EQ(half->region, (PixelRect{1014, 506, 1201 - 1014, 700 - 506}));
  // Level 0 is one pixel showing the whole image.
  auto top = deep_zoom::Tile(1200, 700, 0, 0, 0, EncodedFormat::kJpeg, deep_zoom::kClassicGeometry);
  EXPECT_EQ(top->region, (PixelRect{0, 0, 1200, 700}));
  EXPECT_EQ(top->width, 1);
  EXPECT_EQ(top->height, 1);
  EXPECT_NE(deep_zoom::Descriptor(1200, 700, EncodedFormat::kJpeg, deep_zoom::kClassicGeometry)
                .find(R"(TileSize="254" Overlap="1" Format="jpg"><Size Width="1200" Height="700"/>)"),
            std::string::npos);
}

TEST(DeepZoomTest, TilesOfAStoredPyramidAreItsOwn) {
  const deep_zoom::Geometry stored{256, 0};
  EXPECT_NE(deep_zoom::Descriptor(40000, 30000, EncodedFormat::kJpeg, stored)
                .find(R"(TileSize="256" Overlap="0" Format="jpg"><Size Width="40000" Height="30000"/>)"),
            std::string::npos);
  // Full resolution (level 16): tile (3, 2) is pixels 768..1023 x 512..767, nothing more.
  auto inner = deep_zoom::Tile(40000, 30000, 16, 3, 2, EncodedFormat::kJpeg, stored);
  ASSERT_TRUE(inner.ok());
  EXPECT_EQ(inner->region, (PixelRect{768, 512, 256, 256}));
  EXPECT_EQ(inner->width, 256);
  // The last column: 40000 = 156 x 256 + 64.
  auto edge = deep_zoom::Tile(40000, 30000, 16, 156, 0, EncodedFormat::kJpeg, stored);
  ASSERT_TRUE(edge.ok());
  EXPECT_EQ(edge->region, (PixelRect{39936, 0, 64, 256}));
  EXPECT_EQ(edge->width, 64);
  EXPECT_EQ(deep_zoom::Tile(40000, 30000, 16, 157, 0, EncodedFormat::kJpeg, stored).status().code(),
            ErrorCode::kNotFound);
  // Level 14 (a quarter, 10000 x 7500): tile (1, 1) is 256 x 256 of it, 1024 px a side in the full image.
  auto quarter = deep_zoom::Tile(40000, 30000, 14, 1, 1, EncodedFormat::kJpeg, stored);
  ASSERT_TRUE(quarter.ok());
  EXPECT_EQ(quarter->region, (PixelRect{1024, 1024, 1024, 1024}));
  EXPECT_EQ(quarter->width, 256);
  // 7500 = 29 x 256 + 76: the last row at level 14 is 76 px, the full image's last 300 rows.
  auto bottom = deep_zoom::Tile(40000, 30000, 14, 0, 29, EncodedFormat::kJpeg, stored);
  ASSERT_TRUE(bottom.ok());
  EXPECT_EQ(bottom->height, 76);
  EXPECT_EQ(bottom->region, (PixelRect{0, 29696, 1024, 304}));
}

}  // namespace
}  // namespace vitrine::http
