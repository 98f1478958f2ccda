// Unpacking bundles safely. Every member is checked before libarchive writes it: a relative path
// without '..', a regular file, folder or link, links that stay inside. Symbolic link targets may
// use '..' only as leading components: libarchive is told never to write through a symbolic link
// (ARCHIVE_EXTRACT_SECURE_SYMLINKS), so each link's parent is a real folder and a lexical check of
// its leading '..' is exact, while a '..' after a name could climb out of wherever another link
// leads. After extraction every link is also resolved on disk and must land inside.
//
// Members are written under absolute paths in the temporary folder (the worker is multithreaded:
// it cannot chdir there), so the cache root is made canonical first: libarchive's symlink check
// also walks the folders above the bundle, and would refuse a cache reached through a link.
#include "jobs/bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <system_error>
#include <vector>

#include "core/byte_stream.h"
#include "core/digest.h"

namespace vitrine::jobs {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxMembers = 10'000;
constexpr std::uint64_t kMaxUnpackedBytes = 2ull << 30;
constexpr std::uint64_t kMaxAnalyticJsonBytes = 1 << 20;
constexpr std::string_view kAnalyticJson = "analytic.json";
constexpr std::array<std::string_view, 3> kDefaultEntryPoints = {"run", "run.sh", "run.py"};

struct ArchiveReadFree {
  void operator()(archive* handle) const { archive_read_free(handle); }
};
using ArchiveReader = std::unique_ptr<archive, ArchiveReadFree>;
struct ArchiveWriteFree {
  void operator()(archive* handle) const { archive_write_free(handle); }
};
using ArchiveWriter = std::unique_ptr<archive, ArchiveWriteFree>;

std::string ArchiveError(archive* handle) {
  const char* message = archive_error_string(handle);
  return message != nullptr ? message : "unknown libarchive error";
}

Status BadMember(std::string_view member, std::string_view why) {
  return Status::InvalidArgument("bundle member '" + std::string(member) + "' " + std::string(why));
}

Result<ArchiveReader> OpenBundle(const fs::path& bundle_file) {
  std::error_code error;
  if (!fs::is_regular_file(bundle_file, error)) return Status::NotFound("no bundle file " + bundle_file.string());
  ArchiveReader reader(archive_read_new());
  if (!reader) return Status::Internal("libarchive could not allocate a reader");
  archive_read_support_filter_gzip(reader.get());
  archive_read_support_format_tar(reader.get());
  if (archive_read_open_filename(reader.get(), bundle_file.c_str(), 64 * 1024) != ARCHIVE_OK) {
    return Status::InvalidArgument(bundle_file.filename().string() + " is not a readable .tar.gz bundle (" +
                                   ArchiveError(reader.get()) + ")");
  }
  return reader;
}

// The member's path relative to the bundle's top, without "." components or trailing slashes;
// empty for the top itself. Refused when absolute or holding "..".
Result<std::string> MemberPath(std::string_view raw) {
  if (raw.starts_with('/')) return BadMember(raw, "has an absolute path");
  std::string path;
  std::size_t start = 0;
  while (start <= raw.size()) {
    std::size_t end = raw.find('/', start);
    if (end == std::string_view::npos) end = raw.size();
    const std::string_view component = raw.substr(start, end - start);
    start = end + 1;
    if (component.empty() || component == ".") continue;
    if (component == "..") return BadMember(raw, "has a '..' component");
    if (!path.empty()) path += '/';
    path += component;
  }
  return path;
}

// Whether a symbolic link at `link_path` (a MemberPath) to `target` stays inside the bundle:
// relative, with '..' only before the first name, and no more of them than the link is deep.
bool SymlinkStaysInside(std::string_view link_path, std::string_view target) {
  if (target.empty() || target.starts_with('/')) return false;
  const auto link_depth = static_cast<std::size_t>(std::count(link_path.begin(), link_path.end(), '/'));
  std::size_t climbs = 0;
  bool seen_name = false;
  std::size_t start = 0;
  while (start <= target.size()) {
    std::size_t end = target.find('/', start);
    if (end == std::string_view::npos) end = target.size();
    const std::string_view component = target.substr(start, end - start);
    start = end + 1;
    if (component.empty() || component == ".") continue;
    if (component == "..") {
      if (seen_name || ++climbs > link_depth) return false;
    } else {
      seen_name = true;
    }
  }
  return true;
}

bool IsRegularFile(const fs::path& path) {
  std::error_code error;
  return fs::is_regular_file(fs::symlink_status(path, error));
}

Result<std::string> ReadSmallFile(const fs::path& path, std::string_view name) {
  std::error_code error;
  const std::uintmax_t size = fs::file_size(path, error);
  if (error) return Status::Unavailable("cannot read " + path.string() + ": " + error.message());
  if (size > kMaxAnalyticJsonBytes) return Status::TooLarge(std::string(name) + " is larger than 1 MiB");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  if (!in) return Status::Unavailable("cannot read " + path.string());
  return content.str();
}

Result<std::string> FileSha256(const fs::path& file) {
  VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<core::FileSource> source, core::FileSource::Open(file));
  core::Digest digest(core::DigestKind::kSha256);
  std::vector<char> buffer(256 * 1024);
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(const std::size_t n, source->Read(buffer));
    if (n == 0) break;
    digest.Update(std::string_view(buffer.data(), n));
  }
  return digest.FinishHex();
}

