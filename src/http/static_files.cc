#include "http/static_files.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <system_error>

#include "http/responses.h"

namespace vitrine::http {
namespace {

constexpr std::uintmax_t kMaxStaticBytes = 32 * 1024 * 1024;

std::string_view ContentTypeOf(const std::filesystem::path& file) {
  static const std::map<std::string, std::string_view, std::less<>> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".svg", "image/svg+xml"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
      {".md", "text/plain; charset=utf-8"}};
  auto it = kTypes.find(file.extension().string());
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

HttpResponse NotFound() { return ErrorResponse(Status::NotFound("no such file")); }

HttpResponse Serve(const std::filesystem::path& root, const PathParams& params, int depth,
                   const std::string& cache_control) {
  std::filesystem::path file = root;
  for (int i = 0; i < depth; ++i) {
    const std::string& segment = params.at("p" + std::to_string(i));
    // Decoded captures could hold "/" or "..": only plain names walk the folder.
    if (segment.empty() || segment.front() == '.' ||
        segment.find_first_of(std::string_view("/\\\0", 3)) != std::string::npos) {
      return NotFound();
    }
    file /= segment;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) file /= "index.html";
  // A symbolic link may lead anywhere: serve a file only if it really lies inside the folder.
  file = std::filesystem::canonical(file, ec);
  if (ec) return NotFound();
  auto [inside, _] = std::mismatch(root.begin(), root.end(), file.begin(), file.end());
  if (inside != root.end()) return NotFound();
  if (!std::filesystem::is_regular_file(file, ec)) return NotFound();
  const auto size = std::filesystem::file_size(file, ec);
  if (ec || size > kMaxStaticBytes) return NotFound();
  std::ifstream in(file, std::ios::binary);
  HttpResponse r;
  r.body.resize(size);
  if (!in.read(r.body.data(), static_cast<std::streamsize>(size))) {
    return ErrorResponse(Status::Internal("cannot read " + file.filename().string()));
  }
  r.With("content-type", std::string(ContentTypeOf(file)))
      .With("cache-control", cache_control)
      .With("x-content-type-options", "nosniff");
  return r;
}

}  // namespace

void AddStaticFiles(Router& router, const std::string& prefix, std::filesystem::path root, std::string cache_control) {
  std::error_code ec;
  if (auto real = std::filesystem::canonical(root, ec); !ec) root = real;
  std::string pattern = prefix;
  router.Add("GET", pattern, [root, cache_control](const HttpRequest&, const PathParams& p) {
    return Serve(root, p, 0, cache_control);
  });
  for (int depth = 1; depth <= kMaxStaticDepth; ++depth) {
    pattern += "/{p" + std::to_string(depth - 1) + "}";
    router.Add("GET", pattern, [root, depth, cache_control](const HttpRequest&, const PathParams& p) {
      return Serve(root, p, depth, cache_control);
    });
  }
}

void AddWebApplication(Router& router, std::filesystem::path root) {
  std::error_code ec;
  if (auto real = std::filesystem::canonical(root, ec); !ec) root = real;
  router.Add("GET", "/", [root](const HttpRequest&, const PathParams& p) {
    HttpResponse page = Serve(root, p, 0, "no-cache");
    if (page.status != 200) return page;
    // OpenSeadragon and the screens set element styles; scripts come only from this server.
    page.With("content-security-policy",
              "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
              "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
        .With("referrer-policy", "same-origin");
    return page;
  });
  AddStaticFiles(router, "/assets", root / "assets", "public, max-age=31536000, immutable");
}

void AddMissingWebApplication(Router& router, std::string why) {
  router.Add("GET", "/", [why = std::move(why)](const HttpRequest&, const PathParams&) {
    HttpResponse r;
    r.status = 503;
    r.body =
        "<!doctype html><meta charset=\"utf-8\"><title>Vitrine</title>"
        "<h1>Vitrine is running</h1><p>Its web application is not here: " +
        why + "</p><p>The API is at <a href=\"/api/v1/health\">/api/v1</a>.</p>";
    r.With("content-type", "text/html; charset=utf-8").With("cache-control", "no-cache");
    return r;
  });
}

}  // namespace vitrine::http
