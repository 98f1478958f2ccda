#include "blob/fs/fs_blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <mutex>
#include <set>
#include <system_error>

#include "blob/fs/file_ops.h"
#include "core/digest.h"

namespace vitrine::blob {
namespace fs = std::filesystem;
namespace {

Status ErrnoStatus(std::string_view what, const fs::path& path, int err) {
  std::string message = std::string(what) + " " + path.string() + ": " + std::strerror(err);
  if (err == ENOENT) return Status::NotFound(message);
  if (err == ENOSPC || err == EDQUOT) return Status::InsufficientStorage(message);
  return Status::Internal(message);
}

// Owns a file descriptor, closed through the FileOps that opened it.
class Fd {
 public:
  Fd() = default;
  Fd(FileOps& ops, int fd) : ops_(&ops), fd_(fd) {}
  Fd(Fd&& o) noexcept : ops_(o.ops_), fd_(std::exchange(o.fd_, -1)) {}
  ~Fd() {
    if (fd_ >= 0) ops_->Close(fd_);
  }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  FileOps* ops_ = nullptr;
  int fd_ = -1;
};

Status WriteFully(FileOps& ops, int fd, std::string_view bytes, const fs::path& path) {
  while (!bytes.empty()) {
    ssize_t n = ops.Write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("cannot write", path, errno);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::Ok();
}

Status FsyncDirectory(FileOps& ops, const fs::path& dir) {
  Fd fd(ops, ops.Open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0));
  if (!fd.valid()) return ErrnoStatus("cannot open directory", dir, errno);
  if (ops.Fsync(fd.get()) != 0) return ErrnoStatus("cannot fsync directory", dir, errno);
  return Status::Ok();
}

class FileRangeSource final : public core::ByteSource {
 public:
  FileRangeSource(Fd fd, std::int64_t offset, std::int64_t length)
      : fd_(std::move(fd)), offset_(offset), remaining_(length) {}

  Result<std::size_t> Read(std::span<char> buffer) override {
    std::size_t want = static_cast<std::size_t>(std::min<std::int64_t>(remaining_, buffer.size()));
    if (want == 0) return std::size_t{0};
    while (true) {
      ssize_t n = ::pread(fd_.get(), buffer.data(), want, offset_);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::Internal(std::string("blob read failed: ") + std::strerror(errno));
      if (n == 0) return Status::Internal("blob is shorter than recorded");
      offset_ += n;
      remaining_ -= n;
      return static_cast<std::size_t>(n);
    }
  }
  std::int64_t size_hint() const override { return remaining_; }

 private:
  Fd fd_;
  std::int64_t offset_;
  std::int64_t remaining_;
};

class FsBlobStore;

class FsBlobWriter final : public BlobWriter {
 public:
  FsBlobWriter(FsBlobStore& store, fs::path temp, Fd fd, std::int64_t max_bytes)
      : store_(store), temp_(std::move(temp)), fd_(std::move(fd)), max_bytes_(max_bytes) {}
  ~FsBlobWriter() override {
    if (!committed_) store_ops().Unlink(temp_);
  }

  Status Write(std::string_view bytes) override {
    if (size_ + static_cast<std::int64_t>(bytes.size()) > max_bytes_) {
      return Status::TooLarge("blob is larger than the limit of " + std::to_string(max_bytes_) + " bytes");
    }
    sha256_.Update(bytes);
    md5_.Update(bytes);
    size_ += static_cast<std::int64_t>(bytes.size());
    return WriteFully(store_ops(), fd_.get(), bytes, temp_);
  }

  Result<BlobRef> Commit() override;
  const fs::path& local_path() const override { return temp_; }

 private:
  FileOps& store_ops() const;

  FsBlobStore& store_;
  fs::path temp_;
  Fd fd_;
  std::int64_t max_bytes_;
  std::int64_t size_ = 0;
  core::Digest sha256_{core::DigestKind::kSha256};
  core::Digest md5_{core::DigestKind::kMd5};
  bool committed_ = false;
};

class FsBlobStore final : public BlobStore {
 public:
  FsBlobStore(fs::path root, FileOps& ops)
      : root_(std::move(root)), objects_(root_ / "objects"), tmp_(root_ / "tmp"), ops_(ops) {}

  Status Init() {
    std::error_code ec;
    fs::create_directories(objects_, ec);
    if (!ec) fs::create_directories(tmp_, ec);
    if (ec) return Status::Internal("cannot create blob store at " + root_.string() + ": " + ec.message());
    return FsyncDirectory(ops_, root_);  // objects/ and tmp/ themselves
  }

