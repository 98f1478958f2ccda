// Thin RAII layer over libpq: a connection that runs parameterised statements, the rows it
// returns, a transaction, and a bounded pool that reconnects and retries.
//
// Every statement Vitrine runs against PostgreSQL goes through PQexecParams with `$n`
// placeholders (or COPY with data written by this module): values are sent apart from the SQL,
// never formatted into it. Values travel as text, bytea as binary.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vitrine/status.h"
#include "vitrine/types.h"

namespace vitrine::catalog::postgres {

// Times are stored as microseconds since the Unix epoch, as on the SQLite side.
inline std::int64_t Micros(Timestamp t) { return t.time_since_epoch().count(); }
inline Timestamp FromMicros(std::int64_t us) { return Timestamp(std::chrono::microseconds(us)); }

// The shortest text that reads back as the same double.
std::string FormatReal(double v);

struct PgConnFinish {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using PgConnHandle = std::unique_ptr<PGconn, PgConnFinish>;
struct PgResultClear {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResultHandle = std::unique_ptr<PGresult, PgResultClear>;

// Bytes sent as bytea (a plain string is sent as text).
struct Bytes {
  std::string_view bytes;
};

// Parameter values in order; Add returns the placeholder ("$3") to write into the SQL.
class Params {
 public:
  std::string Add(std::int64_t v) { return Push(std::to_string(v)); }
  std::string Add(int v) { return Push(std::to_string(v)); }
  std::string Add(bool v) { return Push(v ? "true" : "false"); }
  std::string Add(double v) { return Push(FormatReal(v)); }
  std::string Add(std::string_view v) { return Push(std::string(v)); }
  std::string Add(const std::string& v) { return Push(v); }
  std::string Add(const char* v) { return Push(v); }
  std::string Add(std::nullptr_t) { return Push(std::nullopt); }
  std::string Add(Bytes v) { return Push(std::string(v.bytes), /*binary=*/true); }
  template <class T>
  std::string Add(const std::optional<T>& v) {
    return v ? Add(*v) : Push(std::nullopt);
  }
  // Text as given, or NULL.
  std::string Push(std::optional<std::string> text, bool binary = false);

  int size() const { return static_cast<int>(values_.size()); }
  // Pointers into the values: valid until the next Add.
  const char* const* values();
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }
  // True when a text value holds a NUL byte, which PostgreSQL's text cannot.
  bool has_nul() const { return has_nul_; }

 private:
  std::vector<std::optional<std::string>> values_;
  std::vector<const char*> pointers_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  bool has_nul_ = false;
};

// The rows of one statement, read as text (bytea decoded).
class Rows {
 public:
  explicit Rows(PgResultHandle result) : result_(std::move(result)) {}
  int size() const { return PQntuples(result_.get()); }
  bool empty() const { return size() == 0; }
  bool IsNull(int row, int col) const { return PQgetisnull(result_.get(), row, col) != 0; }
  std::int64_t Int(int row, int col) const;
  double Real(int row, int col) const;
  bool Bool(int row, int col) const { return PQgetvalue(result_.get(), row, col)[0] == 't'; }
  std::string Text(int row, int col) const {
    return std::string(PQgetvalue(result_.get(), row, col), PQgetlength(result_.get(), row, col));
  }
  std::string ByteaBytes(int row, int col) const;
  std::optional<std::int64_t> OptionalInt(int row, int col) const {
    return IsNull(row, col) ? std::nullopt : std::optional<std::int64_t>(Int(row, col));
  }
  std::optional<double> OptionalReal(int row, int col) const {
    return IsNull(row, col) ? std::nullopt : std::optional<double>(Real(row, col));
  }
  std::optional<std::string> OptionalText(int row, int col) const {
    return IsNull(row, col) ? std::nullopt : std::optional<std::string>(Text(row, col));
  }
  Oid Type(int col) const { return PQftype(result_.get(), col); }
  int columns() const { return PQnfields(result_.get()); }
  // Rows an INSERT, UPDATE or DELETE touched.
  std::int64_t affected() const;

