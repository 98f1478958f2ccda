// `vitrine upload` and `vitrine download`: many files to or from a server, in parallel, with
// skip-what-is-there, retries, progress and a summary.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "cli/commands.h"
#include "cli/hash_cache.h"
#include "cli/progress.h"
#include "client/http_transport.h"
#include "core/digest.h"
#include "core/percent_encoding.h"
#include "http/query.h"

namespace vitrine::cli {
namespace {

namespace fs = std::filesystem;

const std::set<std::string> kImageExtensions = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".jp2",
                                                 ".j2k", ".heic", ".heif", ".avif", ".svs", ".ndpi", ".scn",
                                                 ".mrxs", ".vms", ".bif", ".gif", ".btf", ".ome"};

struct RemoteFlags {
  std::string server;
  std::string token_file;
  std::string username;
  std::string project;
  std::vector<std::string> paths;
  std::string directory;
  unsigned jobs = 4;
  std::string hash_cache;
  std::string device, captured_from, captured_to;
};

void AddRemoteOptions(CLI::App& cmd, RemoteFlags& f) {
  cmd.add_option("--server", f.server, "Server URL ($VITRINE_URL or the credentials file)");
  cmd.add_option("--token-file", f.token_file, "Read a bearer token from this file");
  cmd.add_option("--username", f.username, "Sign in as this user (password from $VITRINE_PASSWORD)");
  cmd.add_option("--jobs,-j", f.jobs, "Files in flight at once")->capture_default_str()->check(CLI::Range(1u, 64u));
  cmd.add_option("--hash-cache", f.hash_cache, "Where to remember file hashes (default ~/.cache/vitrine/hashes.tsv)");
}

Result<std::unique_ptr<client::HttpTransport>> Connect(const RemoteFlags& f) {
  client::Credentials given;
  given.url = f.server;
  if (!f.token_file.empty()) {
    std::ifstream in(f.token_file);
    if (!std::getline(in, given.token) || given.token.empty()) {
      return Status::InvalidArgument("no token in " + f.token_file);
    }
  }
  given.username = f.username;
  VITRINE_ASSIGN_OR_RETURN(client::Credentials credentials, client::ResolveCredentials(given));
  return client::HttpTransport::Create(std::move(credentials));
}

// Runs fn(i) for i in [0, n) on `jobs` threads.
template <class Fn>
void ParallelFor(std::size_t n, unsigned jobs, Fn fn) {
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < std::min<std::size_t>(jobs, std::max<std::size_t>(n, 1)); ++t) {
    workers.emplace_back([&] {
      for (std::size_t i; (i = next++) < n;) fn(i);
    });
  }
  for (auto& w : workers) w.join();
}

