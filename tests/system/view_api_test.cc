// Views over real HTTP, pixel for pixel against libvips run in the test: regions, IIIF image
// requests (region, size, mirroring, rotation, grey), Deep Zoom tiles, a pyramidal TIFF read
// at its level, conditional requests, and permissions on every view route.
#include <gtest/gtest.h>
#include <vips/vips.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <thread>

#include "support/http_client.h"
#include "support/sample_images.h"
#include "support/test_server.h"
#include "wire/json.h"

namespace vitrine::testing {
namespace {

using wire::Json;

struct Unref {
  void operator()(VipsImage* image) const { g_object_unref(image); }
};
using Img = std::unique_ptr<VipsImage, Unref>;

// Width, height, bands and the raw pixels.
struct Pixels {
  int width = 0, height = 0, bands = 0;
  std::string bytes;
  bool operator==(const Pixels&) const = default;
};

Pixels PixelsOf(VipsImage* image) {
  Pixels p{vips_image_get_width(image), vips_image_get_height(image), vips_image_get_bands(image), ""};
  size_t size = 0;
  void* memory = vips_image_write_to_memory(image, &size);
  if (memory) p.bytes.assign(static_cast<const char*>(memory), size);
  g_free(memory);
  return p;
}

Pixels Decode(const std::string& encoded) {
  Img image(vips_image_new_from_buffer(encoded.data(), encoded.size(), "", nullptr));
  if (!image) return {};
  return PixelsOf(image.get());
}

// The reference: libvips applied by hand, in the order IIIF prescribes.
Img Crop(const Img& in, int x, int y, int w, int h) {
  VipsImage* out = nullptr;
  EXPECT_EQ(vips_extract_area(in.get(), &out, x, y, w, h, nullptr), 0);
  return Img(out);
}
Img Resize(const Img& in, int w, int h) {
  VipsImage* out = nullptr;
  EXPECT_EQ(vips_resize(in.get(), &out, double(w) / vips_image_get_width(in.get()), "vscale",
                        double(h) / vips_image_get_height(in.get()), nullptr),
            0);
  return Img(out);
}

class ViewApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    token_ = server_.CreateUserWithToken("alice");
    eve_ = server_.CreateUserWithToken("eve");
    HttpResult p = Get("POST", "/api/v1/projects", Json{{"name", "Slides"}}.dump());
    project_ = Json::parse(p.body)["id"].get<std::int64_t>();
    source_ = files_.path() / "slide.png";
    WriteSampleImage(source_, {.width = 320, .height = 240});
    image_ = Upload(source_, "slide.png");
  }

  HttpResult Get(const std::string& method, const std::string& path, const std::string& body = "",
                 std::vector<std::string> headers = {}) {
    headers.push_back("Authorization: Bearer " + token_);
    return HttpCall(method, server_.url(path), headers, body);
  }
  HttpResult Get(const std::string& path) { return Get("GET", path); }

  std::int64_t Upload(const std::filesystem::path& file, const std::string& name) {
    HttpResult r =
        Get("POST", "/api/v1/projects/" + std::to_string(project_) + "/images?filename=" + name, ReadFileBytes(file));
    EXPECT_EQ(r.status, 201) << r.body;
    return Json::parse(r.body)["id"].get<std::int64_t>();
  }

  Img Source() const { return Img(vips_image_new_from_file(source_.c_str(), nullptr)); }
  std::string Image() const { return std::to_string(image_); }

  TestServer server_;
  TempDir files_;
  std::string token_, eve_;
  std::int64_t project_ = 0, image_ = 0;
  std::filesystem::path source_;
};

TEST_F(ViewApiTest, RegionsArePixelExactCropsThenResizes) {
  HttpResult r = Get("/api/v1/images/" + Image() + "/region?x=30&y=40&w=200&h=100&width=100&height=50&format=png");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type"), "image/png");
  Img expected = Resize(Crop(Source(), 30, 40, 200, 100), 100, 50);
  EXPECT_EQ(Decode(r.body), PixelsOf(expected.get()));

  // Unscaled, and with max_size (longest side, never upscaled).
  HttpResult same = Get("/api/v1/images/" + Image() + "/region?x=5&y=6&w=7&h=8&format=png");
  EXPECT_EQ(Decode(same.body), PixelsOf(Crop(Source(), 5, 6, 7, 8).get()));
  HttpResult fit = Get("/api/v1/images/" + Image() + "/region?max_size=160&format=png");
  EXPECT_EQ(Decode(fit.body), PixelsOf(Resize(Source(), 160, 120).get()));
  EXPECT_EQ(DecodedSize(Get("/api/v1/images/" + Image() + "/region?max_size=4000&format=png").body),
            (std::pair{320, 240}));

  for (const char* bad :
       {"x=-1", "x=300&w=100", "w=0", "h=241", "max_size=0", "scale=2", "scale=abc", "max_size=10&scale=0.5",
        "format=bmp", "quality=0", "rotation=45", "mode=sepia", "width=20000"}) {
    HttpResult refused = Get("/api/v1/images/" + Image() + "/region?" + bad);
    EXPECT_EQ(refused.status, 400) << bad << ": " << refused.body;
    EXPECT_TRUE(Json::accept(refused.body)) << refused.body;
  }
}