bool IsSha256Hex(std::string_view text) {
  return text.size() == 64 &&
         std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// The entry point analytic.json names (`info.entrypoint`, else `entry_point`); empty when none.
Result<std::string> DeclaredEntryPoint(std::string_view analytic_json) {
  const auto doc = nlohmann::json::parse(analytic_json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object())
    return Status::InvalidArgument("the bundle's analytic.json is not a JSON object");
  const nlohmann::json* declared = nullptr;
  if (const auto info = doc.find("info"); info != doc.end() && info->is_object()) {
    if (const auto field = info->find("entrypoint"); field != info->end()) declared = &*field;
  }
  if (declared == nullptr) {
    if (const auto field = doc.find("entry_point"); field != doc.end()) declared = &*field;
  }
  if (declared == nullptr) return std::string();
  if (!declared->is_string() || declared->get_ref<const std::string&>().empty()) {
    return Status::InvalidArgument("the entry point in the bundle's analytic.json is not a file name");
  }
  return declared->get<std::string>();
}

// Finds the bundle's top, analytic.json and entry point in an unpacked folder, and makes the entry
// point executable.
Result<UnpackedBundle> DescribeUnpacked(const fs::path& unpacked) {
  UnpackedBundle bundle;
  bundle.dir = unpacked;
  if (!IsRegularFile(unpacked / kAnalyticJson)) {
    std::error_code error;
    std::vector<fs::path> entries;
    for (const fs::directory_entry& entry : fs::directory_iterator(unpacked, error)) entries.push_back(entry.path());
    const bool single_folder = entries.size() == 1 && fs::is_directory(fs::symlink_status(entries.front(), error));
    if (!single_folder || !IsRegularFile(entries.front() / kAnalyticJson)) {
      return Status::InvalidArgument(
          "the bundle has no analytic.json (a regular file) at its top or in a single top folder");
    }
    bundle.dir = entries.front();
  }
  VITRINE_ASSIGN_OR_RETURN(bundle.analytic_json, ReadSmallFile(bundle.dir / kAnalyticJson, kAnalyticJson));

  VITRINE_ASSIGN_OR_RETURN(std::string declared, DeclaredEntryPoint(bundle.analytic_json));
  if (!declared.empty()) {
    VITRINE_ASSIGN_OR_RETURN(const std::string relative, MemberPath(declared));
    if (relative.empty()) return BadMember(declared, "cannot be the entry point");
    bundle.entry_point = bundle.dir / relative;
    std::error_code error;
    if (!fs::exists(fs::symlink_status(bundle.entry_point, error))) {
      return BadMember(declared, "is named as the entry point by analytic.json but is not in the bundle");
    }
  } else {
    for (std::string_view name : kDefaultEntryPoints) {
      std::error_code error;
      if (fs::exists(fs::symlink_status(bundle.dir / name, error))) {
        bundle.entry_point = bundle.dir / name;
        break;
      }
    }
    if (bundle.entry_point.empty()) {
      return Status::InvalidArgument(
          "the bundle has no entry point: analytic.json names none (info.entrypoint or entry_point) and there is no "
          "run, run.sh or run.py beside it");
    }
  }
  if (!IsRegularFile(bundle.entry_point)) {
    return BadMember(bundle.entry_point.lexically_relative(bundle.dir).string(),
                     "is the entry point but not a regular file");
  }
  constexpr auto kExecutable = fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec;
  std::error_code error;
  if ((fs::status(bundle.entry_point, error).permissions() & kExecutable) != kExecutable) {
    fs::permissions(bundle.entry_point, kExecutable, fs::perm_options::add, error);
    if (error)
      return Status::Unavailable("cannot make " + bundle.entry_point.string() + " executable: " + error.message());
  }
  return bundle;
}

// Refuses what may not be unpacked; for a file, adds its size to `unpacked_bytes`.
Status CheckMember(archive_entry* entry, std::string_view raw, const std::string& path, std::uint64_t& unpacked_bytes) {
  if (const char* hardlink = archive_entry_hardlink(entry); hardlink != nullptr) {
    const Result<std::string> target = MemberPath(hardlink);
    if (!target.ok() || target->empty()) {
      return BadMember(raw, "is a hard link leading outside the bundle (to '" + std::string(hardlink) + "')");
    }
    return Status::Ok();
  }
  switch (archive_entry_filetype(entry)) {
    case AE_IFDIR:
      return Status::Ok();
    case AE_IFLNK: {
      const char* target = archive_entry_symlink(entry);
      if (target == nullptr || !SymlinkStaysInside(path, target)) {
        return BadMember(raw, "is a symbolic link leading outside the bundle (to '" +
                                  std::string(target != nullptr ? target : "") + "')");
      }
      return Status::Ok();
    }
    case AE_IFREG:
      if (archive_entry_size_is_set(entry) && archive_entry_size(entry) > 0) {
        unpacked_bytes += static_cast<std::uint64_t>(archive_entry_size(entry));
      }
      if (unpacked_bytes > kMaxUnpackedBytes) return Status::TooLarge("the bundle unpacks to more than 2 GiB");
      return Status::Ok();
    default:
      return BadMember(raw, "is a device, fifo or socket: a bundle holds only files, folders and links");
  }
}

// Rewrites the member to be written under `into`, with tame permissions: readable by all (the job
// may run as another user), executable only if it was, never set-uid.
void PlaceMember(archive_entry* entry, const std::string& path, const fs::path& into) {
  archive_entry_set_pathname(entry, (into / path).c_str());
  if (const char* hardlink = archive_entry_hardlink(entry); hardlink != nullptr) {
    archive_entry_set_hardlink(entry, (into / MemberPath(hardlink).value()).c_str());
  }
  const mode_t type = archive_entry_filetype(entry);
  if (type == AE_IFDIR) {
    archive_entry_set_perm(entry, 0755);
  } else if (type == AE_IFREG) {
    archive_entry_set_perm(entry, (archive_entry_perm(entry) & 0111) != 0 ? 0755 : 0644);
  }
}

Status WriteFailure(archive* writer, std::string_view raw) {
  const int error = archive_errno(writer);
  if (error == ENOSPC || error == EDQUOT) return Status::InsufficientStorage("no room to unpack the bundle");
  return BadMember(raw, "cannot be unpacked: " + ArchiveError(writer));
}

Status CopyData(archive* reader, archive* writer, std::string_view raw) {
  while (true) {
    const void* block = nullptr;
    std::size_t size = 0;
    la_int64_t offset = 0;
    const int read = archive_read_data_block(reader, &block, &size, &offset);
    if (read == ARCHIVE_EOF) return Status::Ok();
    if (read < ARCHIVE_WARN) return BadMember(raw, "is damaged: " + ArchiveError(reader));
    if (archive_write_data_block(writer, block, size, offset) < ARCHIVE_WARN) return WriteFailure(writer, raw);
  }
}

Status CheckSymlinksOnDisk(const fs::path& into, const std::vector<std::string>& symlinks) {
  for (const std::string& link : symlinks) {
    std::error_code error;
    const fs::path resolved = fs::weakly_canonical(into / link, error);
    const fs::path inside = resolved.lexically_relative(into);
    if (error || inside.empty() || *inside.begin() == "..") {
      return BadMember(link, "is a symbolic link leading outside the bundle");
    }
  }
  return Status::Ok();
}

// Unpacks every member of the bundle into the folder `into` (canonical), checking each first.
Status ExtractInto(const fs::path& bundle_file, const fs::path& into) {
  VITRINE_ASSIGN_OR_RETURN(ArchiveReader reader, OpenBundle(bundle_file));
  ArchiveWriter writer(archive_write_disk_new());
  if (!writer) return Status::Internal("libarchive could not allocate a writer");
  archive_write_disk_set_options(writer.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
                                                   ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT);
  std::size_t members = 0;
  std::uint64_t unpacked_bytes = 0;
  std::vector<std::string> symlinks;
  while (true) {
    archive_entry* entry = nullptr;
    const int next = archive_read_next_header(reader.get(), &entry);
    if (next == ARCHIVE_EOF) break;
    if (next < ARCHIVE_WARN) return Status::InvalidArgument("the bundle is damaged: " + ArchiveError(reader.get()));
    if (++members > kMaxMembers) return Status::InvalidArgument("the bundle has more than 10,000 members");
    const char* raw_name = archive_entry_pathname(entry);
    if (raw_name == nullptr) return Status::InvalidArgument("the bundle has a member without a name");
    const std::string raw(raw_name);
    VITRINE_ASSIGN_OR_RETURN(const std::string path, MemberPath(raw));
    VITRINE_RETURN_IF_ERROR(CheckMember(entry, raw, path, unpacked_bytes));
    if (path.empty()) continue;  // the top folder itself ("./")
    if (archive_entry_filetype(entry) == AE_IFLNK) symlinks.push_back(path);
    PlaceMember(entry, path, into);
    if (archive_write_header(writer.get(), entry) < ARCHIVE_WARN) return WriteFailure(writer.get(), raw);
    VITRINE_RETURN_IF_ERROR(CopyData(reader.get(), writer.get(), raw));
    if (archive_write_finish_entry(writer.get()) < ARCHIVE_WARN) return WriteFailure(writer.get(), raw);
  }
  if (archive_write_close(writer.get()) != ARCHIVE_OK) return WriteFailure(writer.get(), "(last)");
  return CheckSymlinksOnDisk(into, symlinks);
}

// Removes a half-made folder unless released.
class FolderRemover {
 public:
  explicit FolderRemover(fs::path folder) : folder_(std::move(folder)) {}
  ~FolderRemover() {
    if (folder_.empty()) return;
    std::error_code ignored;
    fs::remove_all(folder_, ignored);
  }
  FolderRemover(const FolderRemover&) = delete;
  FolderRemover& operator=(const FolderRemover&) = delete;
  void Release() { folder_.clear(); }

 private:
  fs::path folder_;
};

// Flushes every file and folder under `dir` (and `dir`) to disk: a bundle published in the
// cache must survive a power cut whole, or the cache would hand out a truncated entry point.
Status SyncOne(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return Status::Unavailable("cannot open " + path.string() + " to flush it");
  const int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : Status::Unavailable("cannot flush " + path.string());
}

Status SyncTree(const fs::path& dir) {
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(dir, error); !error && it != fs::recursive_directory_iterator();
       it.increment(error)) {
    const auto type = it->symlink_status(error).type();
    if (type == fs::file_type::regular || type == fs::file_type::directory)
      VITRINE_RETURN_IF_ERROR(SyncOne(it->path()));
  }
  if (error) return Status::Unavailable("cannot walk " + dir.string() + ": " + error.message());
  return SyncOne(dir);
}