  // Creates `dir` (a fan-out folder under objects/) and its missing parents, and makes each
  // entry durable by syncing its parent. Also when another writer made the folder: it may not
  // have synced it yet, and a blob acknowledged inside must not vanish with it.
  Status MakeDurableDirectory(const fs::path& dir) {
    if (dir == objects_) return Status::Ok();
    {
      std::lock_guard lock(durable_dirs_mu_);
      if (durable_dirs_.contains(dir)) return Status::Ok();
    }
    VITRINE_RETURN_IF_ERROR(MakeDurableDirectory(dir.parent_path()));
    if (ops_.Mkdir(dir, 0700) != 0 && errno != EEXIST) return ErrnoStatus("cannot create", dir, errno);
    VITRINE_RETURN_IF_ERROR(FsyncDirectory(ops_, dir.parent_path()));
    std::lock_guard lock(durable_dirs_mu_);
    durable_dirs_.insert(dir);
    return Status::Ok();
  }

  fs::path PathOf(std::string_view sha) const {
    return objects_ / std::string(sha.substr(0, 2)) / std::string(sha.substr(2, 2)) / std::string(sha);
  }

  Result<std::unique_ptr<BlobWriter>> StartPut(std::int64_t max_bytes) override {
    fs::path temp = tmp_ / (core::RandomUrlToken(12) + ".part");
    Fd fd(ops_, ops_.Open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd.valid()) return ErrnoStatus("cannot create", temp, errno);
    return std::unique_ptr<BlobWriter>(new FsBlobWriter(*this, std::move(temp), std::move(fd), max_bytes));
  }

  Status CheckRoomFor(std::int64_t bytes) const override {
    // Kept free beyond any upload, so the catalog's journal and thumbnails can still be written.
    constexpr std::int64_t kReserve = std::int64_t{64} << 20;
    struct statvfs fs_stats;
    if (::statvfs(tmp_.c_str(), &fs_stats) != 0) return Status::Ok();
    const auto free_bytes = static_cast<std::int64_t>(fs_stats.f_bavail) * static_cast<std::int64_t>(fs_stats.f_frsize);
    if (bytes <= free_bytes - kReserve) return Status::Ok();
    return Status::InsufficientStorage("not enough free space for " + std::to_string(bytes) +
                                       " bytes: " + std::to_string(std::max<std::int64_t>(free_bytes, 0) >> 20) +
                                       " MiB free on the data folder's disk, " + std::to_string(kReserve >> 20) +
                                       " MiB kept in reserve");
  }

  Result<std::unique_ptr<core::ByteSource>> Open(std::string_view sha, ByteRange range) const override {
    if (!IsSha256Hex(sha)) return Status::InvalidArgument("not a SHA-256: '" + std::string(sha) + "'");
    fs::path path = PathOf(sha);
    Fd fd(PosixFileOps(), ::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
      if (errno == ENOENT) return Status::NotFound("blob " + std::string(sha) + " not found");
      return ErrnoStatus("cannot open", path, errno);
    }
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) return ErrnoStatus("cannot stat", path, errno);
    if (range.offset < 0 || range.offset > st.st_size) {
      return Status::InvalidArgument("range starts past the end of the blob");
    }
    std::int64_t available = st.st_size - range.offset;
    std::int64_t length = range.length < 0 ? available : std::min(range.length, available);
    return std::unique_ptr<core::ByteSource>(new FileRangeSource(std::move(fd), range.offset, length));
  }

  Result<std::int64_t> Size(std::string_view sha) const override {
    if (!IsSha256Hex(sha)) return Status::InvalidArgument("not a SHA-256: '" + std::string(sha) + "'");
    struct stat st;
    fs::path path = PathOf(sha);
    if (::stat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) return Status::NotFound("blob " + std::string(sha) + " not found");
      return ErrnoStatus("cannot stat", path, errno);
    }
    return static_cast<std::int64_t>(st.st_size);
  }

  Result<fs::path> LocalPath(std::string_view sha) const override {
    VITRINE_RETURN_IF_ERROR(Size(sha).status());
    return PathOf(sha);
  }

  Status Delete(std::string_view sha) override {
    if (!IsSha256Hex(sha)) return Status::InvalidArgument("not a SHA-256: '" + std::string(sha) + "'");
    fs::path path = PathOf(sha);
    if (ops_.Unlink(path) != 0) {
      if (errno == ENOENT) return Status::NotFound("blob " + std::string(sha) + " not found");
      return ErrnoStatus("cannot delete", path, errno);
    }
    return Status::Ok();
  }

