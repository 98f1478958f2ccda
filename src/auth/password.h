// Password hashing with argon2id (libargon2), in the self-describing PHC string format
// ("$argon2id$v=19$m=...,t=...,p=...$salt$hash"), so parameters can be raised later without
// invalidating stored hashes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "vitrine/status.h"

namespace vitrine::auth {

struct PasswordHashParams {
  // OWASP's 2023 recommendation for argon2id: 19 MiB, 2 passes, 1 lane.
  std::uint32_t memory_kib = 19 * 1024;
  std::uint32_t passes = 2;
  std::uint32_t lanes = 1;
};

// Passwords shorter than this are refused at creation.
inline constexpr std::size_t kMinPasswordLength = 8;
inline constexpr std::size_t kMaxPasswordLength = 1024;

Result<std::string> HashPassword(std::string_view password, const PasswordHashParams& params = {});
// True iff `password` matches `encoded`. A malformed `encoded` never matches.
bool VerifyPassword(std::string_view password, const std::string& encoded);
// kInvalidArgument naming the rule when the password is too short or too long.
Status CheckPasswordStrength(std::string_view password);

}  // namespace vitrine::auth