// Folders of unpackings that a crash left behind (older than an hour: none still being written).
void RemoveAbandonedUnpackings(const fs::path& root) {
  std::error_code error;
  const auto cutoff = fs::file_time_type::clock::now() - std::chrono::hours(1);
  for (auto it = fs::directory_iterator(root, error); !error && it != fs::directory_iterator(); it.increment(error)) {
    if (!it->path().filename().string().starts_with(".unpacking-")) continue;
    std::error_code ignored;
    if (it->last_write_time(ignored) < cutoff && !ignored) fs::remove_all(it->path(), ignored);
  }
}

}  // namespace

Result<UnpackedBundle> UnpackBundle(const fs::path& bundle_file, std::string_view sha256, const fs::path& cache_root) {
  // The hash names a folder: anything but hex could climb out of the cache.
  if (!IsSha256Hex(sha256)) return Status::InvalidArgument("a bundle hash is 64 lowercase hex digits");
  std::error_code error;
  fs::create_directories(cache_root, error);
  const fs::path root = fs::canonical(cache_root, error);
  if (error) return Status::Unavailable("cannot use the bundle cache " + cache_root.string() + ": " + error.message());
  const fs::path final_dir = root / sha256;
  if (fs::is_directory(fs::symlink_status(final_dir, error))) return DescribeUnpacked(final_dir);

  VITRINE_ASSIGN_OR_RETURN(const std::string actual_sha256, FileSha256(bundle_file));
  if (actual_sha256 != sha256) {
    return Status::InvalidArgument("the bundle's SHA-256 is " + actual_sha256 + ", not " + std::string(sha256));
  }
  RemoveAbandonedUnpackings(root);
  std::string temp_template = (root / (".unpacking-" + std::string(sha256) + "-XXXXXX")).string();
  if (::mkdtemp(temp_template.data()) == nullptr) {
    return Status::Unavailable("cannot create a folder in the bundle cache " + root.string() + ": " +
                               std::error_code(errno, std::generic_category()).message());
  }
  const fs::path temp_dir = temp_template;
  FolderRemover remover(temp_dir);
  // mkdtemp makes it private; the job may run as another user.
  fs::permissions(temp_dir,
                  fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                      fs::perms::others_exec,
                  error);
  VITRINE_RETURN_IF_ERROR(ExtractInto(bundle_file, temp_dir));
  // Checked before publishing, so the cache only ever holds usable bundles.
  VITRINE_RETURN_IF_ERROR(DescribeUnpacked(temp_dir).status());
  VITRINE_RETURN_IF_ERROR(SyncTree(temp_dir));
  if (::rename(temp_dir.c_str(), final_dir.c_str()) == 0) {
    remover.Release();
    VITRINE_RETURN_IF_ERROR(SyncOne(root));  // the new name
  } else if (errno != EEXIST && errno != ENOTEMPTY) {
    return Status::Unavailable("cannot publish the unpacked bundle " + final_dir.string() + ": " +
                               std::error_code(errno, std::generic_category()).message());
  }  // else another thread or process published the same bundle first: use theirs, drop ours
  return DescribeUnpacked(final_dir);
}

