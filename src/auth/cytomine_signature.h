// Cytomine-style HMAC request signatures (reference/cytomine.md §1.2).
//
// A client holds a key pair and sends `authorization: CYTOMINE <public>:<base64(HMAC-SHA1(private, S))>`
// with a `date` header. Two generations of the client sign different strings S:
//   with resource (client <= 3.1):  METHOD "\n" "" "\n" content-type "\n" date "\n" resource
//   without      (client >= 4.x):   METHOD "\n" "" "\n" content-type "\n" date
// where resource is the raw request-target ("/api/project.json?max=0&offset=0"). A server that
// tries both (and, like Cytomine-core, an empty content-type) authenticates every client version.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vitrine::auth {

struct SignedRequestParts {
  std::string_view method;
  std::string_view content_type;
  std::string_view date;
  std::string_view resource;  // raw request-target: path plus "?query" exactly as received
};

struct CytomineAuthorization {
  std::string public_key;
  std::string signature;  // base64
};

// base64(HMAC-SHA1(private_key, string_to_sign)).
std::string CytomineSignature(std::string_view private_key, std::string_view string_to_sign);

std::string StringToSignWithResource(const SignedRequestParts& parts);
std::string StringToSignWithoutResource(const SignedRequestParts& parts);

// Every string a genuine client could have signed for this request, most likely first.
std::vector<std::string> CandidateStringsToSign(const SignedRequestParts& parts);

// True iff `signature` matches one of the candidates under `private_key` (constant-time compare).
bool VerifyCytomineSignature(std::string_view private_key, const SignedRequestParts& parts, std::string_view signature);

// Parses "CYTOMINE pub:sig"; nullopt if the header is not of that form.
std::optional<CytomineAuthorization> ParseCytomineAuthorization(std::string_view header);

}  // namespace vitrine::auth