TEST_F(ViewApiTest, AttackOverflowTheRegionArithmetic) {
  for (const char* bad :
       {"x=9223372036854775807&w=1", "y=9223372036854775807&h=1", "x=-9223372036854775808", "y=-9223372036854775808",
        "w=9223372036854775807", "x=10&w=9223372036854775807", "width=4294967396", "height=4294967396",
        "max_size=4294967396", "plane=4294967296", "channel=-4294967296", "x=99999999999999999999"}) {
    HttpResult refused = Get("/api/v1/images/" + Image() + "/region?" + bad);
    EXPECT_EQ(refused.status, 400) << bad << ": " << refused.body;
    EXPECT_TRUE(Json::accept(refused.body)) << refused.body;
  }
  EXPECT_EQ(Get("/api/v1/images/" + Image() + "/thumbnail?max_size=4294967552").status, 400) << "not wrapped to 256";
  WriteSampleImage(files_.path() / "deep.tif", {.width = 64, .height = 48, .sixteen_bit = true});
  const std::string deep = std::to_string(Upload(files_.path() / "deep.tif", "deep.tif"));
  EXPECT_EQ(Get("/api/v1/images/" + deep + "/region?format=tif&width=10000&height=10000").status, 400)
      << "a view is bounded in memory, not only in side: 16-bit RGB at 10,000² is 572 MiB";
}

TEST_F(ViewApiTest, AttackPoisonIiifIdsWithForgedHostAndScheme) {
  const std::string base = "/iiif/3/" + Image();
  auto id_of = [&](std::vector<std::string> headers) {
    return Json::parse(Get("GET", base + "/info.json", "", std::move(headers)).body)["id"].get<std::string>();
  };
  EXPECT_EQ(id_of({}), "http://127.0.0.1:" + std::to_string(server_.port()) + base);
  EXPECT_EQ(id_of({"X-Forwarded-Proto: https", "X-Forwarded-Host: evil.example"}),
            "http://127.0.0.1:" + std::to_string(server_.port()) + base)
      << "forwarded headers count only from a trusted proxy";
  EXPECT_EQ(id_of({"Host: evil.example/<script>"}), "http://localhost" + base) << "no markup echoed";
}

TEST_F(ViewApiTest, IiifRequestsMatchLibvips) {
  const std::string base = "/iiif/3/" + Image();
  HttpResult full = Get(base + "/full/max/0/default.png");
  ASSERT_EQ(full.status, 200) << full.body;
  EXPECT_EQ(full.header("access-control-allow-origin"), "*");
  EXPECT_EQ(Decode(full.body), PixelsOf(Source().get()));

  // Region, size, mirror, rotation, in that order.
  HttpResult turned = Get(base + "/pct:25,25,50,50/!80,80/!90/default.png");
  ASSERT_EQ(turned.status, 200) << turned.body;
  Img step = Resize(Crop(Source(), 80, 60, 160, 120), 80, 60);
  VipsImage* flipped = nullptr;
  ASSERT_EQ(vips_flip(step.get(), &flipped, VIPS_DIRECTION_HORIZONTAL, nullptr), 0);
  Img mirrored(flipped);
  VipsImage* rotated = nullptr;
  ASSERT_EQ(vips_rot(mirrored.get(), &rotated, VIPS_ANGLE_D90, nullptr), 0);
  Img expected(rotated);
  EXPECT_EQ(Decode(turned.body), PixelsOf(expected.get()));

  HttpResult gray = Get(base + "/square/60,/0/gray.png");
  ASSERT_EQ(gray.status, 200) << gray.body;
  VipsImage* grey = nullptr;
  Img square = Resize(Crop(Source(), 40, 0, 240, 240), 60, 60);
  ASSERT_EQ(vips_colourspace(square.get(), &grey, VIPS_INTERPRETATION_B_W, nullptr), 0);
  Img expected_grey(grey);
  EXPECT_EQ(Decode(gray.body), PixelsOf(expected_grey.get()));

  Pixels bitonal = Decode(Get(base + "/full/max/0/bitonal.png").body);
  EXPECT_EQ(bitonal.bands, 1);
  EXPECT_EQ(bitonal.bytes.size(), 320u * 240u);
  for (char c : bitonal.bytes) EXPECT_TRUE(c == 0 || static_cast<unsigned char>(c) == 255);

  EXPECT_EQ(DecodedSize(Get(base + "/full/^640,/0/default.jpg").body), (std::pair{640, 480}));
  EXPECT_EQ(Get(base + "/full/640,/0/default.jpg").status, 400);
  EXPECT_EQ(Get(base + "/0,0,0,10/max/0/default.jpg").status, 400);
  EXPECT_EQ(Get(base + "/full/max/45/default.jpg").status, 501);
  EXPECT_EQ(Get(base + "/full/max/0/default.gif").status, 501);
  HttpResult tif = Get(base + "/10,20,30,40/max/0/default.tif");
  ASSERT_EQ(tif.status, 200) << tif.body;
  EXPECT_EQ(tif.header("content-type"), "image/tiff");
  EXPECT_EQ(Decode(tif.body), PixelsOf(Crop(Source(), 10, 20, 30, 40).get()));
  EXPECT_EQ(Get(base + "/full/max/0/sepia.jpg").status, 400);

  HttpResult info = Get(base + "/info.json");
  ASSERT_EQ(info.status, 200);
  Json doc = Json::parse(info.body);
  EXPECT_EQ(doc["width"], 320);
  EXPECT_EQ(doc["height"], 240);
  EXPECT_EQ(doc["id"].get<std::string>().substr(doc["id"].get<std::string>().size() - base.size()), base);
  HttpResult ld = Get("GET", base + "/info.json", "", {"Accept: application/ld+json"});
  EXPECT_NE(ld.header("content-type").find("application/ld+json"), std::string::npos);
  HttpResult redirect = Get(base);
  EXPECT_EQ(redirect.status, 303);
  EXPECT_NE(redirect.header("location").find(base + "/info.json"), std::string::npos);
}

