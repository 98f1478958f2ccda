// Copies the write-ahead log back into the database file on a thread of its own.
//
// With SQLite's automatic checkpoints, the commit that crosses the threshold does the copy
// (64 MiB of pages, and an fsync) before it returns, so one bulk annotation request in a few
// would wait for it. Here a passive checkpoint runs every `interval` on its own
// connection, beside the writers, which it never blocks; the writers keep an automatic
// checkpoint at a higher threshold only as a backstop, should this one fall behind (a long
// reader pins the log).
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "catalog/sqlite/connection.h"

namespace vitrine::catalog::sqlite {

class WalCheckpointer {
 public:
  // Starts the thread; it stops (after a last checkpoint) when this is destroyed.
  static Result<std::unique_ptr<WalCheckpointer>> Start(const std::filesystem::path& file,
                                                        std::chrono::milliseconds interval);
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

 private:
  WalCheckpointer(std::unique_ptr<Connection> conn, std::chrono::milliseconds interval);
  void Run();
  void Checkpoint();

  std::unique_ptr<Connection> conn_;
  const std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace vitrine::catalog::sqlite
