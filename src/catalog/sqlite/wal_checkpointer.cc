#include "catalog/sqlite/wal_checkpointer.h"

#include <spdlog/spdlog.h>

namespace vitrine::catalog::sqlite {

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(const std::filesystem::path& file,
                                                                std::chrono::milliseconds interval,
                                                                core::Executor& executor) {
  VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connection::Open(file));
  std::unique_ptr<WalCheckpointer> checkpointer(new WalCheckpointer(std::move(conn)));
  checkpointer->periodic_.emplace(executor, core::Lane::kMaintenance, interval,
                                  [raw = checkpointer.get()] { raw->Checkpoint(); });
  return checkpointer;
}

WalCheckpointer::~WalCheckpointer() {
  periodic_.reset();
  Checkpoint();
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