TEST_F(ViewApiTest, DeepZoomTilesAreTheRegionsTheyCover) {
  HttpResult dzi = Get("/api/v1/images/" + Image() + ".dzi");
  ASSERT_EQ(dzi.status, 200) << dzi.body;
  EXPECT_NE(dzi.body.find(R"(<Size Width="320" Height="240"/>)"), std::string::npos) << dzi.body;
  EXPECT_NE(dzi.body.find(R"(TileSize="256" Overlap="0")"), std::string::npos) << dzi.body;
  // Level 9 is the full 320 x 240 image: tile (1, 0) is x 256..319.
  HttpResult tile = Get("/api/v1/images/" + Image() + "_files/9/1_0.png");
  ASSERT_EQ(tile.status, 200) << tile.body;
  EXPECT_EQ(Decode(tile.body), PixelsOf(Crop(Source(), 256, 0, 64, 240).get()));
  // The classic form, 254 px and 1 px of overlap, when asked: x 253..319 with its left overlap.
  HttpResult classic_dzi = Get("/api/v1/images/" + Image() + ".dzi?overlap=1");
  EXPECT_NE(classic_dzi.body.find(R"(TileSize="254" Overlap="1")"), std::string::npos) << classic_dzi.body;
  HttpResult classic = Get("/api/v1/images/" + Image() + "_files/9/1_0.png?overlap=1");
  ASSERT_EQ(classic.status, 200) << classic.body;
  EXPECT_EQ(Decode(classic.body), PixelsOf(Crop(Source(), 253, 0, 67, 240).get()));
  HttpResult bad = Get("/api/v1/images/" + Image() + "_files/9/1_0.png?overlap=2");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("overlap"), std::string::npos) << bad.body;
  // Level 8 halves it: one 160 x 120 tile.
  HttpResult half = Get("/api/v1/images/" + Image() + "_files/8/0_0.png");
  EXPECT_EQ(Decode(half.body), PixelsOf(Resize(Source(), 160, 120).get()));
  EXPECT_EQ(Get("/api/v1/images/" + Image() + "_files/9/2_0.jpg").status, 404);
  EXPECT_EQ(Get("/api/v1/images/" + Image() + "_files/10/0_0.jpg").status, 404);
  EXPECT_EQ(Get("/api/v1/images/" + Image() + "_files/9/0_0.gif").status, 400);
  EXPECT_EQ(Get("/api/v1/images/" + Image() + "_files/x/0_0.jpg").status, 400);
  // The image's own metadata route is still itself.
  EXPECT_EQ(Json::parse(Get("/api/v1/images/" + Image()).body)["width"], 320);
}

TEST_F(ViewApiTest, PyramidalTiffIsReadAtItsLevel) {
  auto tiff = files_.path() / "pyramid.tif";
  WriteSampleImage(tiff,
                   {.width = 1024, .height = 768, .tiff_options = "[tile,pyramid,tile-width=128,tile-height=128]"});
  const std::string id = std::to_string(Upload(tiff, "pyramid.tif"));
  // A quarter-size view is page 2 of the pyramid as it is, not the full image resized.
  HttpResult quarter = Get("/api/v1/images/" + id + "/region?width=256&height=192&format=png");
  ASSERT_EQ(quarter.status, 200) << quarter.body;
  Img page(vips_image_new_from_file(tiff.c_str(), "page", 2, nullptr));
  ASSERT_TRUE(page);
  ASSERT_EQ(vips_image_get_width(page.get()), 256);
  EXPECT_EQ(Decode(quarter.body), PixelsOf(page.get()));
  // A region of page 1, cut in that level's pixels.
  HttpResult part = Get("/api/v1/images/" + id + "/region?x=200&y=100&w=400&h=200&width=200&height=100&format=png");
  Img page1(vips_image_new_from_file(tiff.c_str(), "page", 1, nullptr));
  EXPECT_EQ(Decode(part.body), PixelsOf(Crop(page1, 100, 50, 200, 100).get()));
}

