#include "auth/password.h"

#include <argon2.h>
#include <openssl/rand.h>

#include <array>
#include <string>

namespace vitrine::auth {

Result<std::string> HashPassword(std::string_view password, const PasswordHashParams& params) {
  VITRINE_RETURN_IF_ERROR(CheckPasswordStrength(password));
  std::array<unsigned char, 16> salt;
  if (RAND_bytes(salt.data(), salt.size()) != 1) return Status::Internal("random generator failed");
  constexpr std::size_t kHashLength = 32;
  std::size_t encoded_len =
      argon2_encodedlen(params.passes, params.memory_kib, params.lanes, salt.size(), kHashLength, Argon2_id);
  std::string encoded(encoded_len, '\0');
  int rc = argon2id_hash_encoded(params.passes, params.memory_kib, params.lanes, password.data(), password.size(),
                                 salt.data(), salt.size(), kHashLength, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) return Status::Internal(std::string("argon2 failed: ") + argon2_error_message(rc));
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool VerifyPassword(std::string_view password, const std::string& encoded) {
  if (password.size() > kMaxPasswordLength || encoded.rfind("$argon2id$", 0) != 0) return false;
  bool matched = argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
  return matched;
}

Status CheckPasswordStrength(std::string_view password) {
  if (password.size() < kMinPasswordLength) {
    return Status::InvalidArgument("password must be at least " + std::to_string(kMinPasswordLength) + " characters");
  }
  if (password.size() > kMaxPasswordLength) {
    return Status::InvalidArgument("password must be at most " + std::to_string(kMaxPasswordLength) + " characters");
  }
  return Status::Ok();
}

}  // namespace vitrine::auth
