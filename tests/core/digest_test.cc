#include "core/digest.h"

#include <gtest/gtest.h>

#include "core/byte_stream.h"

namespace vitrine::core {
namespace {

TEST(DigestTest, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Digest md5(DigestKind::kMd5);
  md5.Update("a");
  md5.Update("bc");
  EXPECT_EQ(md5.FinishHex(), "900150983cd24fb0d6963f7d28e17f72");
}

TEST(DigestTest, Base64RoundTripsAndAcceptsUrlAlphabet) {
  EXPECT_EQ(Base64Encode("user:pass"), "dXNlcjpwYXNz");
  std::string out;
  ASSERT_TRUE(Base64Decode("dXNlcjpwYXNz", out));
  EXPECT_EQ(out, "user:pass");
  ASSERT_TRUE(Base64Decode("-_8", out));
  EXPECT_EQ(out, "\xfb\xff");
  EXPECT_FALSE(Base64Decode("ab$c", out));
  EXPECT_FALSE(Base64Decode("ab=c", out));
}

TEST(DigestTest, RandomTokensAreUrlSafeAndDistinct) {
  std::string a = RandomUrlToken(32), b = RandomUrlToken(32);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 43u);
  EXPECT_EQ(a.find_first_of("+/="), std::string::npos);
}

TEST(ByteStreamTest, ReadAllStopsAtTheLimit) {
  std::string data(1000, 'x');
  StringSource small(data);
  EXPECT_EQ(*ReadAll(small, 1000), data);
  StringSource big(data);
  EXPECT_EQ(ReadAll(big, 999).status().code(), ErrorCode::kTooLarge);
}

}  // namespace
}  // namespace vitrine::core