 private:
  PgResultHandle result_;
};

// Connection settings: the libpq URI without Vitrine's own parameters, and where it points
// (host:port/database, no password) for error messages.
struct ServerAddress {
  std::string conninfo;
  std::string display;
  std::size_t pool_size = 8;
};
// Parses a postgres:// or postgresql:// URL; Vitrine's parameters (pool=N) are taken out.
Result<ServerAddress> ParseServerUrl(std::string_view url);

// One connection. Used by one thread at a time (the pool sees to that).
class Connection {
 public:
  static Result<std::unique_ptr<Connection>> Open(const ServerAddress& server);

  Result<Rows> Exec(const std::string& sql, Params& params);
  template <class... Args>
  Result<Rows> Query(const std::string& sql, const Args&... args) {
    Params params;
    (params.Add(args), ...);
    return Exec(sql, params);
  }
  // Statements without parameters or rows (schema, BEGIN, ...); may hold several.
  Status Run(const std::string& sql);
  // COPY ... FROM STDIN with `data` in COPY's text format.
  Status CopyIn(const std::string& sql, std::string_view data);

  // True when the session is gone (server restarted, network lost).
  bool broken() const { return PQstatus(conn_.get()) == CONNECTION_BAD; }
  // Reconnects with the same settings.
  Status Reset();
  // The SQLSTATE of the last failed statement ("" if none or not from the server).
  const std::string& last_sqlstate() const { return last_sqlstate_; }
  void ClearState() {
    last_sqlstate_.clear();
    commit_sent_ = false;
  }
  // True once a COMMIT was sent since ClearState: if the session died then, whether the change
  // was stored is unknown, and the operation must not be run again.
  bool commit_sent() const { return commit_sent_; }

 private:
  Connection(PgConnHandle conn, const ServerAddress& server) : conn_(std::move(conn)), server_(server) {}
  Status Failure(const PGresult* result, std::string_view what);

  PgConnHandle conn_;
  const ServerAddress& server_;
  std::string last_sqlstate_;
  bool commit_sent_ = false;
  friend class Transaction;
};

// BEGIN on creation; ROLLBACK when destroyed before Commit.
class Transaction {
 public:
  static Result<Transaction> Begin(Connection& conn);
  Transaction(Transaction&& other) noexcept : conn_(std::exchange(other.conn_, nullptr)) {}
  ~Transaction();
  Status Commit();

 private:
  explicit Transaction(Connection* conn) : conn_(conn) {}
  Connection* conn_;
};

// Hands out up to `pool_size` connections; a caller waits up to `wait` for one (then
// kUnavailable). Run() is how every catalog operation reaches the server: it retries an
// operation once when its connection turned out dead (after reconnecting), and a few times on
// serialization failures and deadlocks, so `op` must be safe to run again from the start
// (each of its transactions either committed nothing or is whole).
class ConnectionPool {
 public:
  explicit ConnectionPool(ServerAddress server, std::chrono::milliseconds wait = std::chrono::seconds(10))
      : server_(std::move(server)), wait_(wait) {}

  template <class T>
  Result<T> Run(const std::function<Result<T>(Connection&)>& op) {
    Result<T> out = Status::Internal("not run");
    VITRINE_RETURN_IF_ERROR(RunStatus([&](Connection& conn) {
      out = op(conn);
      return out.ok() ? Status::Ok() : out.status();
    }));
    return out;
  }
  Status RunStatus(const std::function<Status(Connection&)>& op);
  const ServerAddress& server() const { return server_; }

 private:
  Result<std::unique_ptr<Connection>> Acquire();
  void Release(std::unique_ptr<Connection> conn);
  // Closes the idle connections: after one turned out dead, the others most likely are too
  // (the server restarted), and each would cost a failed attempt.
  void DropIdle();

  const ServerAddress server_;
  const std::chrono::milliseconds wait_;
  std::mutex mu_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;
};

}  // namespace vitrine::catalog::postgres
