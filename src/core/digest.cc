#include "core/digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdlib>
#include <new>

namespace vitrine::core {

struct Digest::Ctx {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
};

Digest::Digest(DigestKind kind) : ctx_(std::make_unique<Ctx>()) {
  const EVP_MD* md = kind == DigestKind::kSha256 ? EVP_sha256() : EVP_md5();
  // Allocation failure here means the process is out of memory; nothing sensible remains to do.
  if (!ctx_->md || EVP_DigestInit_ex(ctx_->md.get(), md, nullptr) != 1) throw std::bad_alloc();
}
Digest::~Digest() = default;
Digest::Digest(Digest&&) noexcept = default;
Digest& Digest::operator=(Digest&&) noexcept = default;

void Digest::Update(std::string_view bytes) { EVP_DigestUpdate(ctx_->md.get(), bytes.data(), bytes.size()); }

std::string Digest::FinishHex() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_->md.get(), out, &len);
  return ToHex(std::string_view(reinterpret_cast<const char*>(out), len));
}

MultipartEtag::MultipartEtag(std::int64_t part_size) : part_size_(part_size), part_(DigestKind::kMd5) {}

void MultipartEtag::Update(std::string_view bytes) {
  while (!bytes.empty()) {
    if (in_part_ == part_size_) EndPart();
    const auto take = static_cast<std::size_t>(std::min<std::int64_t>(part_size_ - in_part_, bytes.size()));
    part_.Update(bytes.substr(0, take));
    in_part_ += static_cast<std::int64_t>(take);
    bytes.remove_prefix(take);
  }
}

void MultipartEtag::EndPart() {
  std::string hex = part_.FinishHex();
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    part_digests_.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  ++parts_;
  part_ = Digest(DigestKind::kMd5);
  in_part_ = 0;
}

std::string MultipartEtag::FinishHex() {
  // A part is only closed when bytes follow it, so one that ends exactly on a boundary counts once.
  if (parts_ == 0) return part_.FinishHex();
  EndPart();
  Digest whole(DigestKind::kMd5);
  whole.Update(part_digests_);
  return whole.FinishHex() + "-" + std::to_string(parts_);
}

std::string Sha256Hex(std::string_view bytes) {
  Digest d(DigestKind::kSha256);
  d.Update(bytes);
  return d.FinishHex();
}

std::string ToHex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

bool Base64Decode(std::string_view text, std::string& out) {
  out.clear();
  unsigned int acc = 0;
  int bits = 0;
  std::size_t padding = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+' || c == '-')
      v = 62;
    else if (c == '/' || c == '_')
      v = 63;
    else if (c == '=') {
      ++padding;
      continue;
    } else
      return false;
    if (padding > 0) return false;  // data after padding
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return padding <= 2;
}

std::string HmacSha256Hex(std::string_view key, std::string_view bytes) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(bytes.data()),
       bytes.size(), mac, &length);
  return ToHex(std::string_view(reinterpret_cast<const char*>(mac), length));
}

std::string RandomUrlToken(std::size_t bytes) {
  std::string raw(bytes, '\0');
  // Without a working random generator no secret we hand out would be safe: stop.
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) std::abort();
  std::string out = Base64Encode(raw);
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace vitrine::core