  Result<GarbageReport> CollectGarbage(const std::function<Result<bool>(std::string_view)>& is_referenced,
                                       std::chrono::seconds grace) override {
    GarbageReport report;
    auto cutoff = fs::file_time_type::clock::now() - grace;
    const std::time_t blob_cutoff = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() - grace);
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(objects_, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      std::string name = it->path().filename().string();
      if (!IsSha256Hex(name)) continue;
      ++report.blobs_examined;
      struct stat examined;
      if (::stat(it->path().c_str(), &examined) != 0) continue;
      if (examined.st_mtime > blob_cutoff) continue;
      VITRINE_ASSIGN_OR_RETURN(bool referenced, is_referenced(name));
      if (referenced) continue;
      VITRINE_ASSIGN_OR_RETURN(bool removed, RemoveIfUnchanged(it->path(), examined));
      if (removed) {
        ++report.blobs_removed;
        report.bytes_removed += examined.st_size;
      }
    }
    if (ec) return Status::Internal("blob garbage collection stopped: " + ec.message());
    for (auto it = fs::directory_iterator(tmp_, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
      if (it->path().extension() == ".gc") {
        VITRINE_RETURN_IF_ERROR(SettleSetAside(it->path()));
        continue;
      }
      if (it->last_write_time(ec) <= cutoff && fs::remove(it->path(), ec)) ++report.temp_files_removed;
    }
    return report;
  }

  // A blob set aside by a collection that a crash interrupted: it may be an upload that landed
  // meanwhile and was about to be put back. Back into place if nothing is there, else it is a
  // copy of what is (same name, same bytes) and goes.
  Status SettleSetAside(const fs::path& doomed) {
    const std::string name = doomed.filename().string();
    if (name.size() < 64 || !IsSha256Hex(std::string_view(name).substr(0, 64))) return Status::Ok();
    const fs::path home = PathOf(std::string_view(name).substr(0, 64));
    struct stat st;
    if (::stat(home.c_str(), &st) == 0) {
      if (ops_.Unlink(doomed) != 0 && errno != ENOENT) return ErrnoStatus("cannot delete", doomed, errno);
      return Status::Ok();
    }
    VITRINE_RETURN_IF_ERROR(MakeDurableDirectory(home.parent_path()));
    if (ops_.Rename(doomed, home) != 0 && errno != ENOENT) return ErrnoStatus("cannot put back", home, errno);
    return FsyncDirectory(ops_, home.parent_path());
  }

  // Removes the blob at `path` only if it is still the file examined. An identical upload that
  // lands between the examination and now publishes a new file at the same path (its catalog
  // row not yet committed, so the catalog called the blob unreferenced): it must survive. So
  // the file is first moved out of the way atomically, compared, and put back if it is new.
  Result<bool> RemoveIfUnchanged(const fs::path& path, const struct stat& examined) {
    // Named after the blob, so a collection cut short by a crash can be undone (see below).
    fs::path doomed = tmp_ / (path.filename().string() + "." + core::RandomUrlToken(12) + ".gc");
    if (ops_.Rename(path, doomed) != 0) {
      if (errno == ENOENT) return false;
      return ErrnoStatus("cannot move aside", path, errno);
    }
    struct stat now;
    bool same = ::stat(doomed.c_str(), &now) == 0 && now.st_ino == examined.st_ino && now.st_dev == examined.st_dev;
    if (!same) {
      // Identical bytes either way, so replacing whatever is at `path` by now is harmless.
      // ENOENT: another collector (`vitrine gc` beside the server) settled it already.
      if (ops_.Rename(doomed, path) != 0 && errno != ENOENT) return ErrnoStatus("cannot put back", path, errno);
      return false;
    }
    if (ops_.Unlink(doomed) != 0) {
      if (errno == ENOENT) return false;
      return ErrnoStatus("cannot delete", doomed, errno);
    }
    return true;
  }

 private:
  friend class FsBlobWriter;
  fs::path root_;
  fs::path objects_;
  fs::path tmp_;
  FileOps& ops_;
  std::mutex durable_dirs_mu_;
  std::set<fs::path> durable_dirs_;  // fan-out folders whose entries are known synced
};

FileOps& FsBlobWriter::store_ops() const { return store_.ops_; }

Result<BlobRef> FsBlobWriter::Commit() {
  if (committed_) return Status::Internal("blob committed twice");
  if (store_.ops_.Fsync(fd_.get()) != 0) return ErrnoStatus("cannot fsync", temp_, errno);
  BlobRef ref{sha256_.FinishHex(), md5_.FinishHex(), size_};
  fs::path final_path = store_.PathOf(ref.sha256);
  VITRINE_RETURN_IF_ERROR(store_.MakeDurableDirectory(final_path.parent_path()));
  // Identical content may already be stored; rename replaces it with identical bytes, atomically.
  if (store_.ops_.Rename(temp_, final_path) != 0) return ErrnoStatus("cannot publish", final_path, errno);
  committed_ = true;
  VITRINE_RETURN_IF_ERROR(FsyncDirectory(store_.ops_, final_path.parent_path()));
  return ref;
}

}  // namespace

Result<std::unique_ptr<BlobStore>> OpenFsBlobStore(const fs::path& root, FileOps& ops) {
  auto store = std::make_unique<FsBlobStore>(root, ops);
  VITRINE_RETURN_IF_ERROR(store->Init());
  return std::unique_ptr<BlobStore>(std::move(store));
}

}  // namespace vitrine::blob
