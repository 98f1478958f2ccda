#include "core/parse_integer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace vitrine::core {
namespace {

TEST(ParseIntegerTest, ReadsTheWholeText) {
  EXPECT_EQ(ParseInteger<std::int64_t>("0"), 0);
  EXPECT_EQ(ParseInteger<std::int64_t>("42"), 42);
  EXPECT_EQ(ParseInteger<std::int64_t>("007"), 7);
  EXPECT_EQ(ParseInteger<int>("-17"), -17);
  EXPECT_EQ(ParseInteger<int>("-0"), 0);
  EXPECT_EQ(ParseInteger<unsigned>("65535"), 65535u);
}

TEST(ParseIntegerTest, EmptyIsNothing) {
  EXPECT_EQ(ParseInteger<std::int64_t>(""), std::nullopt);
  EXPECT_EQ(ParseInteger<unsigned>(""), std::nullopt);
  EXPECT_EQ(ParseInteger<int>("-"), std::nullopt);
}

TEST(ParseIntegerTest, SignsOnlyAsAllowed) {
  EXPECT_EQ(ParseInteger<int>("+5"), std::nullopt);
  EXPECT_EQ(ParseInteger<unsigned>("+5"), std::nullopt);
  EXPECT_EQ(ParseInteger<unsigned>("-5"), std::nullopt);
  EXPECT_EQ(ParseInteger<unsigned>("-0"), std::nullopt);
  EXPECT_EQ(ParseInteger<int>("--5"), std::nullopt);
  EXPECT_EQ(ParseInteger<int>("5-"), std::nullopt);
}

TEST(ParseIntegerTest, GarbageAnywhereIsNothing) {
  EXPECT_EQ(ParseInteger<std::int64_t>("12abc"), std::nullopt);
  EXPECT_EQ(ParseInteger<std::int64_t>("abc12"), std::nullopt);
  EXPECT_EQ(ParseInteger<std::int64_t>(" 12"), std::nullopt);
  EXPECT_EQ(ParseInteger<std::int64_t>("12 "), std::nullopt);
  EXPECT_EQ(ParseInteger<std::int64_t>("1.5"), std::nullopt);
  EXPECT_EQ(ParseInteger<std::int64_t>("1e3"), std::nullopt);
  EXPECT_EQ(ParseInteger<std::int64_t>("0x10"), std::nullopt);
  EXPECT_EQ(ParseInteger<std::int64_t>(std::string_view("1\0002", 3)), std::nullopt);  // an embedded NUL
}

TEST(ParseIntegerTest, OverflowIsNothing) {
  EXPECT_EQ(ParseInteger<std::int64_t>("9223372036854775807"), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(ParseInteger<std::int64_t>("-9223372036854775808"), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(ParseInteger<std::int64_t>("9223372036854775808"), std::nullopt);
  EXPECT_EQ(ParseInteger<std::int64_t>("-9223372036854775809"), std::nullopt);
  EXPECT_EQ(ParseInteger<std::int64_t>("99999999999999999999999999"), std::nullopt);
  EXPECT_EQ(ParseInteger<int>("2147483648"), std::nullopt);
  EXPECT_EQ(ParseInteger<unsigned>("4294967296"), std::nullopt);
  EXPECT_EQ(ParseInteger<std::uint8_t>("256"), std::nullopt);
  EXPECT_EQ(ParseInteger<std::uint8_t>("255"), 255);
}

TEST(ParseIntegerTest, ReadsOnlyTheViewNotPastIt) {
  const std::string text = "12345";
  EXPECT_EQ(ParseInteger<int>(std::string_view(text).substr(1, 2)), 23);
}

}  // namespace
}  // namespace vitrine::core
