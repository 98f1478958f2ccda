// Thin RAII layer over the sqlite3 C API: a connection with a cache of prepared statements,
// a statement with typed binding, and a pool that hands connections to threads.
//
// Every SQL statement Vitrine runs against SQLite goes through Connection::Prepare with `?`
// placeholders: values are bound, never formatted into SQL.
#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "catalog/sqlite/group_commit.h"
#include "vitrine/status.h"
#include "vitrine/types.h"

namespace vitrine::catalog::sqlite {

// Times are stored as microseconds since the Unix epoch.
inline std::int64_t Micros(Timestamp t) { return t.time_since_epoch().count(); }
inline Timestamp FromMicros(std::int64_t us) { return Timestamp(std::chrono::microseconds(us)); }

// "?,?,?" for `n` bound values in an IN list.
inline std::string Placeholders(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += i ? ",?" : "?";
  return out;
}

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;

struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using StmtHandle = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// Maps a sqlite3 result code to a Status: busy/locked → kUnavailable, constraint → kConflict.
Status SqliteError(sqlite3* db, int rc, std::string_view what);

// Bytes to bind as a BLOB (a plain string binds as TEXT).
struct Blob {
  std::string_view bytes;
};

// A prepared statement borrowed from a connection's cache; reset when it goes out of scope.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  // A statement that owns its handle (SQL assembled at run time, not cached).
  Statement(sqlite3* db, StmtHandle owned) : db_(db), stmt_(owned.get()), owned_(std::move(owned)) {}
  // A cached statement marked lent (`*lent` is true) until this one goes out of scope.
  Statement(sqlite3* db, sqlite3_stmt* stmt, bool* lent) : db_(db), stmt_(stmt), lent_(lent) {}
  ~Statement();
  Statement(Statement&& other) noexcept
      : db_(other.db_),
        stmt_(std::exchange(other.stmt_, nullptr)),
        owned_(std::move(other.owned_)),
        lent_(std::exchange(other.lent_, nullptr)) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;

  // Binds one value at a 1-based index (for statements assembled at run time).
  template <class T>
  Statement& BindAt(int index, const T& value) {
    BindOne(index, value);
    return *this;
  }

  template <class... Args>
  Statement& Bind(const Args&... args) {
    int index = 1;
    (BindOne(index++, args), ...);
    return *this;
  }

  // Rewinds for another run with new bindings.
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  // Advances to the next row: true if there is one, false when done.
  Result<bool> Step();
  // Runs a statement that returns no rows.
  Status Run();

