// Links that carry their own authority: an object, the user the link speaks for and an expiry,
// signed with a server key (HMAC-SHA256). For clients that fetch what an answer names without
// sending credentials, as Sticky Pi's clients fetch S3's presigned URLs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "vitrine/status.h"

namespace vitrine::auth {

struct LinkClaim {
  std::string object;  // what the link opens, e.g. "image/12/thumbnail"
  std::int64_t user = 0;
  std::int64_t expires_unix = 0;
};

// The signature (64 hex digits) of `claim` under `key`.
std::string SignLink(std::string_view key, const LinkClaim& claim);

// kPermissionDenied when `signature` is not the claim's under `key` (a link edited in any part,
// or made for another object or user), or when the link expired before `now_unix`.
Status VerifyLink(std::string_view key, const LinkClaim& claim, std::string_view signature, std::int64_t now_unix);

}  // namespace vitrine::auth
