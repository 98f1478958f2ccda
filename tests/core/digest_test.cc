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

// The expected values are Python's hashlib over the same bytes (the part digests' rule by hand).
TEST(DigestTest, MultipartEtagIsThePlainMd5ForOnePartAndS3sFormForMore) {
  std::string bytes;
  for (int i = 0; i < 1024; ++i) bytes.push_back(static_cast<char>(i % 256));
  auto etag = [&](std::string_view data, std::int64_t part, std::size_t feed) {
    MultipartEtag e(part);
    for (std::size_t at = 0; at < data.size(); at += feed) e.Update(data.substr(at, feed));
    return e.FinishHex();
  };
  EXPECT_EQ(etag(bytes, 1024, 7), "b2ea9f7fcea831a4a63b213f41a8855b") << "exactly one part: the file's MD5";
  EXPECT_EQ(etag(bytes, 300, 1000), "1e6d126440597ba7a5a3d05df01164bf-4");
  EXPECT_EQ(etag(bytes, 300, 1), "1e6d126440597ba7a5a3d05df01164bf-4") << "however the bytes arrive";
  EXPECT_EQ(etag(std::string_view(bytes).substr(0, 600), 300, 64), "6332cfeb3eaecf3833c994fd6481f346-2")
      << "a file ending on a part boundary has no empty last part";
  EXPECT_EQ(MultipartEtag(300).FinishHex(), "d41d8cd98f00b204e9800998ecf8427e");
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
