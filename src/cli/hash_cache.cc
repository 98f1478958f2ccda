#include "cli/hash_cache.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/digest.h"

namespace vitrine::cli {
namespace {

bool Stat(const std::filesystem::path& path, std::int64_t& size, std::int64_t& mtime_ns) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return false;
  size = st.st_size;
  mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  return true;
}

}  // namespace

Result<std::string> HashFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path.string());
  core::Digest digest(core::DigestKind::kSha256);
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    digest.Update(std::string_view(buffer.data(), static_cast<std::size_t>(in.gcount())));
  }
  if (in.bad()) return Status::Internal("read error on " + path.string());
  return digest.FinishHex();
}

std::filesystem::path HashCache::DefaultLocation() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    return std::filesystem::path(xdg) / "vitrine" / "hashes.tsv";
  }
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home ? home : ".") / ".cache" / "vitrine" / "hashes.tsv";
}

HashCache::HashCache(std::filesystem::path file) : file_(std::move(file)) {
  std::ifstream in(file_);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    Entry e;
    std::string path;
    if (!(fields >> e.size >> e.mtime_ns >> e.sha256) || e.sha256.size() != 64) continue;
    fields.get();  // the tab before the path
    std::getline(fields, path);
    if (!path.empty()) entries_[path] = e;
  }
}

Result<std::string> HashCache::Sha256Of(const std::filesystem::path& path, bool* from_cache) {
  std::int64_t size = 0, mtime = 0;
  if (!Stat(path, size, mtime)) return Status::NotFound("cannot read " + path.string());
  std::string key = std::filesystem::absolute(path).lexically_normal().string();
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.size == size && it->second.mtime_ns == mtime) {
      if (from_cache) *from_cache = true;
      return it->second.sha256;
    }
  }
  if (from_cache) *from_cache = false;
  VITRINE_ASSIGN_OR_RETURN(std::string sha, HashFile(path));
  std::lock_guard lock(mu_);
  entries_[key] = {size, mtime, sha};
  return sha;
}

void HashCache::Remember(const std::filesystem::path& path, const std::string& sha256) {
  std::int64_t size = 0, mtime = 0;
  if (!Stat(path, size, mtime)) return;
  std::lock_guard lock(mu_);
  entries_[std::filesystem::absolute(path).lexically_normal().string()] = {size, mtime, sha256};
}

Status HashCache::Save() const {
  std::error_code ec;
  std::filesystem::create_directories(file_.parent_path(), ec);
  auto temp = file_;
  temp += ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    std::lock_guard lock(mu_);
    for (const auto& [path, e] : entries_) {
      if (path.find('\n') != std::string::npos) continue;
      out << e.size << '\t' << e.mtime_ns << '\t' << e.sha256 << '\t' << path << '\n';
    }
    if (!out) return Status::Internal("cannot write hash cache " + temp.string());
  }
  std::filesystem::rename(temp, file_, ec);
  if (ec) return Status::Internal("cannot save hash cache " + file_.string() + ": " + ec.message());
  return Status::Ok();
}

}  // namespace vitrine::cli
