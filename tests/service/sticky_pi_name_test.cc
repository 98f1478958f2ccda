#include "service/sticky_pi_name.h"

#include <gtest/gtest.h>

#include "core/time_format.h"

namespace vitrine::service {
namespace {

TEST(StickyPiNameTest, ValidNamesGiveDeviceAndUtcTime) {
  auto parsed = ParseStickyPiName("5C173FF2.2020-06-20_21-33-24.jpg");
  ASSERT_TRUE(parsed);
  ASSERT_TRUE(parsed->ok());
  EXPECT_EQ((*parsed)->device, "5c173ff2");
  EXPECT_EQ(core::FormatIso8601((*parsed)->captured_at), "2020-06-20T21:33:24Z");
}

TEST(StickyPiNameTest, OrdinaryNamesDoNotClaimTheConvention) {
  for (const char* name : {"photo.jpg", "scan.final.tif", "a.b.c.d", "2020-06-20.jpg", "cells.v2.png"}) {
    EXPECT_FALSE(ParseStickyPiName(name)) << name;
  }
}

TEST(StickyPiNameTest, BrokenClaimsAreErrors) {
  for (const char* name :
       {"5c173ff.2020-06-20_21-33-24.jpg", "5c173fgz.2020-06-20_21-33-24.jpg", "5c173ff2.2020-13-20_21-33-24.jpg",
        "5c173ff2.2020-02-30_21-33-24.jpg", "5c173ff2.2020-06-20_25-33-24.jpg", "5c173ff2.yesterday.jpg"}) {
    auto parsed = ParseStickyPiName(name);
    ASSERT_TRUE(parsed) << name;
    EXPECT_EQ(parsed->status().code(), ErrorCode::kInvalidArgument) << name;
  }
}

}  // namespace
}  // namespace vitrine::service
