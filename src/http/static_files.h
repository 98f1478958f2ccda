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
void AddStaticFiles(Router& router, const std::string& prefix, std::filesystem::path root);

}  // namespace vitrine::http
