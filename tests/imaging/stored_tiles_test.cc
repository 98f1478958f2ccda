// Tiles read as a tiled TIFF stores them, against libvips' decode of the same file: a whole JPEG
// tile goes out as stored (the same pixels, bit for bit), an edge tile or another quality is
// re-encoded alone, RGB-component JPEG is re-encoded, and anything that is not one stored tile
// is left to the general renderer.
#include "imaging/stored_tiles.h"

#include <gtest/gtest.h>
#include <tiffio.h>
#include <vips/vips.h>

#include <atomic>
#include <cmath>
#include <memory>
#include <thread>

#include "imaging/init.h"
#include "imaging/view.h"
#include "support/sample_images.h"
#include "support/temp_dir.h"

namespace vitrine::imaging {
namespace {

struct Unref {
  void operator()(VipsImage* image) const { g_object_unref(image); }
};
using Img = std::unique_ptr<VipsImage, Unref>;

struct Pixels {
  int width = 0, height = 0, bands = 0;
  std::vector<unsigned char> values;
};

Pixels PixelsOf(VipsImage* image) {
  Pixels p{vips_image_get_width(image), vips_image_get_height(image), vips_image_get_bands(image), {}};
  size_t size = 0;
  void* memory = vips_image_write_to_memory(image, &size);
  if (memory) p.values.assign(static_cast<unsigned char*>(memory), static_cast<unsigned char*>(memory) + size);
  g_free(memory);
  return p;
}

Pixels Decode(const std::string& jpeg) {
  Img image(vips_image_new_from_buffer(jpeg.data(), jpeg.size(), "", nullptr));
  if (!image) return {};
  return PixelsOf(image.get());
}

// Page `page` of `file` cut to x, y, w, h, as libvips decodes it.
Pixels Stored(const std::filesystem::path& file, int page, int x, int y, int w, int h) {
  Img level(vips_image_new_from_file(file.c_str(), "page", page, nullptr));
  if (!level) return {};
  VipsImage* out = nullptr;
  if (vips_extract_area(level.get(), &out, x, y, w, h, nullptr)) return {};
  Img cut(out);
  return PixelsOf(cut.get());
}

double MeanDifference(const Pixels& a, const Pixels& b) {
  if (a.values.size() != b.values.size() || a.values.empty()) return 1e9;
  double sum = 0;
  for (std::size_t i = 0; i < a.values.size(); ++i) sum += std::abs(int(a.values[i]) - int(b.values[i]));
  return sum / static_cast<double>(a.values.size());
}

// The view of tile (col, row) of the level that is the full image halved `k` times (rounded up).
ViewRequest TileView(std::int64_t width, std::int64_t height, int k, int col, int row, int side = 256) {
  const std::int64_t scale = std::int64_t{1} << k;
  const std::int64_t level_w = (width + scale - 1) / scale, level_h = (height + scale - 1) / scale;
  ViewRequest view;
  const std::int64_t x = col * side, y = row * side;
  view.width = static_cast<int>(std::min<std::int64_t>(side, level_w - x));
  view.height = static_cast<int>(std::min<std::int64_t>(side, level_h - y));
  view.region = {x * scale, y * scale, std::min(view.width * scale, width - x * scale),
                 std::min(view.height * scale, height - y * scale)};
  return view;
}

class StoredTilesTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitializeImaging("vitrine-tests").ok()); }

  // A 1500 x 1100 pyramid of 256-px tiles (pages 1500, 750, 375, 187 wide: the last is no
  // Deep Zoom level, which rounds 187.5 up).
  std::filesystem::path Pyramid(const std::string& name, const std::string& options) {
    auto path = dir_.path() / name;
    testing::WriteSampleImage(path, {.width = 1500, .height = 1100, .tiff_options = options});
    return path;
  }

  testing::TempDir dir_;
};

TEST_F(StoredTilesTest, WholeJpegTilesGoOutAsStoredAtEveryLevel) {
  auto file = Pyramid("slide.tif", "[tile,pyramid,compression=jpeg,Q=85,tile-width=256,tile-height=256]");
  EXPECT_EQ(StoredTileSide(file).value(), 256);
  for (auto [k, col, row] : {std::tuple{0, 1, 1}, {0, 4, 3}, {1, 1, 0}, {2, 0, 0}}) {
    SCOPED_TRACE("level " + std::to_string(k) + " tile " + std::to_string(col) + "," + std::to_string(row));
    Result<std::optional<std::string>> tile = PassThroughTile(file, TileView(1500, 1100, k, col, row));
    ASSERT_TRUE(tile.ok()) << tile.status().ToString();
    ASSERT_TRUE(tile->has_value());
    EXPECT_EQ((**tile).substr(0, 4), std::string("\xFF\xD8\xFF\xE0", 4));  // SOI, then JFIF
    Pixels got = Decode(**tile);
    Pixels want = Stored(file, k, col * 256, row * 256, 256, 256);
    EXPECT_EQ(got.width, 256);
    EXPECT_EQ(got.values, want.values);  // the stored stream itself: no re-encoding
    // RenderView takes the same path.
    Result<std::string> rendered = RenderView(file, TileView(1500, 1100, k, col, row));
    ASSERT_TRUE(rendered.ok());
    EXPECT_EQ(*rendered, **tile);
  }
}

