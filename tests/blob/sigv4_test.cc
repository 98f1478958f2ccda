// The SigV4 signer against the examples in AWS's S3 documentation ("Signature Calculations
// for the Authorization Header" and "Authenticating Requests: Using Query Parameters").
#include "blob/s3/sigv4.h"

#include <gtest/gtest.h>

namespace vitrine::blob::s3 {
namespace {

const Credentials kExampleKeys{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
constexpr std::string_view kDate = "20130524T000000Z";
constexpr std::string_view kHost = "examplebucket.s3.amazonaws.com";

std::string SignatureOf(const std::string& authorization) {
  return authorization.substr(authorization.find("Signature=") + 10);
}

TEST(SigV4, GetObjectWithRange) {
  RequestToSign request{"GET",
                        std::string(kHost),
                        "/test.txt",
                        {},
                        {{"Range", "bytes=0-9"},
                         {"x-amz-content-sha256", std::string(kEmptyPayloadHash)},
                         {"x-amz-date", std::string(kDate)}},
                        std::string(kEmptyPayloadHash)};
  EXPECT_EQ(CanonicalRequest(request),
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  std::string authorization = AuthorizationHeader(kExampleKeys, "us-east-1", kDate, request);
  EXPECT_EQ(authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, PutObjectWithEncodedKey) {
  RequestToSign request{"PUT",
                        std::string(kHost),
                        "/" + UriEncode("test$file.text", true),
                        {},
                        {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                         {"x-amz-date", std::string(kDate)},
                         {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                         {"x-amz-content-sha256", "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"}},
                        "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"};
  EXPECT_EQ(request.path, "/test%24file.text");
  EXPECT_EQ(SignatureOf(AuthorizationHeader(kExampleKeys, "us-east-1", kDate, request)),
            "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4, QueryParametersWithAndWithoutValues) {
  Params headers{{"x-amz-date", std::string(kDate)}, {"x-amz-content-sha256", std::string(kEmptyPayloadHash)}};
  RequestToSign lifecycle{"GET", std::string(kHost), "/", {{"lifecycle", ""}}, headers, std::string(kEmptyPayloadHash)};
  EXPECT_EQ(SignatureOf(AuthorizationHeader(kExampleKeys, "us-east-1", kDate, lifecycle)),
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
  RequestToSign list{
      "GET", std::string(kHost), "/", {{"prefix", "J"}, {"max-keys", "2"}}, headers, std::string(kEmptyPayloadHash)};
  EXPECT_EQ(SignatureOf(AuthorizationHeader(kExampleKeys, "us-east-1", kDate, list)),
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4, PresignedGet) {
  std::string query = PresignGetQuery(kExampleKeys, "us-east-1", kDate, kHost, "/test.txt", std::chrono::hours(24));
  EXPECT_EQ(query,
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2F"
            "aws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature="
            "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST(SigV4, EncodingAndCanonicalQuery) {
  EXPECT_EQ(UriEncode("a b/c~d*e", false), "a%20b%2Fc~d%2Ae");
  EXPECT_EQ(UriEncode("a b/c", true), "a%20b/c");
  EXPECT_EQ(CanonicalQuery({{"uploadId", "x y"}, {"partNumber", "2"}, {"uploads", ""}}),
            "partNumber=2&uploadId=x%20y&uploads=");
  EXPECT_EQ(AmzDate(std::chrono::system_clock::time_point(std::chrono::seconds(1369353600))), "20130524T000000Z");
}

}  // namespace
}  // namespace vitrine::blob::s3