  std::int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  double Real(int col) const { return sqlite3_column_double(stmt_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  int ColumnType(int col) const { return sqlite3_column_type(stmt_, col); }
  std::string Text(int col) const;
  std::string BlobBytes(int col) const {
    const void* data = sqlite3_column_blob(stmt_, col);
    return data ? std::string(static_cast<const char*>(data), sqlite3_column_bytes(stmt_, col)) : std::string();
  }
  std::optional<std::int64_t> OptionalInt(int col) const {
    return IsNull(col) ? std::nullopt : std::optional<std::int64_t>(Int(col));
  }

 private:
  void BindOne(int index, std::int64_t v) { sqlite3_bind_int64(stmt_, index, v); }
  void BindOne(int index, int v) { sqlite3_bind_int64(stmt_, index, v); }
  void BindOne(int index, bool v) { sqlite3_bind_int64(stmt_, index, v ? 1 : 0); }
  void BindOne(int index, double v) { sqlite3_bind_double(stmt_, index, v); }
  void BindOne(int index, std::string_view v) {
    sqlite3_bind_text64(stmt_, index, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  }
  void BindOne(int index, const std::string& v) { BindOne(index, std::string_view(v)); }
  void BindOne(int index, const char* v) { BindOne(index, std::string_view(v)); }
  void BindOne(int index, std::nullptr_t) { sqlite3_bind_null(stmt_, index); }
  void BindOne(int index, Blob v) {
    sqlite3_bind_blob64(stmt_, index, v.bytes.data(), v.bytes.size(), SQLITE_TRANSIENT);
  }
  template <class T>
  void BindOne(int index, const std::optional<T>& v) {
    if (v)
      BindOne(index, *v);
    else
      sqlite3_bind_null(stmt_, index);
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  StmtHandle owned_;
  bool* lent_ = nullptr;
};

// One open database connection. Used by one thread at a time (the pool sees to that).
class Connection {
 public:
  static Result<std::unique_ptr<Connection>> Open(const std::filesystem::path& file);

  // Prepares (or reuses) `sql`. The text must outlive the connection: pass string literals.
  Result<Statement> Prepare(const char* sql);
  // Prepares SQL assembled at run time from fixed fragments (values still bound, never formatted).
  // Kept by its text for the next time, up to a bound: compiling a statement can cost more than
  // running it.
  Result<Statement> PrepareDynamic(const std::string& sql);
  // Runs one or more statements with no parameters and no rows (schema, pragmas).
  Status Exec(std::string_view sql);
  std::int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_.get()); }
  std::int64_t changes() const { return sqlite3_changes64(db_.get()); }
  sqlite3* raw() const { return db_.get(); }

 private:
  friend class ConnectionPool;
  friend class Transaction;
  explicit Connection(DbHandle db) : db_(std::move(db)) {}
  DbHandle db_;
  std::unordered_map<const char*, StmtHandle> cache_;
  struct Kept {
    StmtHandle handle;
    bool lent = false;  // in use by a Statement: the same text prepared meanwhile gets its own
  };
  std::unordered_map<std::string, Kept> dynamic_cache_;
  // The pool's writers' queue and flushes, or null for a connection of its own (migrations,
  // tools, the checkpointer), which commits with synchronous=FULL.
  GroupCommit* group_ = nullptr;
};

// Commits on Commit(); rolls back if destroyed first. BEGIN IMMEDIATE takes the write lock up
// front, so two writers never deadlock upgrading from read locks.
//
// Writers through one pool first queue on the pool's gate, and the next one goes the moment
// the previous one commits. Left to SQLite, a writer that finds the lock taken sleeps 1, 2, 5,
// 10... ms in its busy handler before trying again: under a few concurrent short writes (a job
// queue's claims and finishes) that sleeping, not the work, was most of each request's time.
// Writers in other processes still meet the busy timeout. Commit() returns once the commit is
// on disk, flushed after the gate opens, together with the commits of other writers
// (group_commit.h).
class Transaction {
 public:
  static Result<Transaction> Begin(Connection& conn);
  Transaction(Transaction&& other) noexcept
      : conn_(std::exchange(other.conn_, nullptr)), gate_(std::move(other.gate_)) {}
  ~Transaction();
  Status Commit();

 private:
  Transaction(Connection* conn, std::unique_lock<std::timed_mutex> gate) : conn_(conn), gate_(std::move(gate)) {}
  // After COMMIT or ROLLBACK: opens the gate, then flushes what this thread's commits owe.
  Status LetGo(Connection& conn);
  Connection* conn_;
  std::unique_lock<std::timed_mutex> gate_;  // released after COMMIT or ROLLBACK
};

// Hands out connections to one database file; blocks while all are in use.
class ConnectionPool {
 public:
  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (conn_) pool_->Release(std::move(conn_));
    }
    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  ConnectionPool(std::filesystem::path file, std::size_t max_connections)
      : file_(std::move(file)), max_(max_connections), group_(file_) {}
  Result<Lease> Acquire();
  const GroupCommit& group_commit() const { return group_; }

 private:
  void Release(std::unique_ptr<Connection> conn);

  const std::filesystem::path file_;
  const std::size_t max_;
  GroupCommit group_;
  std::mutex mu_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;
};

}  // namespace vitrine::catalog::sqlite
