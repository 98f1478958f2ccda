#include "auth/password.h"

#include <gtest/gtest.h>

namespace vitrine::auth {
namespace {

TEST(PasswordTest, DefaultParametersHashWithArgon2idAndVerify) {
  auto hash = HashPassword("correct horse battery");
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  EXPECT_TRUE(hash->starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << *hash;
  EXPECT_TRUE(VerifyPassword("correct horse battery", *hash));
  EXPECT_FALSE(VerifyPassword("correct horse batterY", *hash));
}

TEST(PasswordTest, SamePasswordGetsDifferentSalts) {
  PasswordHashParams light{1024, 1, 1};
  EXPECT_NE(*HashPassword("same password", light), *HashPassword("same password", light));
}

TEST(PasswordTest, RejectsTooShortAndTooLong) {
  EXPECT_EQ(HashPassword("short").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(HashPassword(std::string(kMaxPasswordLength + 1, 'x')).status().code(), ErrorCode::kInvalidArgument);
}

TEST(PasswordTest, MalformedStoredHashNeverMatches) {
  EXPECT_FALSE(VerifyPassword("anything", ""));
  EXPECT_FALSE(VerifyPassword("anything", "$argon2id$garbage"));
  EXPECT_FALSE(VerifyPassword("anything", "plaintext"));
}

}  // namespace
}  // namespace vitrine::auth