TEST_F(StoredTilesTest, EdgeTilesAndOtherQualitiesAreReencodedAlone) {
  auto file = Pyramid("slide.tif", "[tile,pyramid,compression=jpeg,Q=85,tile-width=256,tile-height=256]");
  // 1500 = 5 x 256 + 220; 1100 = 4 x 256 + 76.
  ViewRequest corner = TileView(1500, 1100, 0, 5, 4);
  ASSERT_EQ(corner.width, 220);
  ASSERT_EQ(corner.height, 76);
  EXPECT_FALSE(PassThroughTile(file, corner)->has_value());
  Result<std::optional<std::string>> tile = TranscodeTile(file, corner);
  ASSERT_TRUE(tile.ok() && tile->has_value());
  Pixels got = Decode(**tile);
  EXPECT_EQ(got.width, 220);
  EXPECT_EQ(got.height, 76);
  EXPECT_LT(MeanDifference(got, Stored(file, 0, 1280, 1024, 220, 76)), 2.0);

  ViewRequest sharper = TileView(1500, 1100, 0, 1, 1);
  sharper.compression_quality = 98;
  EXPECT_FALSE(PassThroughTile(file, sharper)->has_value());
  Result<std::string> rendered = RenderView(file, sharper);
  ASSERT_TRUE(rendered.ok());
  Pixels close = Decode(*rendered);
  EXPECT_LT(MeanDifference(close, Stored(file, 0, 256, 256, 256, 256)), 1.0);
  EXPECT_GT(rendered->size(), PassThroughTile(file, TileView(1500, 1100, 0, 1, 1))->value().size());
}

