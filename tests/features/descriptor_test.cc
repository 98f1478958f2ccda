// The catalogue's promises for every descriptor, the refusals Extract makes, the rasteriser, and
// the tables' edge cases. The numbers themselves are checked against references in Python
// (features_test.py) and, for the MPEG-7 descriptors, by their properties (mpeg7_test.cc).
#include <gtest/gtest.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <thread>

#include "features/descriptor.h"
#include "features/feature_table.h"

namespace vitrine::features {
namespace {

imaging::DecodedPixels Noise(int width, int height, int bands, unsigned seed) {
  std::mt19937 random(seed);
  imaging::DecodedPixels p{.width = width, .height = height, .bands = bands};
  p.values.resize(static_cast<std::size_t>(width) * height * bands);
  for (auto& v : p.values) v = static_cast<std::uint8_t>(random() % 256);
  return p;
}

TEST(FeatureCatalogue, EveryDescriptorGivesRowsOfItsLengthAndColumns) {
  std::set<std::string> names;
  for (const auto& d : Catalogue()) {
    const DescriptorInfo& info = d->info();
    EXPECT_TRUE(names.insert(info.name).second) << info.name << " twice";
    EXPECT_FALSE(info.description.empty()) << info.name;
    EXPECT_FALSE(info.reference.empty()) << info.name;
    const auto pixels = Noise(160, 144, info.pixels == PixelKind::kGrey ? 1 : 3, 7);
    auto rows = d->Extract({.pixels = &pixels});
    ASSERT_TRUE(rows.ok()) << info.name << ": " << rows.status().ToString();
    if (info.target != Target::kKeypoints) {
      EXPECT_GE(rows->size(), 1u) << info.name;
    }
    for (const Row& row : *rows) {
      EXPECT_EQ(row.values.size(), static_cast<std::size_t>(info.length)) << info.name;
      EXPECT_EQ(row.columns.size(), info.columns.size()) << info.name;
      for (float v : row.values) EXPECT_TRUE(std::isfinite(v)) << info.name;
    }
  }
  EXPECT_GE(names.size(), 20u);
  for (const char* bisque : {"HTD",
                             "HTD2",
                             "EHD",
                             "CLD",
                             "SCD",
                             "CSD",
                             "DCD",
                             "HAR",
                             "LBP",
                             "TAS",
                             "PFTAS",
                             "ZM",
                             "HOG",
                             "HuMoments",
                             "Moments",
                             "Pixel_Intensity_Statistics",
                             "Color_Histogram",
                             "ORB",
                             "SIFT",
                             "BRISK"}) {
    EXPECT_TRUE(names.contains(bisque)) << bisque;
  }
}

// Tiny, thin and black inputs: a row, or a clear refusal (kInvalidArgument), never a crash.
TEST(FeatureCatalogue, TinyThinAndBlackInputsAreDescribedOrRefused) {
  for (const auto& d : Catalogue()) {
    const int bands = d->info().pixels == PixelKind::kGrey ? 1 : 3;
    for (auto [width, height] : {std::pair{1, 1}, {1, 64}, {64, 1}, {2, 2}, {31, 40}, {600, 3}}) {
      const auto pixels = Noise(width, height, bands, 3);
      auto rows = d->Extract({.pixels = &pixels});
      EXPECT_TRUE(rows.ok() || rows.status().code() == ErrorCode::kInvalidArgument)
          << d->info().name << " " << width << "x" << height << ": " << rows.status().ToString();
    }
    imaging::DecodedPixels black{.width = 64, .height = 64, .bands = bands};
    black.values.assign(64 * 64 * bands, 0);
    auto rows = d->Extract({.pixels = &black});
    EXPECT_TRUE(rows.ok() || rows.status().code() == ErrorCode::kInvalidArgument)
        << d->info().name << " on black: " << rows.status().ToString();
  }
  const auto small = Noise(20, 20, 1, 4);
  EXPECT_EQ(FindDescriptor("ORB")->Extract({.pixels = &small}).status().code(), ErrorCode::kInvalidArgument);
}

TEST(FeatureTable, HdfFilesAreWrittenFromManyThreadsAtOnce) {
  Table table{.info = &FindDescriptor("HTD")->info()};
  for (int i = 0; i < 50; ++i) {
    table.rows.push_back(
        {.image = "/api/v1/images/" + std::to_string(i), .row = {.values = std::vector<float>(48, i), .columns = {0}}});
  }
  std::vector<std::thread> threads;
  std::atomic<int> written = 0;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int k = 0; k < 5; ++k) written += EncodeHdf5(table).ok();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(written.load(), 20);
}

TEST(FeatureCatalogue, LengthsAreBisques) {
  const std::pair<const char*, int> lengths[] = {{"HTD", 48},
                                                 {"HTD2", 62},
                                                 {"EHD", 80},
                                                 {"CLD", 120},
                                                 {"SCD", 256},
                                                 {"CSD", 64},
                                                 {"DCD", 100},
                                                 {"HAR", 52},
                                                 {"LBP", 8},
                                                 {"TAS", 54},
                                                 {"PFTAS", 54},
                                                 {"ZM", 25},
                                                 {"HOG", 9},
                                                 {"ORB", 32},
                                                 {"SIFT", 128},
                                                 {"BRISK", 64},
                                                 {"Moments", 24},
                                                 {"HuMoments", 7},
                                                 {"Pixel_Intensity_Statistics", 5},
                                                 {"Color_Histogram", 20}};
  for (const auto& [name, length] : lengths) {
    const Descriptor* d = FindDescriptor(name);
    ASSERT_NE(d, nullptr) << name;
    EXPECT_EQ(d->info().length, length) << name;
  }
  EXPECT_EQ(FindDescriptor("htd"), nullptr);  // case-sensitive, as BisQue's
}

TEST(FeatureExtract, RefusesWhatADescriptorDoesNotTake) {
  const auto grey = Noise(64, 64, 1, 1), colour = Noise(64, 64, 3, 2);
  LabelMask mask{.width = 64, .height = 64, .labels = std::vector<std::int32_t>(64 * 64, 1)};
  EXPECT_EQ(FindDescriptor("HTD")->Extract({.pixels = &colour}).status().code(), ErrorCode::kUnsupported);
  EXPECT_EQ(FindDescriptor("CLD")->Extract({.pixels = &grey}).status().code(), ErrorCode::kUnsupported);
  EXPECT_EQ(FindDescriptor("HAR")->Extract({.pixels = &grey, .mask = &mask}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(FindDescriptor("HTD")->Extract({.pixels = &grey, .keypoint = GivenKeypoint{3, 3, 1}}).status().code(),
            ErrorCode::kInvalidArgument);
  LabelMask small{.width = 32, .height = 64, .labels = std::vector<std::int32_t>(32 * 64, 0)};
  EXPECT_EQ(FindDescriptor("HTD")->Extract({.pixels = &grey, .mask = &small}).status().code(),
            ErrorCode::kInvalidArgument);
  // A point at the very edge has no room for SIFT's patch... or gets one row: never a crash.
  auto edge = FindDescriptor("ORB")->Extract({.pixels = &grey, .keypoint = GivenKeypoint{0, 0, 1}});
  EXPECT_TRUE(edge.ok() ? edge->size() == 1 : edge.status().code() == ErrorCode::kInvalidArgument);
}

TEST(FeatureHtd, AFlatImageHasNoDeviationAndTheMaskPicksItsRows) {
  imaging::DecodedPixels flat{.width = 96, .height = 80, .bands = 1, .values = std::vector<std::uint8_t>(96 * 80, 100)};
  LabelMask mask{.width = 96, .height = 80, .labels = std::vector<std::int32_t>(96 * 80, 0)};
  for (int y = 0; y < 80; ++y) {
    for (int x = 48; x < 96; ++x) mask.labels[y * 96 + x] = 9;
  }
  auto rows = FindDescriptor("HTD")->Extract({.pixels = &flat, .mask = &mask});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].columns[0], 0);
  EXPECT_EQ((*rows)[1].columns[0], 9);
  for (const Row& row : *rows) {
    for (int f = 0; f < 24; ++f) {
      EXPECT_NEAR(row.values[24 + f], 0, 1e-3) << f;  // a flat response everywhere
      EXPECT_NEAR(row.values[f], (*rows)[0].values[f], 1e-3) << f;
    }
  }
}

TEST(FeatureRasterise, PixelsWhoseCentresAreInsideWithHolesOpen) {
  const PolygonRings square = {{{2, 2}, {8, 2}, {8, 8}, {2, 8}, {2, 2}}, {{4, 4}, {6, 4}, {6, 6}, {4, 6}, {4, 4}}};
  const LabelMask mask = RasterisePolygons({square}, 10, 10, 5);
  int inside = 0;
  for (int y = 0; y < 10; ++y) {
    for (int x = 0; x < 10; ++x) {
      const bool expected = x >= 2 && x < 8 && y >= 2 && y < 8 && !(x >= 4 && x < 6 && y >= 4 && y < 6);
      EXPECT_EQ(mask.labels[y * 10 + x], expected ? 5 : 0) << x << "," << y;
      inside += mask.labels[y * 10 + x] == 5;
    }
  }
  EXPECT_EQ(inside, 36 - 4);  // the area of the shape, in pixels
  // Past the edges: clipped, never written out of bounds.
  const LabelMask clipped = RasterisePolygons({{{{-5, -5}, {20, -5}, {20, 3}, {-5, 3}, {-5, -5}}}}, 10, 10, 1);
  EXPECT_EQ(std::count(clipped.labels.begin(), clipped.labels.end(), 1), 30);
}

TEST(FeatureTable, EmptyAndFailedTablesAreWrittenToo) {
  Table table{.info = &FindDescriptor("SIFT")->info()};
  auto empty = EncodeHdf5(table);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(empty->substr(1, 3), "HDF");
  table.rows.push_back({.image = "/api/v1/images/1", .status = 404, .error = "image 1 not found, \"gone\""});
  auto one = EncodeHdf5(table);
  ASSERT_TRUE(one.ok());
  EXPECT_GT(one->size(), empty->size());
  const std::string csv = EncodeCsv(table);
  EXPECT_NE(csv.find("404,\"image 1 not found, \"\"gone\"\"\""), std::string::npos) << csv;
  const auto json = TableJson(table);
  EXPECT_EQ(json["rows"][0]["status"], 404);
  EXPECT_FALSE(json["rows"][0].contains("feature"));
}

// Writes the table's rows through a TableFileWriter in pieces of these sizes (the rest last).
Status WriteInPieces(const Table& table, FeatureFormat format, const std::filesystem::path& file,
                     const std::vector<std::size_t>& pieces) {
  VITRINE_ASSIGN_OR_RETURN(auto writer, TableFileWriter::Create(*table.info, format, file));
  std::size_t next = 0;
  auto append = [&](std::size_t count) {
    std::vector<TableRow> piece(table.rows.begin() + static_cast<std::ptrdiff_t>(next),
                                table.rows.begin() + static_cast<std::ptrdiff_t>(next + count));
    next += count;
    return writer->Append(piece);
  };
  for (std::size_t count : pieces) VITRINE_RETURN_IF_ERROR(append(count));
  VITRINE_RETURN_IF_ERROR(append(table.rows.size() - next));
  EXPECT_EQ(writer->rows(), table.rows.size());
  return writer->Finish();
}

std::string ReadWhole(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(FeatureTable, TextFilesWrittenAsRowsComeAreTheWholeTablesText) {
  Table table{.info = &FindDescriptor("Color_Histogram")->info()};
  for (int r = 0; r < 5; ++r) {
    TableRow row{.image = "/api/v1/images/" + std::to_string(r + 1)};
    if (r == 2) {
      row.status = 415;
      row.error = "cannot read \"it\"";
    } else {
      row.row.values.assign(20, 0.05f * static_cast<float>(r));
      row.row.columns = {static_cast<double>(r)};
    }
    table.rows.push_back(std::move(row));
  }
  const std::filesystem::path dir = std::filesystem::temp_directory_path();
  const std::string stem = "vitrine-pieces-" + std::to_string(::getpid());
  ASSERT_TRUE(WriteInPieces(table, FeatureFormat::kCsv, dir / (stem + ".csv"), {2, 0, 1}).ok());
  EXPECT_EQ(ReadWhole(dir / (stem + ".csv")), EncodeCsv(table));
  ASSERT_TRUE(WriteInPieces(table, FeatureFormat::kJson, dir / (stem + ".json"), {0, 3}).ok());
  EXPECT_EQ(nlohmann::json::parse(ReadWhole(dir / (stem + ".json"))), TableJson(table));
  Table empty{.info = table.info};
  ASSERT_TRUE(WriteInPieces(empty, FeatureFormat::kJson, dir / (stem + ".json"), {}).ok());
  EXPECT_EQ(nlohmann::json::parse(ReadWhole(dir / (stem + ".json"))), TableJson(empty));
  std::filesystem::remove(dir / (stem + ".csv"));
  std::filesystem::remove(dir / (stem + ".json"));
}

TEST(FeatureTable, ALargeTableIsWrittenToAFileInSlicesAndReadsBackWhole) {
  Table table{.info = &FindDescriptor("HTD")->info()};
  constexpr std::size_t kRows = 1500;  // 6 KB records: over two slices of about 4 MB
  constexpr int kLength = 48;
  for (std::size_t r = 0; r < kRows; ++r) {
    TableRow row{.image = "/api/v1/images/" + std::to_string(r + 1)};
    if (r % 100 == 7) {
      row.status = 404;
      row.error = "not found";
    } else {
      for (int i = 0; i < kLength; ++i) row.row.values.push_back(static_cast<float>(r) * 100 + static_cast<float>(i));
    }
    table.rows.push_back(std::move(row));
  }
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("vitrine-table-" + std::to_string(::getpid()) + ".h5");
  ASSERT_TRUE(WriteInPieces(table, FeatureFormat::kHdf5, file, {1, 700, 0, 799}).ok());

  const hid_t h5 = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(h5, 0);
  hsize_t fields = 0, records = 0;
  ASSERT_GE(H5TBget_table_info(h5, "values", &fields, &records), 0);
  EXPECT_EQ(records, kRows);
  EXPECT_EQ(fields, 4 + table.info->columns.size());  // image, mask, gobject, feature, then the columns
  std::vector<float> features(kRows * kLength, -1.0f);
  const std::size_t offset = 0, size = kLength * sizeof(float);
  ASSERT_GE(H5TBread_fields_name(h5, "values", "feature", 0, kRows, size, &offset, &size, features.data()), 0);
  std::vector<char> images(kRows * 2000);
  const std::size_t name_size = 2000;
  ASSERT_GE(H5TBread_fields_name(h5, "values", "image", 0, kRows, name_size, &offset, &name_size, images.data()), 0);
  std::vector<std::int16_t> statuses(kRows);
  const std::size_t status_size = sizeof(std::int16_t);
  ASSERT_GE(H5TBread_table(h5, "status", status_size, &offset, &status_size, statuses.data()), 0);
  H5Fclose(h5);
  std::filesystem::remove(file);

  for (std::size_t r = 0; r < kRows; ++r) {
    const bool failed = r % 100 == 7;
    ASSERT_EQ(statuses[r], failed ? 404 : 200) << r;
    ASSERT_EQ(std::string(images.data() + r * 2000), "/api/v1/images/" + std::to_string(r + 1));
    for (int i = 0; i < kLength; ++i) {
      ASSERT_EQ(features[r * kLength + i], failed ? 0.0f : static_cast<float>(r) * 100 + static_cast<float>(i))
          << r << " " << i;
    }
  }
}

}  // namespace
}  // namespace vitrine::features
