#include "catalog/postgres/connection.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <cstdlib>
#include <thread>

namespace vitrine::catalog::postgres {
namespace {

// SQLSTATEs that say the server (not the statement) is the problem: connection exceptions
// (class 08), and the server shutting down or starting (57P01..57P03).
bool IsConnectionState(std::string_view state) {
  return state.starts_with("08") || state == "57P01" || state == "57P02" || state == "57P03";
}

std::string Trimmed(const char* message) {
  std::string out = message ? message : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 0;
}

struct ConninfoFree {
  void operator()(PQconninfoOption* o) const { PQconninfoFree(o); }
};

}  // namespace

std::string FormatReal(double v) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  return std::string(buffer, ec == std::errc() ? end : buffer);
}

std::string Params::Push(std::optional<std::string> text, bool binary) {
  if (text && !binary && text->find('\0') != std::string::npos) has_nul_ = true;
  values_.push_back(std::move(text));
  lengths_.push_back(values_.back() ? static_cast<int>(values_.back()->size()) : 0);
  formats_.push_back(binary ? 1 : 0);
  return "$" + std::to_string(values_.size());
}

const char* const* Params::values() {
  pointers_.clear();
  for (const auto& v : values_) pointers_.push_back(v ? v->c_str() : nullptr);
  return pointers_.data();
}

std::int64_t Rows::Int(int row, int col) const {
  const char* text = PQgetvalue(result_.get(), row, col);
  const int length = PQgetlength(result_.get(), row, col);
  if (length > 0 && (text[0] == 't' || text[0] == 'f')) return text[0] == 't';  // boolean
  std::int64_t v = 0;
  std::from_chars(text, text + length, v);
  return v;
}

double Rows::Real(int row, int col) const {
  const char* text = PQgetvalue(result_.get(), row, col);
  const int length = PQgetlength(result_.get(), row, col);
  double v = 0;
  auto [end, ec] = std::from_chars(text, text + length, v);
  if (ec != std::errc() || end != text + length) v = std::strtod(text, nullptr);  // Infinity, NaN
  return v;
}

std::string Rows::ByteaBytes(int row, int col) const {
  const char* text = PQgetvalue(result_.get(), row, col);
  const int length = PQgetlength(result_.get(), row, col);
  std::string out;
  if (length < 2 || text[0] != '\\' || text[1] != 'x') return out;  // bytea_output is hex since 9.0
  out.reserve((length - 2) / 2);
  for (int i = 2; i + 1 < length; i += 2)
    out.push_back(static_cast<char>(HexValue(text[i]) * 16 + HexValue(text[i + 1])));
  return out;
}

std::int64_t Rows::affected() const {
  const char* tuples = PQcmdTuples(result_.get());
  std::int64_t v = 0;
  std::from_chars(tuples, tuples + std::char_traits<char>::length(tuples), v);
  return v;
}

Result<ServerAddress> ParseServerUrl(std::string_view url) {
  ServerAddress out;
  std::string base(url), query;
  if (auto q = base.find('?'); q != std::string::npos) {
    query = base.substr(q + 1);
    base.resize(q);
  }
  std::string kept;
  for (std::size_t start = 0; start <= query.size() && !query.empty();) {
    std::size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    std::string item = query.substr(start, end - start);
    if (item.starts_with("pool=")) {
      const std::string n = item.substr(5);
      std::size_t size = 0;
      auto [p, ec] = std::from_chars(n.data(), n.data() + n.size(), size);
      if (ec != std::errc() || p != n.data() + n.size() || size < 1 || size > 1000) {
        return Status::InvalidArgument("catalog URL: pool must be a number of connections from 1 to 1000");
      }
      out.pool_size = size;
    } else if (!item.empty()) {
      kept += (kept.empty() ? "" : "&") + item;
    }
    start = end + 1;
  }
  out.conninfo = kept.empty() ? base : base + "?" + kept;
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, ConninfoFree> options(PQconninfoParse(out.conninfo.c_str(), &error));
  if (!options) {
    std::string message = Trimmed(error);
    PQfreemem(error);
    return Status::InvalidArgument("catalog URL is not a PostgreSQL connection URI: " + message);
  }
  std::string host = "localhost", port = "5432", dbname;
  for (PQconninfoOption* o = options.get(); o->keyword; ++o) {
    if (!o->val) continue;
    std::string_view key = o->keyword;
    if (key == "host" || key == "hostaddr") host = o->val;
    if (key == "port") port = o->val;
    if (key == "dbname") dbname = o->val;
  }
  out.display = host + ":" + port + "/" + dbname;
  return out;
}