TEST_F(ViewApiTest, ThreeLevelOpenSlideFileIsReadAtItsLevels) {
  // An Aperio SVS as OpenSlide knows it: a tiled pyramidal TIFF whose description says Aperio.
  Img source = Source();
  VipsImage* copy = nullptr;
  ASSERT_EQ(vips_resize(source.get(), &copy, 3.2, nullptr), 0);  // 1024 x 768
  Img slide(copy);
  ASSERT_EQ(vips_copy(slide.get(), &copy, nullptr), 0);
  slide.reset(copy);
  vips_image_set_string(
      slide.get(), "image-description",
      "Aperio Image Library v10.0.51\r\n1024x768 [0,0 1024x768] (256x256) JPEG/RGB Q=90|AppMag = 20|MPP = 0.5");
  const auto svs = files_.path() / "slide.svs";
  ASSERT_EQ(vips_tiffsave(slide.get(), svs.c_str(), "tile", TRUE, "pyramid", TRUE, "compression",
                          VIPS_FOREIGN_TIFF_COMPRESSION_JPEG, "tile_width", 256, "tile_height", 256, nullptr),
            0);
  const std::string id = std::to_string(Upload(svs, "slide.svs"));
  Json meta = Json::parse(Get("/api/v1/images/" + id).body);
  EXPECT_EQ(meta["format"], "openslide") << meta.dump();
  EXPECT_EQ(meta["levels"], 3);
  EXPECT_EQ(meta["pixel_size_x_um"], 0.5);
  EXPECT_EQ(meta["pyramid"]["status"], "native");

  auto level = [&](int n) { return Img(vips_image_new_from_file(svs.c_str(), "level", n, nullptr)); };
  // A quarter-size view is level 2 as OpenSlide gives it; a region of level 1 is cut from it.
  HttpResult quarter = Get("/api/v1/images/" + id + "/region?width=256&height=192&format=png");
  ASSERT_EQ(quarter.status, 200) << quarter.body;
  EXPECT_EQ(Decode(quarter.body), PixelsOf(level(2).get()));
  HttpResult part = Get("/api/v1/images/" + id + "/region?x=200&y=100&w=400&h=200&width=200&height=100&format=png");
  ASSERT_EQ(part.status, 200) << part.body;
  EXPECT_EQ(Decode(part.body), PixelsOf(Crop(level(1), 100, 50, 200, 100).get()));
  // Deep Zoom level 9 of 1024 px is half size: level 1, its first tile of the slide's own 256 px.
  HttpResult tile = Get("/api/v1/images/" + id + "_files/9/0_0.png");
  ASSERT_EQ(tile.status, 200) << tile.body;
  EXPECT_EQ(Decode(tile.body), PixelsOf(Crop(level(1), 0, 0, 256, 256).get()));
  // Its JPEG tiles are read as the TIFF stores them (libtiff), whatever reads the levels.
  HttpResult stored = Get("/api/v1/images/" + id + "_files/10/1_1.jpg");
  ASSERT_EQ(stored.status, 200) << stored.body;
  Img as_tiff(nullptr);
  VipsImage* tiff_page = nullptr;
  ASSERT_EQ(vips_tiffload(svs.c_str(), &tiff_page, nullptr), 0);
  as_tiff.reset(tiff_page);
  EXPECT_EQ(Decode(stored.body), PixelsOf(Crop(as_tiff, 256, 256, 256, 256).get()));
}

