// Durable commits that share their fsync.
//
// With synchronous=FULL, SQLite syncs the write-ahead log inside every COMMIT, while it still
// holds the database's write lock: concurrent writers queue behind one another's fsyncs, and the
// disk sees one flush per transaction. Here the pool's connections commit with
// synchronous=NORMAL (the log is written, not yet flushed), and the committing thread, once it
// has let the next writer in, waits for a flush of the log that began after its commit. One
// fdatasync serves every writer that committed before it started, so a commit is on disk before
// its caller hears of it (before an HTTP answer says "stored"), as with FULL, at a fraction of
// the flushes under load.
//
// What differs from FULL: between its commit and the flush, a row is visible to other readers
// while not yet durable. A power loss in that instant loses it along with the acknowledgement
// its writer never sent, and any later write that depended on it (a claim of a just-created
// job) waits for a flush that covers both, since the log is one sequential file.
//
// A thread inside a CommitBatch (commit_batch.h) leaves its commits' flush to the batch's end:
// a worker's result and its next claim, for one.
#pragma once

#include <sqlite3.h>
#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>

#include "catalog/commit_batch.h"
#include "vitrine/status.h"

namespace vitrine::catalog::sqlite {

class GroupCommit final : public CommitBatch::Flusher {
 public:
  explicit GroupCommit(std::filesystem::path database);
  ~GroupCommit();
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Makes `db` commit with synchronous=NORMAL and report its commits here.
  Status Attach(sqlite3* db);
  // The pool's writers queue here, one transaction at a time (see Transaction).
  std::timed_mutex& gate() { return gate_; }
  // Returns once everything committed before the call is on disk.
  Status SyncCommitted();
  Status FlushCommitted() override { return SyncCommitted(); }
  // A commit on this thread is owed its flush: now, or at the end of the thread's CommitBatch.
  Status CommitOwesFlush();
  // Flushes done so far (each may have served several commits).
  std::uint64_t flushes() const { return flushes_; }

  // A transaction that holds `group`'s gate defers its flush until it has let the gate go
  // (null: it has); every other commit on an attached connection (a lone statement, another
  // database's) flushes in the commit hook.
  static void DeferFlushes(GroupCommit* group);
  // Whether a deferred commit happened on this thread since the last call; clears it.
  static bool TakeOwedFlush();

 private:
  static int OnCommit(void* self, sqlite3* db, const char* schema, int log_pages);
  Status FlushLog();  // by one thread at a time

  const std::filesystem::path log_;
  std::timed_mutex gate_;
  std::mutex mu_;
  std::condition_variable flushed_cv_;
  std::uint64_t requested_ = 0;  // commits that asked for a flush
  std::uint64_t flushed_ = 0;    // of those, how many a finished flush covers
  bool flushing_ = false;
  std::atomic<std::uint64_t> flushes_ = 0;
  int fd_ = -1;  // the log as last opened; reopened when the file at its path changes
  dev_t fd_device_ = 0;
  ino_t fd_inode_ = 0;
};

}  // namespace vitrine::catalog::sqlite
