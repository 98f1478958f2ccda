#include "blob/s3/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <ctime>

#include "core/ascii.h"
#include "core/digest.h"

namespace vitrine::blob::s3 {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), mac, &length);
  return std::string(reinterpret_cast<const char*>(mac), length);
}

std::string Scope(std::string_view region, std::string_view amz_date) {
  return std::string(amz_date.substr(0, 8)) + "/" + std::string(region) + "/s3/aws4_request";
}

std::string Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return std::string(text);
}

// Canonical headers (lowercase names, sorted, trimmed values) and the signed-header list.
std::pair<std::string, std::string> CanonicalHeaders(const RequestToSign& request) {
  Params headers{{"host", request.host}};
  for (const auto& [name, value] : request.headers) headers.emplace_back(core::Lowercase(name), Trim(value));
  std::sort(headers.begin(), headers.end());
  std::string canonical, signed_names;
  for (const auto& [name, value] : headers) {
    canonical += name + ":" + value + "\n";
    signed_names += (signed_names.empty() ? "" : ";") + name;
  }
  return {canonical, signed_names};
}

std::string SignedHeaderNames(const RequestToSign& request) { return CanonicalHeaders(request).second; }

}  // namespace

std::string UriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '_' || c == '.' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string CanonicalQuery(const Params& query) {
  Params encoded;
  for (const auto& [name, value] : query) encoded.emplace_back(UriEncode(name, false), UriEncode(value, false));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) out += (out.empty() ? "" : "&") + name + "=" + value;
  return out;
}

std::string AmzDate(std::chrono::system_clock::time_point t) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm utc;
  gmtime_r(&seconds, &utc);
  char text[20];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

std::string CanonicalRequest(const RequestToSign& request) {
  auto [headers, signed_names] = CanonicalHeaders(request);
  return request.method + "\n" + request.path + "\n" + CanonicalQuery(request.query) + "\n" + headers + "\n" +
         signed_names + "\n" + request.payload_hash;
}

std::string Signature(const Credentials& credentials, std::string_view region, std::string_view amz_date,
                      std::string_view canonical_request) {
  std::string string_to_sign = std::string(kAlgorithm) + "\n" + std::string(amz_date) + "\n" + Scope(region, amz_date) +
                               "\n" + core::Sha256Hex(canonical_request);
  std::string key = Hmac("AWS4" + credentials.secret_access_key, amz_date.substr(0, 8));
  key = Hmac(key, region);
  key = Hmac(key, "s3");
  key = Hmac(key, "aws4_request");
  return core::ToHex(Hmac(key, string_to_sign));
}

std::string AuthorizationHeader(const Credentials& credentials, std::string_view region, std::string_view amz_date,
                                const RequestToSign& request) {
  return std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" + Scope(region, amz_date) +
         ",SignedHeaders=" + SignedHeaderNames(request) +
         ",Signature=" + Signature(credentials, region, amz_date, CanonicalRequest(request));
}

std::string PresignGetQuery(const Credentials& credentials, std::string_view region, std::string_view amz_date,
                            std::string_view host, std::string_view path, std::chrono::seconds expires) {
  RequestToSign request{"GET", std::string(host), std::string(path), {}, {}, "UNSIGNED-PAYLOAD"};
  request.query = {{"X-Amz-Algorithm", std::string(kAlgorithm)},
                   {"X-Amz-Credential", credentials.access_key_id + "/" + Scope(region, amz_date)},
                   {"X-Amz-Date", std::string(amz_date)},
                   {"X-Amz-Expires", std::to_string(expires.count())},
                   {"X-Amz-SignedHeaders", "host"}};
  if (!credentials.session_token.empty()) request.query.emplace_back("X-Amz-Security-Token", credentials.session_token);
  std::string signature = Signature(credentials, region, amz_date, CanonicalRequest(request));
  return CanonicalQuery(request.query) + "&X-Amz-Signature=" + signature;
}

}  // namespace vitrine::blob::s3
