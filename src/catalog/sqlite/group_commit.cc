#include "catalog/sqlite/group_commit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vitrine::catalog::sqlite {
namespace {

// As PRAGMA wal_autocheckpoint=65536, which the commit hook replaces: a backstop for when the
// background checkpointer falls behind (wal_checkpointer.h).
constexpr int kBackstopCheckpointPages = 65536;

thread_local GroupCommit* t_deferring = nullptr;
thread_local bool t_flush_owed = false;

Status ErrnoStatus(const std::string& what) { return Status::Internal(what + ": " + std::strerror(errno)); }

}  // namespace

GroupCommit::GroupCommit(std::filesystem::path database) : log_(database.string() + "-wal") {}

GroupCommit::~GroupCommit() {
  if (fd_ >= 0) ::close(fd_);
}

Status GroupCommit::Attach(sqlite3* db) {
  char* error = nullptr;
  if (sqlite3_exec(db, "PRAGMA synchronous=NORMAL", nullptr, nullptr, &error) != SQLITE_OK) {
    Status failed = Status::Internal(std::string("cannot set synchronous=NORMAL: ") + (error ? error : "?"));
    sqlite3_free(error);
    return failed;
  }
  sqlite3_wal_hook(db, &GroupCommit::OnCommit, this);
  return Status::Ok();
}

void GroupCommit::DeferFlushes(GroupCommit* group) { t_deferring = group; }

bool GroupCommit::TakeOwedFlush() { return std::exchange(t_flush_owed, false); }

int GroupCommit::OnCommit(void* self, sqlite3* db, const char* schema, int log_pages) {
  if (log_pages >= kBackstopCheckpointPages) {
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  }
  if (t_deferring == self) {
    t_flush_owed = true;
    return SQLITE_OK;
  }
  // The commit stands either way; an error here makes its statement report the failed flush.
  return static_cast<GroupCommit*>(self)->CommitOwesFlush().ok() ? SQLITE_OK : SQLITE_IOERR_FSYNC;
}

Status GroupCommit::CommitOwesFlush() {
  if (!CommitBatch::Active()) return SyncCommitted();
  CommitBatch::Owe(*this);
  return Status::Ok();
}

Status GroupCommit::SyncCommitted() {
  std::unique_lock lock(mu_);
  const std::uint64_t ticket = ++requested_;
  while (flushed_ < ticket) {
    if (flushing_) {
      flushed_cv_.wait(lock);
      continue;
    }
    // Every ticket handed out so far belongs to a commit that is already in the log.
    const std::uint64_t covers = requested_;
    flushing_ = true;
    lock.unlock();
    Status flushed = FlushLog();
    lock.lock();
    flushing_ = false;
    if (flushed.ok()) flushed_ = std::max(flushed_, covers);
    flushed_cv_.notify_all();
    if (!flushed.ok()) return flushed;
  }
  return Status::Ok();
}

Status GroupCommit::FlushLog() {
  struct stat at_path {};
  if (::stat(log_.c_str(), &at_path) != 0) return ErrnoStatus("cannot find the catalog's log " + log_.string());
  if (fd_ < 0 || at_path.st_dev != fd_device_ || at_path.st_ino != fd_inode_) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = ::open(log_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return ErrnoStatus("cannot open the catalog's log " + log_.string());
    struct stat opened {};
    if (::fstat(fd_, &opened) != 0) return ErrnoStatus("cannot read " + log_.string());
    fd_device_ = opened.st_dev;
    fd_inode_ = opened.st_ino;
    // A log file new to us: its name in the folder is made durable too, once.
    const int dir = ::open(log_.parent_path().empty() ? "." : log_.parent_path().c_str(), O_RDONLY | O_CLOEXEC);
    if (dir >= 0) {
      ::fsync(dir);
      ::close(dir);
    }
  }
  if (::fdatasync(fd_) != 0) return ErrnoStatus("cannot flush the catalog's log " + log_.string());
  ++flushes_;
  return Status::Ok();
}

}  // namespace vitrine::catalog::sqlite
