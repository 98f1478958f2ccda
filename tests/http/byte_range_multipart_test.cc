#include <gtest/gtest.h>

#include "http/byte_range.h"
#include "http/multipart.h"

namespace vitrine::http {
namespace {

TEST(ByteRangeTest, ResolvesTheThreeForms) {
  auto first = ResolveRange("bytes=0-9", 100);
  ASSERT_TRUE(first.ok() && *first);
  EXPECT_EQ((*first)->offset, 0);
  EXPECT_EQ((*first)->length, 10);
  auto open = ResolveRange("bytes=90-", 100);
  EXPECT_EQ((*open)->length, 10);
  auto suffix = ResolveRange("bytes=-30", 100);
  EXPECT_EQ((*suffix)->offset, 70);
  EXPECT_EQ((*suffix)->length, 30);
  auto clipped = ResolveRange("bytes=95-500", 100);
  EXPECT_EQ((*clipped)->length, 5);
  auto long_suffix = ResolveRange("bytes=-500", 100);
  EXPECT_EQ((*long_suffix)->offset, 0);
}

TEST(ByteRangeTest, AbsentOrMultipleMeansWholeBody) {
  EXPECT_FALSE(*ResolveRange("", 100));
  EXPECT_FALSE(*ResolveRange("bytes=0-1,5-6", 100));
}

TEST(ByteRangeTest, UnsatisfiableAndMalformedAreErrors) {
  for (const char* bad : {"bytes=100-", "bytes=100-200", "bytes=5-2", "bytes=-0", "bytes=abc", "items=0-1", "bytes=0",
                          "bytes=-", "bytes=1-x"}) {
    EXPECT_FALSE(ResolveRange(bad, 100).ok()) << bad;
  }
  EXPECT_FALSE(ResolveRange("bytes=0-0", 0).ok());
}

class Collector : public MultipartHandler {
 public:
  Status OnPartBegin(const MultipartPart& part) override {
    parts.push_back({part.name, part.filename, part.content_type, ""});
    return Status::Ok();
  }
  Status OnPartData(std::string_view bytes) override {
    parts.back().data.append(bytes);
    ++data_calls;
    return Status::Ok();
  }
  Status OnPartEnd() override {
    ++ends;
    return Status::Ok();
  }
  struct Got {
    std::string name, filename, type, data;
  };
  std::vector<Got> parts;
  int data_calls = 0;
  int ends = 0;
};

std::string Body(const std::string& file_data) {
  return "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"metadata\"\r\n"
         "Content-Type: application/json\r\n\r\n{\"a\":1}\r\n--XyZ\r\n"
         "Content-Disposition: form-data; name=\"file\"; filename=\"a;b.jpg\"\r\n\r\n" +
         file_data + "\r\n--XyZ--\r\nepilogue";
}

TEST(MultipartTest, ParsesPartsWhateverTheChunking) {
  std::string data;
  for (int i = 0; i < 5000; ++i) data += static_cast<char>(i % 251);
  data += "\r\n--Xy-not-quite";  // starts like a delimiter but is not one
  std::string body = Body(data);
  for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{7}, std::size_t{64}, body.size()}) {
    Collector c;
    MultipartParser parser("XyZ", c);
    for (std::size_t i = 0; i < body.size(); i += chunk) ASSERT_TRUE(parser.Feed(body.substr(i, chunk)).ok());
    ASSERT_TRUE(parser.Finish().ok()) << chunk;
    ASSERT_EQ(c.parts.size(), 2u);
    EXPECT_EQ(c.parts[0].name, "metadata");
    EXPECT_EQ(c.parts[0].type, "application/json");
    EXPECT_EQ(c.parts[0].data, "{\"a\":1}");
    EXPECT_EQ(c.parts[1].filename, "a;b.jpg");
    EXPECT_EQ(c.parts[1].data, data) << "chunk size " << chunk;
    EXPECT_EQ(c.ends, 2);
  }
}

// Found by tests/fuzz/multipart_fuzz: with the preamble's "--XyZ" at the start of a chunk,
// the parser took it for the opening boundary and refused the body.
TEST(MultipartTest, OnlyTheBodysStartOpensWithoutCrlf) {
  const std::string body = "see --XyZ;\r\n--XyZ\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv\r\n--XyZ--";
  for (std::size_t chunk = 1; chunk <= body.size(); ++chunk) {
    Collector c;
    MultipartParser parser("XyZ", c);
    for (std::size_t i = 0; i < body.size(); i += chunk) ASSERT_TRUE(parser.Feed(body.substr(i, chunk)).ok()) << chunk;
    ASSERT_TRUE(parser.Finish().ok()) << chunk;
    ASSERT_EQ(c.parts.size(), 1u) << chunk;
    EXPECT_EQ(c.parts[0].name, "x");
    EXPECT_EQ(c.parts[0].data, "v");
  }
  Collector c;
  MultipartParser parser("XyZ", c);
  ASSERT_TRUE(parser.Feed("-").ok());
  ASSERT_TRUE(parser.Feed("-XyZ\r\nContent-Disposition: form-data; name=\"y\"\r\n\r\nv\r\n--XyZ--").ok());
  EXPECT_TRUE(parser.Finish().ok());
  EXPECT_EQ(c.parts.size(), 1u);
}

TEST(MultipartTest, TruncatedBodyAndBadBoundariesAreErrors) {
  std::string body = Body("data");
  Collector c;
  MultipartParser parser("XyZ", c);
  ASSERT_TRUE(parser.Feed(body.substr(0, body.size() / 2)).ok());
  EXPECT_FALSE(parser.Finish().ok());
  EXPECT_TRUE(MultipartParser::BoundaryOf("multipart/form-data; boundary=\"abc\"").ok());
  EXPECT_EQ(*MultipartParser::BoundaryOf("multipart/form-data; boundary=abc"), "abc");
  EXPECT_FALSE(MultipartParser::BoundaryOf("multipart/form-data").ok());
  EXPECT_FALSE(MultipartParser::BoundaryOf("text/plain; boundary=abc").ok());
}

}  // namespace
}  // namespace vitrine::http
