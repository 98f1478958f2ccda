// `vitrine bundle push|pull|list`: ML bundles (a model's config/, data/ and output/ folders) kept
// as a project's data files named ml/<bundle>/<path>, synchronised by S3-style ETag as Sticky Pi's
// clients do it, so the same bundle is shared with their put_ml_bundle_dir / get_ml_bundle_dir.
// Only files whose ETag differs move; a pull writes each file beside its target and renames it
// into place once its SHA-256 is checked, so an interrupted pull leaves no half-written file
// under a bundle's name.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>

#include "cli/commands.h"
#include "cli/target.h"
#include "core/digest.h"
#include "vitrine/collections.h"

namespace vitrine::cli {
namespace {

namespace fs = std::filesystem;

struct BundleFlags {
  TargetFlags target;
  std::int64_t project = 0;
  std::string directory;
  std::string name;
  std::string what = "all";
  bool json = false;
};

std::string Prefix(const std::string& bundle) { return "ml/" + bundle + "/"; }

Status CheckBundleName(const std::string& name) {
  const bool valid = !name.empty() && name.size() <= 128 && name != "." && name != ".." &&
                     std::all_of(name.begin(), name.end(),
                                 [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_' || c == '.'; });
  if (valid) return Status::Ok();
  return Status::InvalidArgument("'" + name + "' is not a bundle name (1-128 letters, digits, '-', '_', '.')");
}

// Sticky Pi's rule for a partial pull: `data` is config/ and data/, `model` config/ and output/.
bool InPart(const std::string& key, const std::string& what) {
  if (what == "all") return true;
  const std::string folder = key.substr(0, key.find('/'));
  return key.find('/') != std::string::npos && (folder == "config" || folder == (what == "data" ? "data" : "output"));
}

// A stored name never climbs out of the folder it is pulled into.
bool InsideBundle(const std::string& key) {
  const fs::path path(key);
  if (key.empty() || path.is_absolute()) return false;
  return std::none_of(path.begin(), path.end(), [](const fs::path& part) { return part == ".." || part == "."; });
}

Result<std::string> FileEtag(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path.string());
  core::MultipartEtag etag;
  std::string buffer(1 << 20, '\0');
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    etag.Update(std::string_view(buffer.data(), static_cast<std::size_t>(in.gcount())));
  }
  if (in.bad()) return Status::Internal("reading " + path.string() + " failed");
  return etag.FinishHex();
}

// The bundle's files on the server by path: the newest data file of each name.
Result<std::map<std::string, DataFile>> RemoteFiles(Client& client, ProjectId project, const std::string& bundle) {
  DataFilter filter;
  filter.project = project;
  filter.name_like = Prefix(bundle) + "%";  // '_' matches any character: names are kept exact below
  Pager<DataFile> pager([&](const PageRequest& page) { return client.ListData(filter, page); }, PageRequest::kMaxLimit);
  VITRINE_ASSIGN_OR_RETURN(std::vector<DataFile> all, pager.All());
  std::map<std::string, DataFile> files;
  for (DataFile& d : all) {
    if (!d.name.starts_with(Prefix(bundle))) continue;
    std::string key = d.name.substr(Prefix(bundle).size());
    auto [it, added] = files.try_emplace(key, d);
    if (!added && d.id.value() > it->second.id.value()) it->second = std::move(d);
  }
  return files;
}

// The bundle's files in `directory` by path ('/'-separated), skipping .cache folders as Sticky
// Pi's client does.
Result<std::map<std::string, fs::path>> LocalFiles(const fs::path& directory) {
  std::error_code ec;
  if (!fs::is_directory(directory, ec)) return Status::NotFound(directory.string() + " is not a folder");
  std::map<std::string, fs::path> files;
  for (auto it = fs::recursive_directory_iterator(directory, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_directory() && it->path().filename() == ".cache") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) files[fs::relative(it->path(), directory).generic_string()] = it->path();
  }
  if (ec) return Status::Internal("listing " + directory.string() + ": " + ec.message());
  return files;
}

std::string BundleOf(const BundleFlags& f) {
  if (!f.name.empty()) return f.name;
  fs::path folder = fs::path(f.directory).lexically_normal();
  if (!folder.has_filename()) folder = folder.parent_path();  // "detector/" names "detector"
  return folder.filename().string();
}

Status Push(const BundleFlags& f) {
  const std::string bundle = BundleOf(f);
  VITRINE_RETURN_IF_ERROR(CheckBundleName(bundle));
  VITRINE_ASSIGN_OR_RETURN(auto local, LocalFiles(f.directory));
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(f.target));
  const ProjectId project(f.project);
  VITRINE_ASSIGN_OR_RETURN(auto remote, RemoteFiles(*client, project, bundle));
  std::size_t pushed = 0;
  for (const auto& [key, path] : local) {
    VITRINE_ASSIGN_OR_RETURN(std::string etag, FileEtag(path));
    auto stored = remote.find(key);
    if (stored != remote.end() && stored->second.etag == etag) continue;
    NewDataFile data{.project = project, .name = Prefix(bundle) + key};
    data.expected_etag = etag;  // a file that changes while it uploads is refused, not stored torn
    VITRINE_ASSIGN_OR_RETURN(DataFile uploaded, client->UploadData(path, data));
    // The version it replaces goes, as with Sticky Pi's clients: a bundle holds one of each file.
    if (stored != remote.end()) VITRINE_RETURN_IF_ERROR(client->DeleteData(stored->second.id));
    std::cout << "pushed " << key << " (" << uploaded.size_bytes << " bytes)\n";
    ++pushed;
  }
  std::cout << "bundle " << bundle << ": " << pushed << " of " << local.size() << " files pushed, "
            << local.size() - pushed << " unchanged\n";
  return Status::Ok();
}

