// A folder of web assets served read-only under a path prefix (`vitrine serve --web DIR`): the
// browser viewer's page and its scripts, from the same origin as the API, so its sign-in cookie
// (SameSite=Strict) and its requests need no CORS. No authentication: put nothing private there.
#pragma once

#include <filesystem>
#include <string>

#include "http/router.h"

namespace vitrine::http {

// Files up to kMaxStaticDepth folders deep under `root`, at `prefix`/relative/path; a path naming
// a folder serves its index.html. Dot segments and hidden names are never served (404).
inline constexpr int kMaxStaticDepth = 6;
void AddStaticFiles(Router& router, const std::string& prefix, std::filesystem::path root,
                    std::string cache_control = "no-cache");

// The web application (web/, built by Vite) at the root: `/` is its page and `/assets/...` its
// scripts and styles, whose names carry a content hash and so are cached for good. Screens live
// in the fragment (`/#/projects/3`), so no other path is taken from the API or the protocol
// adapters. The page may run only its own scripts (Content-Security-Policy).
void AddWebApplication(Router& router, std::filesystem::path root);

// Without a built application, `/` explains how to build one rather than answering nothing.
void AddMissingWebApplication(Router& router, std::string why);

}  // namespace vitrine::http
