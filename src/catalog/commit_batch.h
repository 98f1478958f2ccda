// Commits that become durable together.
//
// Commits made on one thread while a CommitBatch lives are flushed once, when it ends, where a
// backend flushes per commit (SQLite's group commit, sqlite/group_commit.h); PostgreSQL's own
// commits are durable when they return, and it ignores batches. Whoever opens a batch reports
// none of its writes before Finish() has returned: until then they may be visible, not durable.
#pragma once

#include <vector>

#include "vitrine/status.h"

namespace vitrine::catalog {

class CommitBatch {
 public:
  // Something that owes this thread a flush (a SQLite pool's group commit).
  class Flusher {
   public:
    virtual Status FlushCommitted() = 0;

   protected:
    ~Flusher() = default;
  };

  CommitBatch();   // a batch opened inside another joins the outer one
  ~CommitBatch();  // Finish(), if not called
  CommitBatch(const CommitBatch&) = delete;
  CommitBatch& operator=(const CommitBatch&) = delete;
  // Flushes what the batch's commits owe; the first failure.
  Status Finish();

  // For backends: whether this thread is in a batch, and the flush it now owes.
  static bool Active();
  static void Owe(Flusher& flusher);

 private:
  bool outermost_;
  bool finished_ = false;
};

}  // namespace vitrine::catalog
