// Copies the write-ahead log back into the database file off the writers' path.
//
// With SQLite's automatic checkpoints, the commit that crosses the threshold does the copy
// (64 MiB of pages, and an fsync) before it returns, and the request that made that commit
// waits for it. Here a passive checkpoint runs every `interval` on its own connection, on the
// executor's maintenance lane, beside the writers, which it never blocks; the writers keep an
// automatic checkpoint at a higher threshold only as a backstop, should this one fall behind
// (a long reader pins the log).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>

#include "catalog/sqlite/connection.h"
#include "core/executor.h"

namespace vitrine::catalog::sqlite {

class WalCheckpointer {
 public:
  // Checkpoints every `interval` until destroyed, then once more.
  static Result<std::unique_ptr<WalCheckpointer>> Start(const std::filesystem::path& file,
                                                        std::chrono::milliseconds interval, core::Executor& executor);
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

 private:
  explicit WalCheckpointer(std::unique_ptr<Connection> conn) : conn_(std::move(conn)) {}
  void Checkpoint();

  std::unique_ptr<Connection> conn_;
  std::optional<core::PeriodicTask> periodic_;  // last: stops before the connection closes
};

}  // namespace vitrine::catalog::sqlite
