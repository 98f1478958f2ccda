#include "auth/cytomine_signature.h"

#include <gtest/gtest.h>

#include "auth/basic_auth.h"

namespace vitrine::auth {
namespace {

constexpr const char* kDate = "Tue, 02 Sep 2025 10:00:00 +0000";

// The test vectors of reference/cytomine.md §1.2 (private key "PRIVATE-KEY").
TEST(CytomineSignatureTest, ReferenceVectors) {
  EXPECT_EQ(CytomineSignature("PRIVATE-KEY", std::string("GET\n\n\n") + kDate + "\n/api/user/current.json"),
            "yr9tCs9a96eXQFzE4C9t4m+/3es=");
  EXPECT_EQ(CytomineSignature("PRIVATE-KEY", std::string("GET\n\n\n") + kDate + "\n/api/project.json?max=0&offset=0"),
            "ITRUkiTosJWsV5E6j7ZoV7GbVko=");
  EXPECT_EQ(
      CytomineSignature("PRIVATE-KEY", std::string("POST\n\napplication/json\n") + kDate + "\n/api/annotation.json"),
      "hSJse2hTpqb9sN70I1rhs1v2YvQ=");
  EXPECT_EQ(CytomineSignature("PRIVATE-KEY", std::string("GET\n\napplication/json\n") + kDate +
                                                 "\n/api/imageinstance/5/thumb.jpg?maxSize=256&bits=8"),
            "5xgSDXvLUNTJwSW2uZNcZMQqabc=");
  EXPECT_EQ(CytomineSignature("PRIVATE-KEY", std::string("GET\n\n\n") + kDate), "eq8+pko8yU+qx6P4z8n0CIZjlH8=");
}

TEST(CytomineSignatureTest, StringsToSignMatchBothClientGenerations) {
  SignedRequestParts parts{"GET", "", kDate, "/api/project.json?max=0&offset=0"};
  EXPECT_EQ(StringToSignWithResource(parts), std::string("GET\n\n\n") + kDate + "\n/api/project.json?max=0&offset=0");
  EXPECT_EQ(StringToSignWithoutResource(parts), std::string("GET\n\n\n") + kDate);
  EXPECT_TRUE(VerifyCytomineSignature("PRIVATE-KEY", parts, "ITRUkiTosJWsV5E6j7ZoV7GbVko="));  // client <= 3.1
  EXPECT_TRUE(VerifyCytomineSignature("PRIVATE-KEY", parts, "eq8+pko8yU+qx6P4z8n0CIZjlH8="));  // client 4.x
}

TEST(CytomineSignatureTest, RejectsWrongKeyTamperedPathAndMethod) {
  SignedRequestParts parts{"GET", "", kDate, "/api/project.json?max=0&offset=0"};
  EXPECT_FALSE(VerifyCytomineSignature("OTHER-KEY", parts, "ITRUkiTosJWsV5E6j7ZoV7GbVko="));
  SignedRequestParts tampered = parts;
  tampered.resource = "/api/project.json?max=0&offset=1";
  EXPECT_FALSE(VerifyCytomineSignature("PRIVATE-KEY", tampered, "ITRUkiTosJWsV5E6j7ZoV7GbVko="));
  SignedRequestParts other_method = parts;
  other_method.method = "DELETE";
  EXPECT_FALSE(VerifyCytomineSignature("PRIVATE-KEY", other_method, "ITRUkiTosJWsV5E6j7ZoV7GbVko="));
}

TEST(CytomineSignatureTest, AcceptsSignatureMadeWithoutTheContentTypeSent) {
  // Like Cytomine-core: a client may send a content-type it did not sign.
  SignedRequestParts parts{"GET", "application/json", kDate, "/api/user/current.json"};
  EXPECT_TRUE(VerifyCytomineSignature("PRIVATE-KEY", parts, "yr9tCs9a96eXQFzE4C9t4m+/3es="));
}

TEST(CytomineSignatureTest, ParsesAuthorizationHeader) {
  auto parsed = ParseCytomineAuthorization("CYTOMINE pub-123:abc+/=");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->public_key, "pub-123");
  EXPECT_EQ(parsed->signature, "abc+/=");
  for (const char* bad : {"", "CYTOMINE", "CYTOMINE nocolon", "CYTOMINE :sig", "CYTOMINE pub:", "Bearer x:y"}) {
    EXPECT_FALSE(ParseCytomineAuthorization(bad)) << bad;
  }
}

TEST(BasicAuthTest, ParsesAndRejects) {
  auto creds = ParseBasicAuthorization("Basic YWxpY2U6czNjcjN0OndpdGg6Y29sb25z");
  ASSERT_TRUE(creds);
  EXPECT_EQ(creds->username, "alice");
  EXPECT_EQ(creds->password, "s3cr3t:with:colons");
  EXPECT_TRUE(ParseBasicAuthorization("basic YWxpY2U6eA=="));
  for (const char* bad : {"", "Basic", "Basic !!!", "Basic bm9jb2xvbg==", "Basic OnBhc3M=", "Bearer YWxpY2U6eA=="}) {
    EXPECT_FALSE(ParseBasicAuthorization(bad)) << bad;
  }
}

}  // namespace
}  // namespace vitrine::auth
