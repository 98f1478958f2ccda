// `vitrine upload` and `vitrine download`: many files to or from a project, in parallel, with
// skip-what-is-there, retries, progress and a summary. Work on a server or a data folder alike.
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <numeric>
#include <set>

#include "cli/commands.h"
#include "cli/hash_cache.h"
#include "cli/progress.h"
#include "cli/target.h"
#include "core/ascii.h"
#include "core/time_format.h"
#include "vitrine/collections.h"

namespace vitrine::cli {
namespace {

namespace fs = std::filesystem;

const std::set<std::string> kImageExtensions = {".jpg",  ".jpeg", ".png",  ".tif",  ".tiff", ".webp", ".jp2",
                                                ".j2k",  ".heic", ".heif", ".avif", ".svs",  ".ndpi", ".scn",
                                                ".mrxs", ".vms",  ".bif",  ".gif",  ".btf",  ".ome"};

// Lookups of existing content go in batches this large (the server's limit per request).
constexpr std::size_t kLookupBatch = 1000;

struct TransferFlags {
  TargetFlags target;
  std::int64_t project = 0;
  std::vector<std::string> paths;
  std::string directory;
  unsigned jobs = 4;
  std::string hash_cache;
  std::string device, captured_from, captured_to;
};

void AddTransferOptions(CLI::App& cmd, TransferFlags& f) {
  AddTargetOptions(cmd, f.target);
  cmd.add_option("--jobs,-j", f.jobs, "Files in flight at once")->capture_default_str()->check(CLI::Range(1u, 64u));
  cmd.add_option("--hash-cache", f.hash_cache, "Where to remember file hashes (default ~/.cache/vitrine/hashes.tsv)");
}

// 0..n-1, the inputs of a BulkMap over indices.
std::vector<std::size_t> Indices(std::size_t n) {
  std::vector<std::size_t> out(n);
  std::iota(out.begin(), out.end(), std::size_t{0});
  return out;
}

Result<std::vector<fs::path>> CollectFiles(const std::vector<std::string>& inputs) {
  std::vector<fs::path> files;
  for (const auto& input : inputs) {
    std::error_code ec;
    if (fs::is_directory(input, ec)) {
      for (auto it = fs::recursive_directory_iterator(input, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const std::string ext = core::Lowercase(it->path().extension().string());
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

Status Upload(const TransferFlags& f) {
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(f.target));
  VITRINE_ASSIGN_OR_RETURN(std::vector<fs::path> files, CollectFiles(f.paths));
  const ProjectId project(f.project);
  // Fails fast (before hashing gigabytes) on a wrong project id or bad credentials.
  VITRINE_RETURN_IF_ERROR(client->GetProject(project).status());
  HashCache cache(f.hash_cache.empty() ? HashCache::DefaultLocation() : fs::path(f.hash_cache));

  // 1. Hash every file (from the cache when unchanged), in parallel.
  std::atomic<int> from_cache{0};
  std::vector<Result<std::string>> hashes = BulkMap(Indices(files.size()), f.jobs, [&](std::size_t i) {
    bool cached = false;
    auto sha = cache.Sha256Of(files[i], &cached);
    if (cached) ++from_cache;
    return sha;
  });
  (void)cache.Save();
  std::cerr << "hashed " << files.size() << " files (" << from_cache << " unchanged since last time)\n";

  // 2. Ask which the project already holds, in batches, before sending any bytes.
  std::set<std::string> present;
  for (std::size_t start = 0; start < files.size(); start += kLookupBatch) {
    std::vector<std::string> batch;
    for (std::size_t i = start; i < std::min(files.size(), start + kLookupBatch); ++i) {
      if (hashes[i].ok()) batch.push_back(*hashes[i]);
    }
    VITRINE_ASSIGN_OR_RETURN(auto existing, client->FindImagesByHash(project, batch));
    for (const auto& [sha, id] : existing) present.insert(sha);
  }

  // 3. Send the rest.
  std::int64_t total_bytes = 0;
  for (const auto& file : files) total_bytes += static_cast<std::int64_t>(fs::file_size(file));
  BatchProgress progress("uploaded", static_cast<std::int64_t>(files.size()), total_bytes, ::isatty(2) != 0);
  BulkMap(Indices(files.size()), f.jobs, [&](std::size_t i) {
    const std::string name = files[i].string();
    if (!hashes[i].ok()) return progress.Failed(name, hashes[i].status().message());
    if (present.contains(*hashes[i])) {
      progress.AddBytes(static_cast<std::int64_t>(fs::file_size(files[i])));
      return progress.Skipped("skipped " + name + " (already in the project)");
    }
    std::int64_t reported = 0;
    UploadOptions options;
    options.progress = [&](std::int64_t sent) {
      // A retried attempt starts again from 0: count only growth.
      if (sent > reported) progress.AddBytes(sent - reported), reported = sent;
    };
    auto uploaded = client->UploadImage(project, files[i], options);
    if (!uploaded.ok()) return progress.Failed(name, uploaded.status().message());
    if (!uploaded->created) return progress.Skipped("skipped " + name + " (already in the project)");
    progress.Done("uploaded " + name + " (image " + std::to_string(uploaded->image.id.value()) + ")");
  });
  int code = progress.Finish();
  return code == 0 ? Status::Ok()
                   : Status::Internal(std::to_string(progress.failed()) + " of " + std::to_string(files.size()) +
                                      " files could not be uploaded");
}

Status Download(const TransferFlags& f) {
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(f.target));
  const ProjectId project(f.project);
  VITRINE_RETURN_IF_ERROR(client->GetProject(project).status());
  std::error_code ec;
  fs::create_directories(f.directory, ec);
  if (ec) return Status::InvalidArgument("cannot create " + f.directory + ": " + ec.message());
  HashCache cache(f.hash_cache.empty() ? HashCache::DefaultLocation() : fs::path(f.hash_cache));

  ImageFilter filter;
  filter.sort = ImageSort::kId;
  if (!f.device.empty()) filter.device_like = f.device;
  if (!f.captured_from.empty()) {
    VITRINE_ASSIGN_OR_RETURN(filter.captured_from, core::ParseIso8601(f.captured_from));
  }
  if (!f.captured_to.empty()) {
    VITRINE_ASSIGN_OR_RETURN(filter.captured_to, core::ParseIso8601(f.captured_to));
  }
  Pager<Image> pager([&](const PageRequest& page) { return client->ListImages(project, filter, page); },
                     PageRequest::kMaxLimit);
  VITRINE_ASSIGN_OR_RETURN(std::vector<Image> images, pager.All());

  // Two images with one filename both land, the later ones prefixed with their id.
  std::map<std::string, int> name_count;
  std::vector<fs::path> targets;
  std::int64_t total_bytes = 0;
  for (const auto& image : images) {
    std::string name = fs::path(image.filename).filename().string();
    if (name.empty() || name == "." || name == "..") name = "image";
    if (name_count[name]++ > 0) name = std::to_string(image.id.value()) + "-" + name;
    targets.push_back(fs::path(f.directory) / name);
    total_bytes += image.size_bytes;
  }

  BatchProgress progress("downloaded", static_cast<std::int64_t>(images.size()), total_bytes, ::isatty(2) != 0);
  BulkMap(Indices(images.size()), f.jobs, [&](std::size_t i) {
    const Image& image = images[i];
    const fs::path& target = targets[i];
    std::error_code exists_ec;
    if (fs::exists(target, exists_ec)) {
      auto local = cache.Sha256Of(target);
      if (local.ok() && *local == image.sha256) {
        progress.AddBytes(image.size_bytes);
        return progress.Skipped("skipped " + target.string() + " (already here)");
      }
    }
    // The client writes beside the target, checks the SHA-256, then renames into place: an
    // interrupted download never leaves a file that looks complete.
    std::int64_t reported = 0;
    Status s = client->DownloadImage(image.id, target, [&](std::int64_t received) {
      if (received > reported) progress.AddBytes(received - reported), reported = received;
    });
    if (!s.ok()) return progress.Failed(target.string(), s.message());
    cache.Remember(target, image.sha256);
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
  auto up = std::make_shared<TransferFlags>();
  CLI::App* upload = app.add_subcommand("upload", "Upload image files or folders to a project");
  upload->add_option("--project,-p", up->project, "Project id")->required();
  upload->add_option("paths", up->paths, "Files and folders (folders are searched for images)")->required();
  AddTransferOptions(*upload, *up);
  upload->callback(Run(context, [up] { return Upload(*up); }));

  auto down = std::make_shared<TransferFlags>();
  CLI::App* download = app.add_subcommand("download", "Download a project's images into a folder");
  download->add_option("--project,-p", down->project, "Project id")->required();
  download->add_option("directory", down->directory, "Where to put them")->required();
  download->add_option("--device", down->device, "Only this device (SQL LIKE pattern, e.g. 5c17%)");
  download->add_option("--captured-from", down->captured_from, "Only images captured at or after (ISO 8601)");
  download->add_option("--captured-to", down->captured_to, "Only images captured before (ISO 8601)");
  AddTransferOptions(*download, *down);
  download->callback(Run(context, [down] { return Download(*down); }));
}

}  // namespace vitrine::cli