// Tiles as viewers ask for them once they follow the file's own 256-px tiles: Deep Zoom without
// overlap, IIIF at each scale factor. Whole tiles are the stored JPEG streams (the same pixels
// as the file, bit for bit), so a stitched level has no seam; edge tiles are re-encoded.
TEST_F(ViewApiTest, StoredJpegTilesStitchSeamlesslyThroughDeepZoomAndIiif) {
  auto tiff = files_.path() / "slide.tif";
  WriteSampleImage(tiff, {.width = 1500,
                          .height = 1100,
                          .tiff_options = "[tile,pyramid,compression=jpeg,Q=85,tile-width=256,tile-height=256]"});
  const std::string id = std::to_string(Upload(tiff, "slide.tif"));
  HttpResult dzi = Get("/api/v1/images/" + id + ".dzi");
  EXPECT_NE(dzi.body.find(R"(TileSize="256" Overlap="0")"), std::string::npos) << dzi.body;
  Json info = Json::parse(Get("/iiif/3/" + id + "/info.json").body);
  EXPECT_EQ(info["tiles"][0]["width"], 256) << info.dump();

  // Each level stitched from its tiles against the page libvips decodes; `url` names tile (c, r).
  auto stitch = [&](int page, int level_w, int level_h, const std::function<std::string(int, int)>& url) {
    Img level(vips_image_new_from_file(tiff.c_str(), "page", page, nullptr));
    ASSERT_TRUE(level);
    ASSERT_EQ(vips_image_get_width(level.get()), level_w);
    double edge_difference = 0;
    std::int64_t edge_values = 0;
    for (int r = 0; r * 256 < level_h; ++r) {
      for (int c = 0; c * 256 < level_w; ++c) {
        SCOPED_TRACE("page " + std::to_string(page) + " tile " + std::to_string(c) + "," + std::to_string(r));
        HttpResult tile = Get(url(c, r));
        ASSERT_EQ(tile.status, 200) << tile.body;
        const int w = std::min(256, level_w - c * 256), h = std::min(256, level_h - r * 256);
        Pixels got = Decode(tile.body), want = PixelsOf(Crop(level, c * 256, r * 256, w, h).get());
        ASSERT_EQ(got.width, w);
        ASSERT_EQ(got.height, h);
        if (w == 256 && h == 256) {
          EXPECT_EQ(got, want);
          continue;
        }
        for (std::size_t i = 0; i < got.bytes.size(); ++i) {
          edge_difference +=
              std::abs(int(static_cast<unsigned char>(got.bytes[i])) - int(static_cast<unsigned char>(want.bytes[i])));
        }
        edge_values += static_cast<std::int64_t>(got.bytes.size());
      }
    }
    EXPECT_LT(edge_difference / static_cast<double>(edge_values), 2.0);  // re-encoded at quality 85
  };
  // Deep Zoom level 11 is the full image (6 x 5 tiles), level 10 half of it (page 1).
  stitch(0, 1500, 1100, [&](int c, int r) {
    return "/api/v1/images/" + id + "_files/11/" + std::to_string(c) + "_" + std::to_string(r) + ".jpg";
  });
  stitch(1, 750, 550, [&](int c, int r) {
    return "/api/v1/images/" + id + "_files/10/" + std::to_string(c) + "_" + std::to_string(r) + ".jpg";
  });
  // IIIF at scale factor 2, as OpenSeadragon forms its requests: 512-px regions into 256 px.
  stitch(1, 750, 550, [&](int c, int r) {
    const int x = c * 512, y = r * 512, w = std::min(512, 1500 - x), h = std::min(512, 1100 - y);
    return "/iiif/3/" + id + "/" + std::to_string(x) + "," + std::to_string(y) + "," + std::to_string(w) + "," +
           std::to_string(h) + "/" + std::to_string((w + 1) / 2) + "," + std::to_string((h + 1) / 2) + "/0/default.jpg";
  });

  // A tile that goes out as stored is not written to the view cache, and keeps its ETag.
  const service::ViewCache* cache = server_.service().images().view_cache();
  const std::int64_t entries = cache->stats().entries;
  const std::string whole = "/api/v1/images/" + id + "_files/11/2_2.jpg";
  HttpResult first = Get(whole);
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(cache->stats().entries, entries);
  EXPECT_FALSE(first.header("etag").empty());
  EXPECT_EQ(Get("GET", whole, "", {"If-None-Match: " + first.header("etag")}).status, 304);
  EXPECT_EQ(Get(whole).body, first.body);
  // The classic geometry straddles stored tiles: rendered, and cached.
  ASSERT_EQ(Get("/api/v1/images/" + id + "_files/11/2_2.jpg?overlap=1").status, 200);
  EXPECT_EQ(cache->stats().entries, entries + 1);
  // A whole stored tile asked at a quality out of range is refused as any view is.
  for (const char* quality : {"0", "101", "-1"}) {
    HttpResult refused = Get("/api/v1/images/" + id + "/region?x=512&y=512&w=256&h=256&format=jpg&quality=" + quality);
    EXPECT_EQ(refused.status, 400) << quality << ": " << refused.body;
  }
}

TEST_F(ViewApiTest, LargeFlatImagesGetAPyramidAtTheirFirstView) {
  auto big = files_.path() / "wide.png";
  WriteSampleImage(big, {.width = 5000, .height = 400});
  const std::string id = std::to_string(Upload(big, "wide.png"));
  auto status = [&] { return Json::parse(Get("/api/v1/images/" + id + "/pyramid").body)["status"]; };
  EXPECT_EQ(status(), "none");
  EXPECT_EQ(Json::parse(Get("/api/v1/images/" + Image() + "/pyramid").body)["status"], "not_needed");

  const std::string detail = "/api/v1/images/" + id + "/region?x=4000&y=100&w=300&h=200&format=png";
  const std::string overview = "/api/v1/images/" + id + "/region?width=625&height=50&format=png";
  HttpResult before = Get(detail);
  ASSERT_EQ(before.status, 200) << before.body;
  Img original(vips_image_new_from_file(big.c_str(), nullptr));
  EXPECT_EQ(Decode(before.body), PixelsOf(Crop(original, 4000, 100, 300, 200).get()));
  HttpResult overview_before = Get(overview);
  server_.service().images().FlushCaches();
  EXPECT_EQ(status(), "ready");
  EXPECT_EQ(Json::parse(Get("/api/v1/images/" + id).body)["pyramid"], (Json{{"status", "ready"}}));

  // Read from the pyramid now: lossless for a PNG, and marked so in the ETag.
  HttpResult after = Get(detail);
  ASSERT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(Decode(after.body), Decode(before.body));
  EXPECT_NE(after.header("etag"), before.header("etag"));
  HttpResult overview_after = Get(overview);
  EXPECT_EQ(DecodedSize(overview_after.body), (std::pair{625, 50}));
  EXPECT_NE(overview_after.header("etag"), overview_before.header("etag"));
  // A pyramidal TIFF has levels of its own.
  auto tiff = files_.path() / "native.tif";
  WriteSampleImage(tiff, {.width = 600, .height = 400, .tiff_options = "[tile,pyramid]"});
  EXPECT_EQ(
      Json::parse(Get("/api/v1/images/" + std::to_string(Upload(tiff, "native.tif")) + "/pyramid").body)["status"],
      "native");
}

