#include "core/ascii.h"

#include <gtest/gtest.h>

namespace vitrine::core {
namespace {

TEST(AsciiTest, LowercaseTurnsOnlyAsciiLetters) {
  EXPECT_EQ(Lowercase(""), "");
  EXPECT_EQ(Lowercase("Content-Type"), "content-type");
  EXPECT_EQ(Lowercase("ADMIN_42 @[`{"), "admin_42 @[`{");
  EXPECT_EQ(Lowercase(".TIFF"), ".tiff");
  EXPECT_EQ(Lowercase("\xC3\x89T\xC3\x89"), "\xC3\x89t\xC3\x89");  // "ÉTÉ": the UTF-8 bytes stay
}

}  // namespace
}  // namespace vitrine::core