TEST_F(StoredTilesTest, RgbComponentJpegIsReencodedInItsColours) {
  // libvips writes YCbCr JPEG only: libtiff writes this one, 512 x 512 in four RGB tiles.
  Pixels source = Stored(Pyramid("source.tif", "[tile,tile-width=256,tile-height=256]"), 0, 0, 0, 512, 512);
  ASSERT_EQ(source.bands, 3);
  auto file = dir_.path() / "rgb.tif";
  TIFF* tiff = TIFFOpen(file.c_str(), "w");
  ASSERT_NE(tiff, nullptr);
  TIFFSetField(tiff, TIFFTAG_IMAGEWIDTH, 512);
  TIFFSetField(tiff, TIFFTAG_IMAGELENGTH, 512);
  TIFFSetField(tiff, TIFFTAG_TILEWIDTH, 256);
  TIFFSetField(tiff, TIFFTAG_TILELENGTH, 256);
  TIFFSetField(tiff, TIFFTAG_BITSPERSAMPLE, 8);
  TIFFSetField(tiff, TIFFTAG_SAMPLESPERPIXEL, 3);
  TIFFSetField(tiff, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField(tiff, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB);
  TIFFSetField(tiff, TIFFTAG_COMPRESSION, COMPRESSION_JPEG);
  TIFFSetField(tiff, TIFFTAG_JPEGQUALITY, 92);
  std::vector<unsigned char> tile_pixels(256 * 256 * 3);
  for (int row = 0; row < 2; ++row) {
    for (int col = 0; col < 2; ++col) {
      for (int y = 0; y < 256; ++y) {
        const auto* from = &source.values[((row * 256 + y) * 512 + col * 256) * 3];
        std::copy(from, from + 256 * 3, &tile_pixels[y * 256 * 3]);
      }
      ASSERT_GE(TIFFWriteTile(tiff, tile_pixels.data(), col * 256, row * 256, 0, 0), 0);
    }
  }
  TIFFClose(tiff);

  ViewRequest view = TileView(512, 512, 0, 1, 1);
  EXPECT_FALSE(PassThroughTile(file, view)->has_value());
  Result<std::optional<std::string>> tile = TranscodeTile(file, view);
  ASSERT_TRUE(tile.ok() && tile->has_value()) << tile.status().ToString();
  EXPECT_LT(MeanDifference(Decode(**tile), Stored(file, 0, 256, 256, 256, 256)), 2.0);
  Pixels stored = Stored(file, 0, 256, 256, 256, 256);
  Pixels original = Stored(dir_.path() / "source.tif", 0, 256, 256, 256, 256);
  EXPECT_LT(MeanDifference(stored, original), 3.0);  // the colours are the source's, not YCbCr read as RGB
}

// The pyramids Vitrine builds of lossless sources: libtiff decodes the one tile, libjpeg-turbo
// encodes it. Grey too; 16-bit is left to the renderer (its values need scaling).
TEST_F(StoredTilesTest, LosslessTilesAreDecodedAloneAndEncoded) {
  for (int bands : {3, 1}) {
    SCOPED_TRACE(std::to_string(bands) + " bands");
    auto file = dir_.path() / ("deflate" + std::to_string(bands) + ".tif");
    testing::WriteSampleImage(file,
                              {.width = 1500,
                               .height = 1100,
                               .bands = bands,
                               .tiff_options = "[tile,pyramid,compression=deflate,tile-width=256,tile-height=256]"});
    EXPECT_EQ(StoredTileSide(file).value(), 256);
    for (auto [k, col, row] : {std::tuple{0, 1, 1}, {0, 5, 4}, {1, 2, 2}, {2, 1, 0}}) {
      ViewRequest view = TileView(1500, 1100, k, col, row);
      EXPECT_FALSE(PassThroughTile(file, view)->has_value());
      Result<std::optional<std::string>> tile = TranscodeTile(file, view);
      ASSERT_TRUE(tile.ok() && tile->has_value()) << tile.status().ToString();
      Pixels got = Decode(**tile);
      EXPECT_EQ(got.width, view.width);
      EXPECT_EQ(got.height, view.height);
      EXPECT_EQ(got.bands, bands);
      EXPECT_LT(MeanDifference(got, Stored(file, k, col * 256, row * 256, view.width, view.height)), 2.0);
    }
  }
  auto wide = dir_.path() / "sixteen.tif";
  testing::WriteSampleImage(wide, {.width = 600, .height = 400, .sixteen_bit = true, .tiff_options = "[tile,pyramid]"});
  EXPECT_FALSE(TranscodeTile(wide, TileView(600, 400, 0, 0, 0))->has_value());
}

// Decoding threads share a file's libtiff handles, each left at its own page: every answer is
// the one a lone thread gets.
TEST_F(StoredTilesTest, ThreadsShareTheDecodersOfAFile) {
  auto file = Pyramid("deflate.tif", "[tile,pyramid,compression=deflate,tile-width=256,tile-height=256]");
  std::vector<ViewRequest> views;
  for (int k = 0; k < 3; ++k) {
    for (int tile = 0; tile < 4; ++tile) views.push_back(TileView(1500, 1100, k, tile % 2, tile / 2));
  }
  std::vector<std::string> alone;
  for (const ViewRequest& view : views) alone.push_back(TranscodeTile(file, view)->value_or(""));
  std::atomic<int> mismatches = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 60; ++i) {
        const std::size_t v = static_cast<std::size_t>(i * 7 + t * 3) % views.size();
        Result<std::optional<std::string>> tile = TranscodeTile(file, views[v]);
        if (!tile.ok() || !tile->has_value() || **tile != alone[v]) ++mismatches;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST_F(StoredTilesTest, AnythingButOneStoredTileIsLeftToTheRenderer) {
  auto file = Pyramid("slide.tif", "[tile,pyramid,compression=jpeg,Q=85,tile-width=256,tile-height=256]");
  auto none = [&](const ViewRequest& view) {
    Result<std::optional<std::string>> as_stored = PassThroughTile(file, view);
    Result<std::optional<std::string>> alone = TranscodeTile(file, view);
    return as_stored.ok() && !as_stored->has_value() && alone.ok() && !alone->has_value();
  };
  ViewRequest tile = TileView(1500, 1100, 0, 1, 1);
  ViewRequest shifted = tile;
  shifted.region.x += 1;
  EXPECT_TRUE(none(shifted));
  ViewRequest classic = tile;  // 254 + 1 px Deep Zoom tiles straddle stored ones
  classic.region = {253, 253, 256, 256};
  EXPECT_TRUE(none(classic));
  ViewRequest rotated = tile;
  rotated.rotation = 90;
  EXPECT_TRUE(none(rotated));
  ViewRequest png = tile;
  png.format = EncodedFormat::kPng;
  EXPECT_TRUE(none(png));
  ViewRequest grey = tile;
  grey.quality = ViewQuality::kGray;
  EXPECT_TRUE(none(grey));
  ViewRequest windowed = tile;
  windowed.window = ContrastWindow{10, 200};
  EXPECT_TRUE(none(windowed));
  // Page 3 is 187 wide; Deep Zoom's level is 188 (rounded up): no stored level.
  EXPECT_TRUE(none(TileView(1500, 1100, 3, 0, 0)));
  // Four stored tiles at once are no stored tile; the same region at half size is level 1's first.
  ViewRequest four = tile;
  four.region = {0, 0, 512, 512};
  four.width = four.height = 512;
  EXPECT_TRUE(none(four));
  four.width = four.height = 256;
  EXPECT_TRUE(PassThroughTile(file, four)->has_value());

  auto png_file = dir_.path() / "flat.png";
  testing::WriteSampleImage(png_file, {.width = 600, .height = 400});
  EXPECT_EQ(StoredTileSide(png_file).value(), std::nullopt);
  EXPECT_EQ(StoredTileSide(dir_.path() / "missing.tif").status().code(), ErrorCode::kUnavailable);
  EXPECT_FALSE(PassThroughTile(png_file, TileView(600, 400, 0, 0, 0))->has_value());
}

// A 512 x 512 JPEG-tiled TIFF (YCbCr) whose four tiles are `tiles`, written raw: what a
// damaged or hostile file holds.
std::filesystem::path RawJpegTiff(const std::filesystem::path& path, const std::vector<std::string>& tiles) {
  TIFF* tiff = TIFFOpen(path.c_str(), "w");
  TIFFSetField(tiff, TIFFTAG_IMAGEWIDTH, 512);
  TIFFSetField(tiff, TIFFTAG_IMAGELENGTH, 512);
  TIFFSetField(tiff, TIFFTAG_TILEWIDTH, 256);
  TIFFSetField(tiff, TIFFTAG_TILELENGTH, 256);
  TIFFSetField(tiff, TIFFTAG_BITSPERSAMPLE, 8);
  TIFFSetField(tiff, TIFFTAG_SAMPLESPERPIXEL, 3);
  TIFFSetField(tiff, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField(tiff, TIFFTAG_COMPRESSION, COMPRESSION_JPEG);
  TIFFSetField(tiff, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_YCBCR);
  for (std::size_t i = 0; i < tiles.size(); ++i) {
    TIFFWriteRawTile(tiff, static_cast<std::uint32_t>(i), const_cast<char*>(tiles[i].data()),
                     static_cast<tmsize_t>(tiles[i].size()));
  }
  TIFFClose(tiff);
  return path;
}

TEST_F(StoredTilesTest, DamagedTilesAreLeftToTheRendererNotFailedHere) {
  const ViewRequest first = TileView(512, 512, 0, 0, 0);
  // Tiles that are no JPEG stream (no SOI), and one that is not a whole tile when decoded.
  const std::string small_jpeg = [&] {
    auto path = dir_.path() / "small.jpg";
    testing::WriteSampleImage(path, {.width = 100, .height = 80});
    return testing::ReadFileBytes(path);
  }();
  auto garbage = RawJpegTiff(dir_.path() / "garbage.tif", {"not a jpeg", "xx", small_jpeg, small_jpeg});
  EXPECT_EQ(StoredTileSide(garbage).value(), 256);
  for (int tile = 0; tile < 4; ++tile) {
    SCOPED_TRACE(tile);
    const ViewRequest view = TileView(512, 512, 0, tile % 2, tile / 2);
    Result<std::optional<std::string>> as_stored = PassThroughTile(garbage, view);
    ASSERT_TRUE(as_stored.ok()) << as_stored.status().ToString();
    Result<std::optional<std::string>> alone = TranscodeTile(garbage, view);
    ASSERT_TRUE(alone.ok()) << alone.status().ToString();
    // 100 x 80 is not the level's 256 x 256: neither sent nor decoded here.
    EXPECT_FALSE(as_stored->has_value());
    EXPECT_FALSE(alone->has_value());
  }
  // The general renderer says what is wrong: an error, not a crash.
  EXPECT_FALSE(RenderView(garbage, first).ok());

  // A tile larger than any 256 x 256 JPEG tile can be: the level is not read as stored at all.
  auto huge = RawJpegTiff(dir_.path() / "huge.tif", {std::string(600000, '\xFF'), "a", "b", "c"});
  Result<std::optional<std::string>> as_stored = PassThroughTile(huge, first);
  ASSERT_TRUE(as_stored.ok());
  EXPECT_FALSE(as_stored->has_value());
  EXPECT_FALSE(PassThroughTile(huge, TileView(512, 512, 0, 1, 0))->has_value());
}

}  // namespace
}  // namespace vitrine::imaging