Status Pull(const BundleFlags& f) {
  VITRINE_RETURN_IF_ERROR(CheckBundleName(f.name));
  if (f.what != "all" && f.what != "data" && f.what != "model") {
    return Status::InvalidArgument("--what is all, data or model");
  }
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(f.target));
  VITRINE_ASSIGN_OR_RETURN(auto remote, RemoteFiles(*client, ProjectId(f.project), f.name));
  if (remote.empty()) {
    return Status::NotFound("project " + std::to_string(f.project) + " has no bundle " + f.name);
  }
  std::size_t pulled = 0, wanted = 0;
  for (const auto& [key, file] : remote) {
    if (!InPart(key, f.what)) continue;
    ++wanted;
    if (!InsideBundle(key)) return Status::InvalidArgument("the server names a file outside the bundle: " + key);
    const fs::path target = fs::path(f.directory) / key;
    // A folder (or file) inside the bundle that is a link elsewhere would carry the file out.
    std::error_code ec;
    const fs::path root = fs::weakly_canonical(f.directory, ec);
    const fs::path resolved = fs::weakly_canonical(target, ec);
    if (ec || std::mismatch(root.begin(), root.end(), resolved.begin(), resolved.end()).first != root.end()) {
      return Status::InvalidArgument(target.string() + " leads out of " + f.directory + " (through a link)");
    }
    fs::create_directories(target.parent_path(), ec);
    if (ec) return Status::Internal("cannot make " + target.parent_path().string() + ": " + ec.message());
    if (fs::is_regular_file(target, ec)) {
      VITRINE_ASSIGN_OR_RETURN(std::string etag, FileEtag(target));
      if (etag == file.etag) continue;
    }
    // Written beside the target, checked, then renamed into place.
    VITRINE_RETURN_IF_ERROR(client->DownloadData(file.id, target));
    std::cout << "pulled " << key << " (" << file.size_bytes << " bytes)\n";
    ++pulled;
  }
  std::cout << "bundle " << f.name << ": " << pulled << " of " << wanted << " files pulled, " << wanted - pulled
            << " unchanged\n";
  return Status::Ok();
}

Status List(const BundleFlags& f) {
  VITRINE_RETURN_IF_ERROR(CheckBundleName(f.name));
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(f.target));
  VITRINE_ASSIGN_OR_RETURN(auto remote, RemoteFiles(*client, ProjectId(f.project), f.name));
  if (f.json) {
    wire::Json items = wire::Json::array();
    for (const auto& [key, d] : remote) {
      items.push_back({{"key", key}, {"data_id", d.id.value()}, {"size_bytes", d.size_bytes}, {"etag", d.etag}});
    }
    return PrintJson(items), Status::Ok();
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& [key, d] : remote) {
    rows.push_back({key, std::to_string(d.id.value()), std::to_string(d.size_bytes), d.etag});
  }
  PrintTable({"PATH", "DATA ID", "BYTES", "ETAG"}, rows);
  return Status::Ok();
}

}  // namespace

void AddBundleCommands(CLI::App& app, CommandContext& context) {
  CLI::App* group = app.add_subcommand("bundle", "Push, pull and list ML bundles (Sticky Pi's, as data files)");
  group->require_subcommand(1);
  auto add = [&](const char* name, const char* help, Status (*body)(const BundleFlags&)) {
    auto flags = std::make_shared<BundleFlags>();
    CLI::App* cmd = group->add_subcommand(name, help);
    AddTargetOptions(*cmd, flags->target);
    cmd->add_option("--project,-p", flags->project, "Project id")->required();
    cmd->callback(Run(context, [body, flags] { return body(*flags); }));
    return std::pair{cmd, flags};
  };
  auto [push, push_flags] = add("push", "Upload the files of a folder that the server lacks or holds otherwise", Push);
  push->add_option("directory", push_flags->directory, "The bundle's folder (config/, data/, output/)")->required();
  push->add_option("--name", push_flags->name, "The bundle's name (default: the folder's)");
  auto [pull, pull_flags] =
      add("pull", "Download the files of a bundle that the folder lacks or holds otherwise", Pull);
  pull->add_option("name", pull_flags->name, "The bundle's name")->required();
  pull->add_option("directory", pull_flags->directory, "Where to write it")->required();
  pull->add_option("--what", pull_flags->what, "all; data (config/ and data/); model (config/ and output/)")
      ->capture_default_str();
  auto [list, list_flags] = add("list", "List a bundle's files", List);
  list->add_option("name", list_flags->name, "The bundle's name")->required();
  list->add_flag("--json", list_flags->json, "Print JSON");
}

}  // namespace vitrine::cli
