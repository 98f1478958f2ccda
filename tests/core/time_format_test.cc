#include "core/time_format.h"

#include <gtest/gtest.h>

namespace vitrine::core {
namespace {

using std::chrono::seconds;

Timestamp At(std::int64_t unix_seconds, std::int64_t micros = 0) {
  return Timestamp(std::chrono::microseconds(unix_seconds * 1'000'000 + micros));
}

TEST(TimeFormatTest, Iso8601RoundTripsWithAndWithoutFraction) {
  EXPECT_EQ(FormatIso8601(At(1756807200)), "2025-09-02T10:00:00Z");
  EXPECT_EQ(FormatIso8601(At(1756807200, 1500)), "2025-09-02T10:00:00.001500Z");
  EXPECT_EQ(*ParseIso8601("2025-09-02T10:00:00.0015Z"), At(1756807200, 1500));
  EXPECT_EQ(*ParseIso8601(FormatIso8601(At(4102444799, 999999))), At(4102444799, 999999));
}

TEST(TimeFormatTest, Iso8601AcceptsOffsetsAndBareDates) {
  EXPECT_EQ(*ParseIso8601("2025-09-02T12:00:00+02:00"), At(1756807200));
  EXPECT_EQ(*ParseIso8601("2025-09-02T05:30:00-04:30"), At(1756807200));
  EXPECT_EQ(*ParseIso8601("2025-09-02"), At(1756771200));
}

TEST(TimeFormatTest, Iso8601RejectsGarbage) {
  for (const char* bad : {"", "2025", "2025-13-01", "2025-02-30", "2025-09-02T25:00:00Z", "2025-09-02T10:00:00Zjunk",
                          "yesterday", "2025-09-02T10:00:00.Z"}) {
    EXPECT_FALSE(ParseIso8601(bad).ok()) << bad;
  }
}

TEST(TimeFormatTest, HttpDateAcceptsGmtAndNumericZones) {
  // Cytomine's client sends "+0000" where RFC 7231 says "GMT"; both must parse.
  EXPECT_EQ(*ParseHttpDate("Tue, 02 Sep 2025 10:00:00 +0000"), At(1756807200));
  EXPECT_EQ(*ParseHttpDate("Tue, 02 Sep 2025 10:00:00 GMT"), At(1756807200));
  EXPECT_EQ(*ParseHttpDate("Tue, 02 Sep 2025 12:00:00 +0200"), At(1756807200));
  EXPECT_EQ(FormatHttpDate(At(1756807200)), "Tue, 02 Sep 2025 10:00:00 GMT");
}

TEST(TimeFormatTest, HttpDateRejectsGarbage) {
  for (const char* bad : {"", "Tue, 02 Foo 2025 10:00:00 GMT", "Tue, 02 Sep 2025 10:00 GMT",
                          "Tue, 02 Sep 2025 10:00:00 PST", "02 Sep 2025", "Tue, 31 Feb 2025 10:00:00 GMT"}) {
    EXPECT_FALSE(ParseHttpDate(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace vitrine::core