Result<std::unique_ptr<Connection>> Connection::Open(const ServerAddress& server) {
  // Earlier keywords are defaults: the URI (expanded from dbname) overrides them.
  const char* keywords[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
  const char* values[] = {"5", "vitrine", server.conninfo.c_str(), nullptr};
  PgConnHandle conn(PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
  if (!conn) return Status::Unavailable("cannot connect to PostgreSQL at " + server.display + ": out of memory");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return Status::Unavailable("cannot connect to PostgreSQL at " + server.display + ": " +
                               Trimmed(PQerrorMessage(conn.get())));
  }
  // Notices (an IF NOT EXISTS that found its object, ...) are the server's remarks, not errors:
  // libpq would print them on stderr, in the middle of a command's own output.
  PQsetNoticeProcessor(
      conn.get(), [](void*, const char* message) { spdlog::debug("PostgreSQL: {}", Trimmed(message)); }, nullptr);
  return std::unique_ptr<Connection>(new Connection(std::move(conn), server));
}

Status Connection::Reset() {
  PQreset(conn_.get());
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    return Status::Unavailable("cannot reconnect to PostgreSQL at " + server_.display + ": " +
                               Trimmed(PQerrorMessage(conn_.get())));
  }
  return Status::Ok();
}

Status Connection::Failure(const PGresult* result, std::string_view what) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  last_sqlstate_ = state ? state : "";
  std::string message = Trimmed(result ? PQresultErrorMessage(result) : PQerrorMessage(conn_.get()));
  if (message.empty()) message = Trimmed(PQerrorMessage(conn_.get()));
  if (broken() || IsConnectionState(last_sqlstate_)) {
    return Status::Unavailable("PostgreSQL at " + server_.display + " is unavailable: " + message);
  }
  if (last_sqlstate_ == "23505") return Status::Conflict(message);
  // Data exceptions (class 22): text that is not UTF-8, a value out of range. The request's.
  if (last_sqlstate_.starts_with("22")) return Status::InvalidArgument(message);
  // The server cannot take work now: a statement timeout, a full disk or memory, a read-only
  // standby after a failover. Clients may retry later.
  if (last_sqlstate_ == "57014" || last_sqlstate_.starts_with("53") || last_sqlstate_ == "25006") {
    return Status::Unavailable("PostgreSQL at " + server_.display + ": " + message);
  }
  // A foreign key names a row that is not there.
  if (last_sqlstate_ == "23503") return Status::NotFound(message);
  if (last_sqlstate_ == "40001" || last_sqlstate_ == "40P01" || last_sqlstate_ == "55P03") {
    return Status::Unavailable(std::string(what) + ": " + message);
  }
  return Status::Internal(std::string(what) + ": " + message);
}

Result<Rows> Connection::Exec(const std::string& sql, Params& params) {
  // libpq passes text as C strings: "admin\0x" would be read as "admin".
  if (params.has_nul()) return Status::InvalidArgument("text may not contain a NUL character");
  PgResultHandle result(PQexecParams(conn_.get(), sql.c_str(), params.size(), nullptr, params.values(),
                                     params.lengths(), params.formats(), /*resultFormat=*/0));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return Failure(result.get(), "postgres query");
  return Rows(std::move(result));
}

Status Connection::Run(const std::string& sql) {
  PgResultHandle result(PQexec(conn_.get(), sql.c_str()));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return Failure(result.get(), "postgres statement");
  return Status::Ok();
}

