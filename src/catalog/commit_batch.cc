#include "catalog/commit_batch.h"

#include <algorithm>

namespace vitrine::catalog {
namespace {

thread_local bool t_active = false;
thread_local std::vector<CommitBatch::Flusher*> t_owed;

}  // namespace

CommitBatch::CommitBatch() : outermost_(!t_active) { t_active = true; }

CommitBatch::~CommitBatch() { (void)Finish(); }

Status CommitBatch::Finish() {
  if (finished_ || !outermost_) return Status::Ok();
  finished_ = true;
  t_active = false;
  std::vector<Flusher*> owed;
  owed.swap(t_owed);
  Status first = Status::Ok();
  for (Flusher* f : owed) {
    Status flushed = f->FlushCommitted();
    if (first.ok()) first = flushed;
  }
  return first;
}

bool CommitBatch::Active() { return t_active; }

void CommitBatch::Owe(Flusher& flusher) {
  if (std::find(t_owed.begin(), t_owed.end(), &flusher) == t_owed.end()) t_owed.push_back(&flusher);
}

}  // namespace vitrine::catalog