TEST_F(ViewApiTest, ConditionalRequestsAndPermissions) {
  const std::string path = "/api/v1/images/" + Image() + "/region?max_size=50";
  HttpResult first = Get(path);
  ASSERT_EQ(first.status, 200);
  const std::string etag = first.header("etag");
  EXPECT_FALSE(etag.empty());
  EXPECT_EQ(first.header("cache-control"), "private, max-age=86400");
  EXPECT_EQ(Get("GET", path, "", {"If-None-Match: " + etag}).status, 304);
  EXPECT_NE(Get(path + "&mode=gray").header("etag"), etag);

  for (const std::string& route :
       {path, "/api/v1/images/" + Image() + ".dzi", "/api/v1/images/" + Image() + "_files/9/0_0.jpg",
        "/iiif/3/" + Image() + "/info.json", "/iiif/3/" + Image(), "/iiif/3/" + Image() + "/full/max/0/default.jpg"}) {
    EXPECT_EQ(HttpCall("GET", server_.url(route), {"Authorization: Bearer " + eve_}).status, 404) << route;
    EXPECT_EQ(HttpCall("GET", server_.url(route)).status, 401) << route;
  }
  EXPECT_EQ(Get("/iiif/3/abc/info.json").status, 404);
  EXPECT_EQ(Get("/iiif/3/999/full/max/0/default.jpg").status, 404);
}

Img Linear(const Img& in, double a, double b, bool uchar) {
  VipsImage* out = nullptr;
  EXPECT_EQ(vips_linear1(in.get(), &out, a, b, "uchar", uchar, nullptr), 0);
  return Img(out);
}
Img Cast(const Img& in, VipsBandFormat format) {
  VipsImage* out = nullptr;
  EXPECT_EQ(vips_cast(in.get(), &out, format, nullptr), 0);
  return Img(out);
}

// A grey 8-bit picture and three different pictures made of it: its negative and its half.
struct Stack {
  Img grey, negative, half;
};
Stack MakeStack(const std::filesystem::path& dir) {
  WriteSampleImage(dir / "grey.png", {.width = 300, .height = 200, .bands = 1});
  Img grey(vips_image_new_from_file((dir / "grey.png").c_str(), "access", VIPS_ACCESS_RANDOM, nullptr));
  Img negative = Linear(grey, -1, 255, true);
  Img half = Linear(grey, 0.5, 0, true);
  return {std::move(grey), std::move(negative), std::move(half)};
}

TEST_F(ViewApiTest, SixteenBitImagesAreShownThroughAContrastWindow) {
  Stack stack = MakeStack(files_.path());
  // 12-bit data in a 16-bit file, as microscope cameras write it: 0..4080.
  Img twelve_bit = Cast(Linear(stack.grey, 16, 0, false), VIPS_FORMAT_USHORT);
  VipsImage* labelled = nullptr;
  ASSERT_EQ(vips_copy(twelve_bit.get(), &labelled, "interpretation", VIPS_INTERPRETATION_GREY16, nullptr), 0);
  twelve_bit.reset(labelled);
  const auto file = files_.path() / "camera.tif";
  ASSERT_EQ(vips_tiffsave(twelve_bit.get(), file.c_str(), nullptr), 0);
  const std::string id = std::to_string(Upload(file, "camera.tif"));
  const std::string region = "/api/v1/images/" + id + "/region?x=10&y=20&w=100&h=50&format=png";

  // The window 0..4080 gives back the 8-bit picture exactly.
  HttpResult windowed = Get(region + "&window=0,4080");
  ASSERT_EQ(windowed.status, 200) << windowed.body;
  EXPECT_EQ(Decode(windowed.body), PixelsOf(Crop(stack.grey, 10, 20, 100, 50).get()));
  // Without one, the full 16-bit range is scaled to 8 bits: the picture is nearly black.
  HttpResult plain = Get(region);
  Pixels dark = Decode(plain.body);
  ASSERT_EQ(dark.bands, 1);
  EXPECT_LE(*std::max_element(dark.bytes.begin(), dark.bytes.end()), 16);
  EXPECT_NE(plain.header("etag"), windowed.header("etag"));
  // A TIFF region keeps the values themselves.
  HttpResult raw = Get("/api/v1/images/" + id + "/region?x=10&y=20&w=100&h=50&format=tif");
  ASSERT_EQ(raw.status, 200) << raw.body;
  EXPECT_EQ(raw.header("content-type"), "image/tiff");
  Img raw_image(vips_image_new_from_buffer(raw.body.data(), raw.body.size(), "", nullptr));
  ASSERT_TRUE(raw_image);
  EXPECT_EQ(vips_image_get_format(raw_image.get()), VIPS_FORMAT_USHORT);
  EXPECT_EQ(PixelsOf(raw_image.get()), PixelsOf(Crop(twelve_bit, 10, 20, 100, 50).get()));
  // Deep Zoom tiles take the window from the query OpenSeadragon repeats.
  HttpResult tile = Get("/api/v1/images/" + id + "_files/9/0_0.png?window=0,4080");
  ASSERT_EQ(tile.status, 200) << tile.body;
  EXPECT_EQ(Decode(tile.body), PixelsOf(Crop(stack.grey, 0, 0, 256, 200).get()));

  for (const char* bad : {"window=5,5", "window=9,1", "window=abc", "window=1", "window=1,", "window=nan,3",
                          "channel=1", "channel=-1", "plane=1", "format=bmp"}) {
    HttpResult refused = Get(region + "&" + bad);
    EXPECT_EQ(refused.status, 400) << bad << ": " << refused.body;
  }
}