Result<std::vector<fs::path>> CollectFiles(const std::vector<std::string>& inputs) {
  std::vector<fs::path> files;
  for (const auto& input : inputs) {
    std::error_code ec;
    if (fs::is_directory(input, ec)) {
      for (auto it = fs::recursive_directory_iterator(input, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::string ext = it->path().extension().string();
        std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
        bool hidden = it->path().filename().string().starts_with(".");
        if (it->is_regular_file(ec) && !hidden && kImageExtensions.contains(ext)) files.push_back(it->path());
      }
    } else if (fs::is_regular_file(input, ec)) {
      files.emplace_back(input);  // named explicitly: always sent, whatever its extension
    } else {
      return Status::NotFound("no such file or folder: " + input);
    }
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  return files;
}

std::string Escape(std::string_view text) { return core::PercentEncode(text); }

// Fails fast (before hashing gigabytes) on a wrong project id or bad credentials.
Status CheckProject(client::HttpTransport& transport, const std::string& project) {
  VITRINE_ASSIGN_OR_RETURN(client::HttpReply reply, transport.Request("GET", "/api/v1/projects/" + Escape(project)));
  return client::StatusOf(reply);
}

Status Upload(const RemoteFlags& f) {
  VITRINE_ASSIGN_OR_RETURN(auto transport, Connect(f));
  VITRINE_ASSIGN_OR_RETURN(std::vector<fs::path> files, CollectFiles(f.paths));
  VITRINE_RETURN_IF_ERROR(CheckProject(*transport, f.project));
  HashCache cache(f.hash_cache.empty() ? HashCache::DefaultLocation() : fs::path(f.hash_cache));

  // 1. Hash every file (from the cache when unchanged), in parallel.
  std::vector<std::string> hashes(files.size());
  std::vector<std::string> hash_errors(files.size());
  std::atomic<int> from_cache{0};
  ParallelFor(files.size(), f.jobs, [&](std::size_t i) {
    bool cached = false;
    auto sha = cache.Sha256Of(files[i], &cached);
    if (sha.ok()) hashes[i] = *sha;
    else hash_errors[i] = sha.status().message();
    if (cached) ++from_cache;
  });
  (void)cache.Save();
  std::cerr << "hashed " << files.size() << " files (" << from_cache << " unchanged since last time)\n";

  // 2. Ask the server which it already holds, in batches, before sending any bytes.
  std::set<std::string> present;
  const std::string base = "/api/v1/projects/" + Escape(f.project) + "/images";
  for (std::size_t start = 0; start < files.size(); start += 1000) {
    wire::Json batch = wire::Json::array();
    for (std::size_t i = start; i < std::min(files.size(), start + 1000); ++i) {
      if (!hashes[i].empty()) batch.push_back(hashes[i]);
    }
    VITRINE_ASSIGN_OR_RETURN(client::HttpReply reply,
                             transport->Request("POST", base + "/lookup", wire::Json({{"sha256", batch}}).dump()));
    VITRINE_RETURN_IF_ERROR(client::StatusOf(reply));
    auto doc = wire::Json::parse(reply.body, nullptr, false);
    if (!doc.is_object() || !doc["existing"].is_object()) return Status::Internal("unexpected lookup answer");
    for (const auto& [sha, id] : doc["existing"].items()) present.insert(sha);
  }

  // 3. Send the rest.
  std::int64_t total_bytes = 0;
  for (const auto& file : files) total_bytes += static_cast<std::int64_t>(fs::file_size(file));
  TransferProgress progress("uploaded", static_cast<std::int64_t>(files.size()), total_bytes, ::isatty(2) != 0);
  ParallelFor(files.size(), f.jobs, [&](std::size_t i) {
    const std::string name = files[i].string();
    if (!hash_errors[i].empty()) return progress.Failed(name, hash_errors[i]);
    if (present.contains(hashes[i])) {
      progress.AddBytes(static_cast<std::int64_t>(fs::file_size(files[i])));
      return progress.Skipped("skipped " + name + " (already in the project)");
    }
    std::int64_t reported = 0;
    auto reply = transport->UploadFile(base + "?filename=" + Escape(files[i].filename().string()), files[i],
                                       [&](std::int64_t sent) {
                                         // A retried attempt starts again from 0: count only growth.
                                         if (sent > reported) progress.AddBytes(sent - reported), reported = sent;
                                       });
    if (!reply.ok()) return progress.Failed(name, reply.status().message());
    if (reply->status == 409) return progress.Skipped("skipped " + name + " (already in the project)");
    Status s = client::StatusOf(*reply);
    if (!s.ok()) return progress.Failed(name, s.message());
    auto doc = wire::Json::parse(reply->body, nullptr, false);
    std::string id = doc.is_object() && doc.contains("id") ? doc["id"].dump() : "?";
    progress.Done("uploaded " + name + " (image " + id + ")");
  });
  int code = progress.Finish();
  return code == 0 ? Status::Ok()
                   : Status::Internal(std::to_string(progress.failed()) + " of " + std::to_string(files.size()) +
                                      " files could not be uploaded");
}

Status Download(const RemoteFlags& f) {
  VITRINE_ASSIGN_OR_RETURN(auto transport, Connect(f));
  VITRINE_RETURN_IF_ERROR(CheckProject(*transport, f.project));
  std::error_code ec;
  fs::create_directories(f.directory, ec);
  if (ec) return Status::InvalidArgument("cannot create " + f.directory + ": " + ec.message());
  HashCache cache(f.hash_cache.empty() ? HashCache::DefaultLocation() : fs::path(f.hash_cache));

  // Every matching image, page by page until the reported total is reached.
  std::string query = "sort=id";
  if (!f.device.empty()) query += "&device=" + Escape(f.device);
  if (!f.captured_from.empty()) query += "&captured_from=" + Escape(f.captured_from);
  if (!f.captured_to.empty()) query += "&captured_to=" + Escape(f.captured_to);
  std::vector<wire::Json> images;
  for (std::int64_t offset = 0;;) {
    VITRINE_ASSIGN_OR_RETURN(client::HttpReply reply,
                             transport->Request("GET", "/api/v1/projects/" + Escape(f.project) + "/images?" + query +
                                                           "&limit=1000&offset=" + std::to_string(offset)));
    VITRINE_RETURN_IF_ERROR(client::StatusOf(reply));
    auto page = wire::Json::parse(reply.body, nullptr, false);
    if (!page.is_object() || !page["items"].is_array()) return Status::Internal("unexpected listing answer");
    for (auto& item : page["items"]) images.push_back(item);
    offset += static_cast<std::int64_t>(page["items"].size());
    if (page["items"].empty() || offset >= page["total"].get<std::int64_t>()) break;
  }

  // Two images with one filename both land, the later ones prefixed with their id.
  std::map<std::string, int> name_count;
  std::vector<fs::path> targets;
  std::int64_t total_bytes = 0;
  for (const auto& im : images) {
    std::string name = fs::path(im["filename"].get<std::string>()).filename().string();
    if (name.empty() || name == "." || name == "..") name = "image";
    if (name_count[name]++ > 0) name = std::to_string(im["id"].get<std::int64_t>()) + "-" + name;
    targets.push_back(fs::path(f.directory) / name);
    total_bytes += im["size_bytes"].get<std::int64_t>();
  }

  TransferProgress progress("downloaded", static_cast<std::int64_t>(images.size()), total_bytes, ::isatty(2) != 0);
  ParallelFor(images.size(), f.jobs, [&](std::size_t i) {
    const auto& im = images[i];
    const fs::path& target = targets[i];
    const std::string sha = im["sha256"].get<std::string>();
    std::error_code exists_ec;
    if (fs::exists(target, exists_ec)) {
      auto local = cache.Sha256Of(target);
      if (local.ok() && *local == sha) {
        progress.AddBytes(im["size_bytes"].get<std::int64_t>());
        return progress.Skipped("skipped " + target.string() + " (already here)");
      }
    }
    // Written beside the target, checked against the server's hash, then renamed into place:
    // an interrupted download never leaves a file that looks complete.
    fs::path part = target;
    part += ".part";
    std::ofstream out(part, std::ios::binary | std::ios::trunc);
    core::Digest digest(core::DigestKind::kSha256);
    auto reply = transport->Download("/api/v1/images/" + im["id"].dump() + "/file", [&](std::string_view bytes) {
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      digest.Update(bytes);
      progress.AddBytes(static_cast<std::int64_t>(bytes.size()));
      return out ? Status::Ok() : Status::Internal("cannot write " + part.string());
    });
    out.close();
    Status s = reply.ok() ? client::StatusOf(*reply) : reply.status();
    if (s.ok() && digest.FinishHex() != sha) s = Status::Internal("content does not match its SHA-256");
    if (s.ok()) {
      std::error_code rename_ec;
      fs::rename(part, target, rename_ec);
      if (rename_ec) s = Status::Internal("cannot rename into place: " + rename_ec.message());
    }
    if (!s.ok()) {
      std::error_code ignored;
      fs::remove(part, ignored);
      return progress.Failed(target.string(), s.message());
    }
    cache.Remember(target, sha);
    progress.Done("downloaded " + target.string());
  });
  (void)cache.Save();
  int code = progress.Finish();
  return code == 0 ? Status::Ok()
                   : Status::Internal(std::to_string(progress.failed()) + " of " + std::to_string(images.size()) +
                                      " files could not be downloaded");
}

}  // namespace

void AddTransferCommands(CLI::App& app, CommandContext& context) {
  auto up = std::make_shared<RemoteFlags>();
  CLI::App* upload = app.add_subcommand("upload", "Upload image files or folders to a project on a server");
  upload->add_option("--project,-p", up->project, "Project id")->required();
  upload->add_option("paths", up->paths, "Files and folders (folders are searched for images)")->required();
  AddRemoteOptions(*upload, *up);
  upload->callback(Run(context, [up] { return Upload(*up); }));

  auto down = std::make_shared<RemoteFlags>();
  CLI::App* download = app.add_subcommand("download", "Download a project's images into a folder");
  download->add_option("--project,-p", down->project, "Project id")->required();
  download->add_option("directory", down->directory, "Where to put them")->required();
  download->add_option("--device", down->device, "Only this device (SQL LIKE pattern, e.g. 5c17%)");
  download->add_option("--captured-from", down->captured_from, "Only images captured at or after (ISO 8601)");
  download->add_option("--captured-to", down->captured_to, "Only images captured before (ISO 8601)");
  AddRemoteOptions(*download, *down);
  download->callback(Run(context, [down] { return Download(*down); }));
}

}  // namespace vitrine::cli