Status Connection::CopyIn(const std::string& sql, std::string_view data) {
  {
    PgResultHandle start(PQexec(conn_.get(), sql.c_str()));
    if (!start || PQresultStatus(start.get()) != PGRES_COPY_IN) return Failure(start.get(), "postgres copy");
  }
  // Sent in pieces of 1 MiB: libpq buffers what it cannot send at once.
  constexpr std::size_t kPiece = 1 << 20;
  for (std::size_t at = 0; at < data.size(); at += kPiece) {
    const std::size_t n = std::min(kPiece, data.size() - at);
    if (PQputCopyData(conn_.get(), data.data() + at, static_cast<int>(n)) != 1) break;
  }
  PQputCopyEnd(conn_.get(), nullptr);
  Status out = Status::Ok();
  while (PGresult* raw = PQgetResult(conn_.get())) {
    PgResultHandle result(raw);
    if (PQresultStatus(raw) != PGRES_COMMAND_OK && out.ok()) out = Failure(raw, "postgres copy");
  }
  return out;
}

Result<Transaction> Transaction::Begin(Connection& conn) {
  VITRINE_RETURN_IF_ERROR(conn.Run("BEGIN"));
  return Transaction(&conn);
}

Transaction::~Transaction() {
  if (conn_ && !conn_->broken()) (void)conn_->Run("ROLLBACK");
}

Status Transaction::Commit() {
  Connection* conn = std::exchange(conn_, nullptr);
  conn->commit_sent_ = true;
  Status s = conn->Run("COMMIT");
  if (!s.ok() && conn->broken()) {
    return Status::Unavailable(s.message() + " (while committing: the change may or may not be stored)");
  }
  return s;
}

Result<std::unique_ptr<Connection>> ConnectionPool::Acquire() {
  std::unique_lock lock(mu_);
  if (!available_.wait_for(lock, wait_, [&] { return !idle_.empty() || open_ < server_.pool_size; })) {
    return Status::Unavailable("all " + std::to_string(server_.pool_size) + " connections to PostgreSQL at " +
                               server_.display + " stayed busy for " + std::to_string(wait_.count()) + " ms");
  }
  if (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    lock.unlock();
    if (conn->broken()) {
      Status reset = conn->Reset();
      if (!reset.ok()) {
        Release(std::move(conn));
        return reset;
      }
    }
    return conn;
  }
  ++open_;
  lock.unlock();
  auto conn = Connection::Open(server_);
  if (!conn.ok()) {
    std::lock_guard relock(mu_);
    --open_;
    available_.notify_one();
  }
  return conn;
}

void ConnectionPool::Release(std::unique_ptr<Connection> conn) {
  {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(conn));
  }
  available_.notify_one();
}

void ConnectionPool::DropIdle() {
  std::vector<std::unique_ptr<Connection>> dropped;
  {
    std::lock_guard lock(mu_);
    dropped.swap(idle_);
    open_ -= dropped.size();
  }
  available_.notify_all();
}

Status ConnectionPool::RunStatus(const std::function<Status(Connection&)>& op) {
  bool reconnected = false;
  int conflicts = 0;
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Acquire());
    conn->ClearState();
    Status s = op(*conn);
    const bool dead = conn->broken() || IsConnectionState(conn->last_sqlstate());
    const bool maybe_stored = conn->commit_sent();
    const std::string state = conn->last_sqlstate();
    Release(std::move(conn));
    if (s.ok()) return s;
    // The session died under the operation: once more on a fresh one (Acquire reconnects),
    // unless it died during COMMIT, when running it again could store the change twice.
    if (dead && !reconnected && !maybe_stored) {
      reconnected = true;
      DropIdle();
      continue;
    }
    // Serialization failures and deadlocks: the transaction was rolled back whole; again.
    if ((state == "40001" || state == "40P01") && ++conflicts <= 4) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5 * conflicts));
      continue;
    }
    return s;
  }
}

}  // namespace vitrine::catalog::postgres
