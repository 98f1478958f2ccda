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

HttpResponse Serve(const std::filesystem::path& root, const PathParams& params, int depth) {
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
  r.With("content-type", std::string(ContentTypeOf(file))).With("cache-control", "no-cache");
  return r;
}

}  // namespace

void AddStaticFiles(Router& router, const std::string& prefix, std::filesystem::path root) {
  std::error_code ec;
  if (auto real = std::filesystem::canonical(root, ec); !ec) root = real;
  std::string pattern = prefix;
  router.Add("GET", pattern, [root](const HttpRequest&, const PathParams& p) { return Serve(root, p, 0); });
  for (int depth = 1; depth <= kMaxStaticDepth; ++depth) {
    pattern += "/{p" + std::to_string(depth - 1) + "}";
    router.Add("GET", pattern,
               [root, depth](const HttpRequest&, const PathParams& p) { return Serve(root, p, depth); });
  }
}

}  // namespace vitrine::http
