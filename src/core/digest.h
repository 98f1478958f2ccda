// Incremental message digests (SHA-256 for identity, MD5 for the protocols that want it) and
// the small encodings that go with them. Wraps OpenSSL's EVP interface.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace vitrine::core {

enum class DigestKind { kSha256, kMd5 };

// Feed bytes with Update, read the lowercase hex digest with FinishHex (once).
// Not safe for concurrent use.
class Digest {
 public:
  explicit Digest(DigestKind kind);
  ~Digest();
  Digest(Digest&&) noexcept;
  Digest& operator=(Digest&&) noexcept;

  void Update(std::string_view bytes);
  std::string FinishHex();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

// The ETag S3 gives an object uploaded in parts of `part_size` bytes, which tools compare files
// by: the MD5 of the bytes when they fit one part, else the MD5 of the parts' binary MD5s
// followed by "-<number of parts>". Feed bytes with Update, read it with FinishHex (once).
class MultipartEtag {
 public:
  static constexpr std::int64_t kDefaultPartSize = std::int64_t{15} << 20;  // what Sticky Pi's clients use
  explicit MultipartEtag(std::int64_t part_size = kDefaultPartSize);

  void Update(std::string_view bytes);
  std::string FinishHex();

 private:
  void EndPart();
  std::int64_t part_size_;
  std::int64_t in_part_ = 0;
  Digest part_;
  std::string part_digests_;  // binary
  std::int64_t parts_ = 0;
};

std::string Sha256Hex(std::string_view bytes);
std::string ToHex(std::string_view bytes);
// HMAC-SHA-256 of `bytes` under `key`, lowercase hex.
std::string HmacSha256Hex(std::string_view key, std::string_view bytes);

// Standard base64 with padding (RFC 4648 §4).
std::string Base64Encode(std::string_view bytes);
// Accepts standard and URL-safe alphabets, with or without padding; nullopt-like empty+false on bad input.
bool Base64Decode(std::string_view text, std::string& out);

// `bytes` cryptographically random bytes, as URL-safe base64 without padding.
std::string RandomUrlToken(std::size_t bytes);

// Compares in time independent of where the inputs differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace vitrine::core
