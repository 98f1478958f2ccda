#include "auth/link_signature.h"

#include <gtest/gtest.h>

namespace vitrine::auth {
namespace {

constexpr std::string_view kKey = "a-server-key-of-enough-length-0123456789";

TEST(LinkSignatureTest, AValidLinkVerifiesUntilItExpires) {
  LinkClaim claim{"image/12/thumbnail", 3, 1'000'000};
  std::string signature = SignLink(kKey, claim);
  EXPECT_EQ(signature.size(), 64u);
  EXPECT_TRUE(VerifyLink(kKey, claim, signature, 999'999).ok());
  EXPECT_TRUE(VerifyLink(kKey, claim, signature, 1'000'000).ok()) << "valid through its last second";
  Status expired = VerifyLink(kKey, claim, signature, 1'000'001);
  EXPECT_EQ(expired.code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(expired.message().find("expired"), std::string::npos);
}

TEST(LinkSignatureTest, EveryPartOfTheClaimIsBound) {
  const LinkClaim claim{"image/12/thumbnail", 3, 1'000'000};
  const std::string signature = SignLink(kKey, claim);
  for (const LinkClaim& other :
       {LinkClaim{"image/13/thumbnail", 3, 1'000'000}, LinkClaim{"image/12/image", 3, 1'000'000},
        LinkClaim{"image/12/thumbnail", 4, 1'000'000}, LinkClaim{"image/12/thumbnail", 3, 2'000'000}}) {
    Status s = VerifyLink(kKey, other, signature, 0);
    EXPECT_EQ(s.code(), ErrorCode::kPermissionDenied) << other.object << " " << other.user << " " << other.expires_unix;
    EXPECT_NE(s.message().find("signature"), std::string::npos);
  }
  EXPECT_FALSE(VerifyLink("another-key-of-enough-length-0123456789", claim, signature, 0).ok());
  std::string flipped = signature;
  flipped[10] = flipped[10] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(VerifyLink(kKey, claim, flipped, 0).ok());
  EXPECT_FALSE(VerifyLink(kKey, claim, "", 0).ok());
}

TEST(LinkSignatureTest, ANewlineCannotShiftTheFields) {
  // "image/1\n2" with user 3 must not sign like "image/1" with user "2\n3".
  const LinkClaim claim{"image/1\n2", 3, 100};
  EXPECT_FALSE(VerifyLink(kKey, claim, SignLink(kKey, claim), 0).ok());
}

}  // namespace
}  // namespace vitrine::auth