TEST_F(ViewApiTest, PlanesAndChannelsOfStacksAreViewedOneAtATime) {
  Stack stack = MakeStack(files_.path());
  // Three channels that differ, in one PNG.
  VipsImage* bands[] = {stack.grey.get(), stack.negative.get(), stack.half.get()};
  VipsImage* joined = nullptr;
  ASSERT_EQ(vips_bandjoin(bands, &joined, 3, nullptr), 0);
  Img colour(joined);
  ASSERT_EQ(vips_copy(colour.get(), &joined, "interpretation", VIPS_INTERPRETATION_sRGB, nullptr), 0);
  colour.reset(joined);
  const auto png = files_.path() / "channels.png";
  ASSERT_EQ(vips_pngsave(colour.get(), png.c_str(), nullptr), 0);
  const std::string channels = std::to_string(Upload(png, "channels.png"));
  EXPECT_EQ(Json::parse(Get("/api/v1/images/" + channels).body)["channels"], 3);
  HttpResult green = Get("/api/v1/images/" + channels + "/region?x=50&y=60&w=80&h=40&channel=1&format=png");
  ASSERT_EQ(green.status, 200) << green.body;
  EXPECT_EQ(Decode(green.body), PixelsOf(Crop(stack.negative, 50, 60, 80, 40).get()));
  EXPECT_EQ(Get("/api/v1/images/" + channels + "/region?channel=3").status, 400);

  // Three planes, one page each, in one TIFF.
  VipsImage* pages[] = {stack.grey.get(), stack.negative.get(), stack.half.get()};
  VipsImage* tall = nullptr;
  ASSERT_EQ(vips_arrayjoin(pages, &tall, 3, "across", 1, nullptr), 0);
  Img planes(tall);
  VipsImage* copy = nullptr;
  ASSERT_EQ(vips_copy(planes.get(), &copy, nullptr), 0);
  planes.reset(copy);
  vips_image_set_int(planes.get(), "page-height", 200);
  const auto tif = files_.path() / "planes.tif";
  ASSERT_EQ(vips_tiffsave(planes.get(), tif.c_str(), nullptr), 0);
  const std::string stack_id = std::to_string(Upload(tif, "planes.tif"));
  HttpResult meta = Get("/api/v1/images/" + stack_id);
  EXPECT_EQ(Json::parse(meta.body)["planes"], 3) << meta.body;
  for (int plane = 0; plane < 3; ++plane) {
    const Img& expected = plane == 0 ? stack.grey : plane == 1 ? stack.negative : stack.half;
    HttpResult r = Get("/api/v1/images/" + stack_id + "/region?x=100&y=10&w=150&h=100&width=75&height=50&format=png" +
                       "&plane=" + std::to_string(plane));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(Decode(r.body), PixelsOf(Resize(Crop(expected, 100, 10, 150, 100), 75, 50).get())) << plane;
  }
  HttpResult tile = Get("/api/v1/images/" + stack_id + "_files/9/0_0.png?plane=2");
  ASSERT_EQ(tile.status, 200) << tile.body;
  EXPECT_EQ(Decode(tile.body), PixelsOf(Crop(stack.half, 0, 0, 256, 200).get()));
  EXPECT_EQ(Get("/api/v1/images/" + stack_id + "/region?plane=3").status, 400);
}

