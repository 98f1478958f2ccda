// AWS Signature Version 4 for S3: the canonical request, the signing key, the Authorization
// header and presigned (query-signed) URLs. Pure functions, no I/O, safe from any thread;
// tested against the examples AWS publishes in the S3 documentation.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vitrine::blob::s3 {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty unless the keys are temporary ones
};

using Params = std::vector<std::pair<std::string, std::string>>;

// What a signature covers. `path` is the request path as sent (already URI-encoded, starting
// with '/'); `query` and `headers` are raw (not encoded) names and values.
struct RequestToSign {
  std::string method;
  std::string host;  // host[:port], as in the Host header
  std::string path;
  Params query;
  Params headers;            // signed besides host; x-amz-date and x-amz-content-sha256 included
  std::string payload_hash;  // hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
};

// RFC 3986 encoding as SigV4 wants it: unreserved characters stay, everything else is %XX
// (uppercase); '/' stays when `keep_slash` (object keys in paths).
std::string UriEncode(std::string_view text, bool keep_slash);
// "name=value&..." sorted by encoded name then value, every name with '='.
std::string CanonicalQuery(const Params& query);
// "20130524T000000Z" (UTC).
std::string AmzDate(std::chrono::system_clock::time_point t);
// Hex SHA-256 of the empty string: the payload hash of a request without a body.
inline constexpr std::string_view kEmptyPayloadHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string CanonicalRequest(const RequestToSign& request);
// The hex signature of `canonical_request` made at `amz_date` for `region`'s S3.
std::string Signature(const Credentials& credentials, std::string_view region, std::string_view amz_date,
                      std::string_view canonical_request);

// The Authorization header's value for `request`, whose headers must already hold x-amz-date
// (equal to `amz_date`) and x-amz-content-sha256.
std::string AuthorizationHeader(const Credentials& credentials, std::string_view region, std::string_view amz_date,
                                const RequestToSign& request);

// The query string (without '?') that makes a GET of `path` on `host` valid for `expires`
// from `amz_date` without any header: X-Amz-Algorithm ... X-Amz-Signature.
std::string PresignGetQuery(const Credentials& credentials, std::string_view region, std::string_view amz_date,
                            std::string_view host, std::string_view path, std::chrono::seconds expires);

}  // namespace vitrine::blob::s3
