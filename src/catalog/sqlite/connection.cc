#include "catalog/sqlite/connection.h"

#include <string>

namespace vitrine::catalog::sqlite {

Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string message = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable(message);
    case SQLITE_CONSTRAINT:
      return Status::Conflict(message);
    case SQLITE_FULL:
      return Status::InsufficientStorage(message);
    default:
      return Status::Internal(message);
  }
}

Statement::~Statement() {
  if (!stmt_) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  if (lent_) *lent_ = false;
}

Result<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, rc, "sqlite step");
}

Status Statement::Run() {
  VITRINE_ASSIGN_OR_RETURN(bool has_row, Step());
  (void)has_row;
  return Status::Ok();
}

std::string Statement::Text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::filesystem::path& file) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  DbHandle db(raw);
  if (rc != SQLITE_OK) return SqliteError(raw, rc, "cannot open catalog " + file.string());
  sqlite3_extended_result_codes(raw, 1);
  // A writer waits up to 10 s for another to finish before the request reports kUnavailable.
  sqlite3_busy_timeout(raw, 10'000);
  std::unique_ptr<Connection> conn(new Connection(std::move(db)));
  // synchronous=FULL: a committed row survives power loss, not only a process crash.
  // cache_size: up to 64 MiB per connection, allocated only as used: bulk annotation inserts
  // slow down with a smaller cache (bench/README.md, History).
  // wal_autocheckpoint: checkpoints run on a thread of their own (wal_checkpointer.h); a commit
  // does one itself only past 256 MiB of log, as a backstop. A large log also lets pages
  // rewritten by successive commits (index pages, mostly) be copied into the database once,
  // not once per commit, which bulk annotation inserts depend on.
  // journal_size_limit trims a log that a long reader made grow.
  VITRINE_RETURN_IF_ERROR(
      conn->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                 "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;"
                 "PRAGMA wal_autocheckpoint=65536; PRAGMA journal_size_limit=67108864;"));
  return conn;
}

Result<Statement> Connection::Prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v3(db_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_.get(), rc, "sqlite prepare");
    it = cache_.emplace(sql, StmtHandle(raw)).first;
  }
  return Statement(db_.get(), it->second.get());
}

Result<Statement> Connection::PrepareDynamic(const std::string& sql) {
  // Bounded, never evicted (a lent statement must outlive its borrower): the texts a catalog
  // assembles are few (filters present or not), but lists of values bound one by one are not.
  constexpr std::size_t kMaxKept = 256;
  auto kept = dynamic_cache_.find(sql);
  if (kept == dynamic_cache_.end() && dynamic_cache_.size() < kMaxKept) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v3(db_.get(), sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    StmtHandle owned(raw);
    if (rc != SQLITE_OK) return SqliteError(db_.get(), rc, "sqlite prepare");
    kept = dynamic_cache_.emplace(sql, Kept{std::move(owned), false}).first;
  }
  if (kept != dynamic_cache_.end() && !kept->second.lent) {
    kept->second.lent = true;
    return Statement(db_.get(), kept->second.handle.get(), &kept->second.lent);
  }
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &raw, nullptr);
  StmtHandle owned(raw);
  if (rc != SQLITE_OK) return SqliteError(db_.get(), rc, "sqlite prepare");
  return Statement(db_.get(), std::move(owned));
}

Status Connection::Exec(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &err);
  std::unique_ptr<char, decltype(&sqlite3_free)> err_owner(err, &sqlite3_free);
  if (rc != SQLITE_OK) return SqliteError(db_.get(), rc, "sqlite exec");
  return Status::Ok();
}

Result<Transaction> Transaction::Begin(Connection& conn) {
  std::unique_lock<std::timed_mutex> gate;
  if (conn.group_) {
    // As long as SQLite's own busy timeout: a writer held up longer reports the same error.
    gate = std::unique_lock(conn.group_->gate(), std::chrono::seconds(10));
    if (!gate.owns_lock()) return Status::Unavailable("the catalog is busy: another write held it for 10 s");
    GroupCommit::DeferFlushes(conn.group_);
  }
  Status begun = conn.Exec("BEGIN IMMEDIATE");
  if (!begun.ok()) {
    GroupCommit::DeferFlushes(nullptr);
    return begun;
  }
  return Transaction(&conn, std::move(gate));
}

Transaction::~Transaction() {
  if (!conn_) return;
  (void)conn_->Exec("ROLLBACK");
  // A lone statement's commit made meanwhile on this thread is still owed its flush.
  (void)LetGo(*conn_);
}

Status Transaction::LetGo(Connection& conn) {
  if (!conn.group_) return Status::Ok();
  GroupCommit::DeferFlushes(nullptr);
  if (gate_.owns_lock()) gate_.unlock();  // the next writer goes while this one's commit is flushed
  return GroupCommit::TakeOwedFlush() ? conn.group_->CommitOwesFlush() : Status::Ok();
}

Status Transaction::Commit() {
  Connection* conn = std::exchange(conn_, nullptr);
  Status s = conn->Exec("COMMIT");
  if (!s.ok()) (void)conn->Exec("ROLLBACK");
  Status flushed = LetGo(*conn);
  return s.ok() ? flushed : s;
}

Result<ConnectionPool::Lease> ConnectionPool::Acquire() {
  std::unique_lock lock(mu_);
  available_.wait(lock, [&] { return !idle_.empty() || open_ < max_; });
  if (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(conn));
  }
  ++open_;
  lock.unlock();
  auto conn = Connection::Open(file_);
  Status attached = conn.ok() ? group_.Attach((*conn)->raw()) : conn.status();
  if (!attached.ok()) {
    std::lock_guard relock(mu_);
    --open_;
    available_.notify_one();
    return attached;
  }
  (*conn)->group_ = &group_;
  return Lease(this, std::move(*conn));
}

void ConnectionPool::Release(std::unique_ptr<Connection> conn) {
  {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(conn));
  }
  available_.notify_one();
}

}  // namespace vitrine::catalog::sqlite