TEST_F(ViewApiTest, ViewsAreRenderedOnceAndSharedByEveryRoute) {
  const service::ViewCache* cache = server_.service().images().view_cache();
  ASSERT_NE(cache, nullptr);
  const std::int64_t before = cache->stats().computations;
  const std::string tile = "/api/v1/images/" + Image() + "_files/8/0_0.jpg";
  constexpr int kClients = 8;
  std::vector<HttpResult> answers(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) clients.emplace_back([&, i] { answers[i] = Get(tile); });
  for (auto& c : clients) c.join();
  for (const HttpResult& a : answers) {
    ASSERT_EQ(a.status, 200) << a.body;
    EXPECT_EQ(a.body, answers[0].body);
  }
  EXPECT_EQ(cache->stats().computations, before + 1);

  // The same pixels asked for through IIIF and as a region are the same entry (level 8 of Deep
  // Zoom is the whole 320 x 240 image at half size, in one tile: that entry too).
  HttpResult iiif = Get("/iiif/3/" + Image() + "/full/160,120/0/default.jpg");
  EXPECT_EQ(iiif.header("etag"), answers[0].header("etag"));
  EXPECT_EQ(cache->stats().computations, before + 1);
  iiif = Get("/iiif/3/" + Image() + "/full/100,75/0/default.jpg");
  HttpResult region = Get("/api/v1/images/" + Image() + "/region?width=100&height=75");
  ASSERT_EQ(iiif.status, 200);
  EXPECT_EQ(region.header("etag"), iiif.header("etag"));
  EXPECT_EQ(region.body, iiif.body);
  EXPECT_EQ(cache->stats().computations, before + 2);
  // A client holding it is answered before anything is read or rendered.
  EXPECT_EQ(
      Get("GET", "/iiif/3/" + Image() + "/full/80,60/0/default.jpg", "", {"If-None-Match: " + iiif.header("etag")})
          .status,
      200);
  EXPECT_EQ(cache->stats().computations, before + 3);
  const std::int64_t hits = cache->stats().hits;
  EXPECT_EQ(Get("GET", tile, "", {"If-None-Match: " + answers[0].header("etag")}).status, 304);
  EXPECT_EQ(cache->stats().hits, hits);

  const auto folder = server_.data_dir() / "cache" / "views" / Image();
  EXPECT_TRUE(std::filesystem::exists(folder));
  ASSERT_EQ(Get("DELETE", "/api/v1/images/" + Image()).status, 204);
  EXPECT_FALSE(std::filesystem::exists(folder));
}

TEST_F(ViewApiTest, BrowsersSignInByCookieOrShortLivedUrlToken) {
  const std::string region = "/api/v1/images/" + Image() + "/region?max_size=40";
  HttpResult signed_in = HttpCall("POST", server_.url("/api/v1/auth/token"), {"Content-Type: application/json"},
                                  Json{{"username", "alice"}, {"password", "password-alice"}, {"cookie", true}}.dump());
  ASSERT_EQ(signed_in.status, 200) << signed_in.body;
  const std::string set_cookie = signed_in.header("set-cookie");
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos) << set_cookie;
  const std::string token = Json::parse(signed_in.body)["token"];
  ASSERT_EQ(set_cookie.substr(0, set_cookie.find(';')), "vitrine_token=" + token);
  const std::string cookie = "Cookie: theme=dark; vitrine_token=" + token;

  EXPECT_EQ(HttpCall("GET", server_.url(region), {cookie}).status, 200);
  EXPECT_EQ(HttpCall("GET", server_.url("/iiif/3/" + Image() + "/full/max/0/default.jpg"), {cookie}).status, 200);
  EXPECT_EQ(HttpCall("GET", server_.url("/api/v1/images/" + Image() + "/thumbnail"), {cookie}).status, 200);
  EXPECT_EQ(HttpCall("GET", server_.url("/api/v1/images/" + Image() + "/pyramid"), {cookie}).status, 200);
  // Only pictures, only reads: the cookie opens nothing else.
  EXPECT_EQ(HttpCall("GET", server_.url("/api/v1/users/me"), {cookie}).status, 401);
  EXPECT_EQ(HttpCall("GET", server_.url("/api/v1/images/" + Image()), {cookie}).status, 401);
  EXPECT_EQ(HttpCall("DELETE", server_.url("/api/v1/images/" + Image()), {cookie}).status, 401);
  EXPECT_EQ(HttpCall("GET", server_.url(region), {"Cookie: vitrine_token=vt_forged"}).status, 401);
  // Without "cookie": true no cookie is set.
  HttpResult plain = HttpCall("POST", server_.url("/api/v1/auth/token"), {"Content-Type: application/json"},
                              Json{{"username", "alice"}, {"password", "password-alice"}}.dump());
  EXPECT_TRUE(plain.header("set-cookie").empty());

  // A token in the URL must be short-lived.
  HttpResult minted = Get("POST", "/api/v1/users/me/tokens", Json{{"expires_in", 600}}.dump());
  ASSERT_EQ(minted.status, 201) << minted.body;
  const std::string short_lived = Json::parse(minted.body)["token"];
  EXPECT_EQ(HttpCall("GET", server_.url(region + "&access_token=" + short_lived)).status, 200);
  EXPECT_EQ(
      HttpCall("GET", server_.url("/api/v1/images/" + Image() + "_files/9/0_0.jpg?access_token=" + short_lived)).status,
      200);
  HttpResult long_lived = HttpCall("GET", server_.url(region + "&access_token=" + token));
  EXPECT_EQ(long_lived.status, 401);
  EXPECT_NE(long_lived.body.find("at most 3600 s"), std::string::npos) << long_lived.body;
  EXPECT_EQ(HttpCall("GET", server_.url("/api/v1/users/me?access_token=" + short_lived)).status, 401);
  // Someone else's cookie sees nothing of this project.
  HttpResult eve = HttpCall("POST", server_.url("/api/v1/auth/token"), {"Content-Type: application/json"},
                            Json{{"username", "eve"}, {"password", "password-eve"}, {"cookie", true}}.dump());
  EXPECT_EQ(HttpCall("GET", server_.url(region),
                     {"Cookie: vitrine_token=" + Json::parse(eve.body)["token"].get<std::string>()})
                .status,
            404);
}

}  // namespace
}  // namespace vitrine::testing
