#include "catalog/sqlite/wal_checkpointer.h"

#include <spdlog/spdlog.h>

namespace vitrine::catalog::sqlite {

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(const std::filesystem::path& file,
                                                                std::chrono::milliseconds interval) {
  VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connection::Open(file));
  return std::unique_ptr<WalCheckpointer>(new WalCheckpointer(std::move(conn), interval));
}

WalCheckpointer::WalCheckpointer(std::unique_ptr<Connection> conn, std::chrono::milliseconds interval)
    : conn_(std::move(conn)), interval_(interval), thread_([this] { Run(); }) {}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void WalCheckpointer::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
    lock.unlock();
    Checkpoint();
    lock.lock();
  }
}

void WalCheckpointer::Checkpoint() {
  int log_frames = 0, copied = 0;
  int rc = sqlite3_wal_checkpoint_v2(conn_->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &copied);
  // BUSY: another process is checkpointing the same file, which is as good.
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
    spdlog::warn("catalog checkpoint: {}", sqlite3_errmsg(conn_->raw()));
  }
}

}  // namespace vitrine::catalog::sqlite
