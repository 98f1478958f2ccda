// The Authorization header (auth/basic_auth, auth/cytomine_signature) and the date header a
// signed request carries (core/time_format). Lines of the input: authorization, date, method,
// content-type, resource. Besides never crashing: a signature made with the key verifies.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "auth/basic_auth.h"
#include "auth/cytomine_signature.h"
#include "core/time_format.h"

namespace {

namespace auth = vitrine::auth;

void Check(bool condition) {
  if (!condition) std::abort();
}

std::string_view NextLine(std::string_view& text) {
  const auto newline = text.find('\n');
  const std::string_view line = text.substr(0, newline);
  text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string_view header = NextLine(input);
  const std::string_view date = NextLine(input);
  auth::SignedRequestParts parts{
      .method = NextLine(input), .content_type = NextLine(input), .date = date, .resource = NextLine(input)};

  if (auto basic = auth::ParseBasicAuthorization(header)) Check(!basic->username.empty());
  (void)vitrine::core::ParseHttpDate(date);

  auto signed_header = auth::ParseCytomineAuthorization(header);
  if (!signed_header) return 0;
  Check(!signed_header->public_key.empty() && !signed_header->signature.empty());
  constexpr std::string_view kPrivateKey = "fuzz-private-key";
  (void)auth::VerifyCytomineSignature(kPrivateKey, parts, signed_header->signature);
  for (const auto& candidate : auth::CandidateStringsToSign(parts)) {
    Check(auth::VerifyCytomineSignature(kPrivateKey, parts, auth::CytomineSignature(kPrivateKey, candidate)));
  }
  return 0;
}
