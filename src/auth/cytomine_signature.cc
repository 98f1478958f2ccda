#include "auth/cytomine_signature.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/digest.h"

namespace vitrine::auth {

std::string CytomineSignature(std::string_view private_key, std::string_view string_to_sign) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha1(), private_key.data(), static_cast<int>(private_key.size()),
       reinterpret_cast<const unsigned char*>(string_to_sign.data()), string_to_sign.size(), mac, &mac_len);
  return core::Base64Encode(std::string_view(reinterpret_cast<const char*>(mac), mac_len));
}

std::string StringToSignWithoutResource(const SignedRequestParts& p) {
  std::string s;
  s.reserve(p.method.size() + p.content_type.size() + p.date.size() + 4);
  s.append(p.method).append("\n\n").append(p.content_type).append("\n").append(p.date);
  return s;
}

std::string StringToSignWithResource(const SignedRequestParts& p) {
  return StringToSignWithoutResource(p).append("\n").append(p.resource);
}

std::vector<std::string> CandidateStringsToSign(const SignedRequestParts& parts) {
  std::vector<std::string> out = {StringToSignWithResource(parts), StringToSignWithoutResource(parts)};
  if (!parts.content_type.empty()) {
    // Cytomine-core retries with an empty content type for clients that sign none but send one.
    SignedRequestParts without_type = parts;
    without_type.content_type = "";
    out.push_back(StringToSignWithResource(without_type));
    out.push_back(StringToSignWithoutResource(without_type));
  }
  return out;
}

bool VerifyCytomineSignature(std::string_view private_key, const SignedRequestParts& parts,
                             std::string_view signature) {
  bool matched = false;
  for (const auto& candidate : CandidateStringsToSign(parts)) {
    matched |= core::ConstantTimeEquals(CytomineSignature(private_key, candidate), signature);
  }
  return matched;
}

std::optional<CytomineAuthorization> ParseCytomineAuthorization(std::string_view header) {
  constexpr std::string_view kScheme = "CYTOMINE ";
  if (header.substr(0, kScheme.size()) != kScheme) return std::nullopt;
  header.remove_prefix(kScheme.size());
  auto colon = header.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == header.size()) return std::nullopt;
  return CytomineAuthorization{std::string(header.substr(0, colon)), std::string(header.substr(colon + 1))};
}

}  // namespace vitrine::auth
