// Sticky Pi's protocol on Vitrine's server (docs/compat/stickypi.md): the POST routes that
// sticky_pi_api's RemoteClient calls at the server's root (`/get_token`, `/get_images/<what>`,
// `/_put_new_images`, ...), translated onto the service layer. Sticky Pi images are Vitrine
// images of one project, found by its property `sticky_pi=project`; detector results are
// annotation runs; image links are signed URLs that need no credentials.
#pragma once

#include <chrono>
#include <string>

#include "http/router.h"
#include "service/service.h"

namespace vitrine::compat::stickypi {

struct StickyPiOptions {
  // The name the Sticky Pi project gets when the first Sticky Pi write makes it.
  std::string project_name = "Sticky Pi";
  // Signs the image links handed to clients (auth/link_signature.h); servers sharing a catalog
  // must share it. At least kMinLinkKeySize bytes.
  std::string link_key;
  std::chrono::seconds link_lifetime{std::chrono::hours(1)};
};

inline constexpr std::size_t kMinLinkKeySize = 32;

// `service` must outlive the router. kInvalidArgument (and no route added) for a short link key.
Status AddStickyPiRoutes(http::Router& router, service::Service& service, StickyPiOptions options);

}  // namespace vitrine::compat::stickypi
