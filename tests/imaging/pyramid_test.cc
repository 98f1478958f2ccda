#include "imaging/pyramid.h"

#include <gtest/gtest.h>
#include <vips/vips.h>

#include <vector>

#include "imaging/init.h"
#include "support/sample_images.h"
#include "support/temp_dir.h"

namespace vitrine::imaging {
namespace {

class PyramidTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitializeImaging("vitrine-tests").ok());
    source_ = dir_.path() / "wide.png";
    testing::WriteSampleImage(source_, {.width = 3000, .height = 2000});
  }
  testing::TempDir dir_;
  std::filesystem::path source_;
};

TEST_F(PyramidTest, ReportsProgressUpToTheWholeAndWritesEveryLevel) {
  std::vector<int> percents;
  const auto out = dir_.path() / "pyramid.tif";
  Status s = BuildPyramid(source_, out, [&](int percent) { percents.push_back(percent); });
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_FALSE(percents.empty());
  for (std::size_t i = 1; i < percents.size(); ++i) EXPECT_LE(percents[i - 1], percents[i]);
  EXPECT_EQ(percents.back(), 100);
  VipsImage* image = vips_image_new_from_file(out.c_str(), nullptr);
  ASSERT_NE(image, nullptr);
  EXPECT_EQ(vips_image_get_n_pages(image), 5);  // 3000, 1500, 750, 375, 187 wide
  g_object_unref(image);
}

}  // namespace
}  // namespace vitrine::imaging
