#include "auth/link_signature.h"

#include "core/digest.h"

namespace vitrine::auth {

std::string SignLink(std::string_view key, const LinkClaim& claim) {
  // Newline-separated: no field can contain one that would shift the others.
  return core::HmacSha256Hex(key, "vitrine-link\n" + claim.object + "\n" + std::to_string(claim.user) + "\n" +
                                      std::to_string(claim.expires_unix));
}

Status VerifyLink(std::string_view key, const LinkClaim& claim, std::string_view signature, std::int64_t now_unix) {
  if (claim.object.find('\n') != std::string::npos || !core::ConstantTimeEquals(SignLink(key, claim), signature)) {
    return Status::PermissionDenied("this link's signature does not match it: ask the API for a new link");
  }
  if (claim.expires_unix < now_unix) {
    return Status::PermissionDenied("this link expired " + std::to_string(now_unix - claim.expires_unix) +
                                    " s ago: ask the API for a new link");
  }
  return Status::Ok();
}

}  // namespace vitrine::auth