Result<std::string> ReadBundleAnalyticJson(const fs::path& bundle_file) {
  VITRINE_ASSIGN_OR_RETURN(ArchiveReader reader, OpenBundle(bundle_file));
  std::set<std::string> top_names;
  std::optional<std::string> top_json;
  std::map<std::string, std::string> folder_json;  // top folder → its analytic.json
  std::size_t members = 0;
  while (true) {
    archive_entry* entry = nullptr;
    const int next = archive_read_next_header(reader.get(), &entry);
    if (next == ARCHIVE_EOF) break;
    if (next < ARCHIVE_WARN) return Status::InvalidArgument("the bundle is damaged: " + ArchiveError(reader.get()));
    if (++members > kMaxMembers) return Status::InvalidArgument("the bundle has more than 10,000 members");
    const char* raw_name = archive_entry_pathname(entry);
    if (raw_name == nullptr) return Status::InvalidArgument("the bundle has a member without a name");
    VITRINE_ASSIGN_OR_RETURN(const std::string path, MemberPath(raw_name));
    if (path.empty()) continue;
    const std::size_t slash = path.find('/');
    top_names.insert(path.substr(0, slash));
    const bool top_level = slash == std::string::npos;
    const bool in_top_folder = !top_level && path.find('/', slash + 1) == std::string::npos;
    const std::string_view name = top_level ? std::string_view(path) : std::string_view(path).substr(slash + 1);
    const bool regular = archive_entry_filetype(entry) == AE_IFREG && archive_entry_hardlink(entry) == nullptr;
    if (name != kAnalyticJson || !(top_level || in_top_folder) || !regular) continue;
    if (archive_entry_size(entry) > static_cast<la_int64_t>(kMaxAnalyticJsonBytes)) {
      return Status::TooLarge("the bundle's analytic.json is larger than 1 MiB");
    }
    std::string content(static_cast<std::size_t>(std::max<la_int64_t>(archive_entry_size(entry), 0)), '\0');
    if (archive_read_data(reader.get(), content.data(), content.size()) != static_cast<la_ssize_t>(content.size())) {
      return Status::InvalidArgument("the bundle's analytic.json is damaged: " + ArchiveError(reader.get()));
    }
    if (top_level) {
      top_json = std::move(content);
    } else {
      folder_json[path.substr(0, slash)] = std::move(content);
    }
  }
  if (top_json) return *std::move(top_json);
  if (top_names.size() == 1 && folder_json.contains(*top_names.begin())) return folder_json[*top_names.begin()];
  return Status::InvalidArgument(
      "the bundle has no analytic.json (a regular file) at its top or in a single top folder");
}

}  // namespace vitrine::jobs
