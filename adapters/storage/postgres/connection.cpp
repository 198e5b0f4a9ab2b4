// libpq wrappers: the only file that calls PQ* functions. Statements are prepared once per
// connection (and again after a reconnect, which loses them); a batch is sent in pipeline mode
// in bounded chunks, so neither side's socket buffer can fill up while the other waits.
#include "adapters/storage/postgres/connection.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include <spdlog/spdlog.h>

namespace colonies::storage::postgres {

namespace {

constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
// Short: the commit queue above retries with its own backoff (up to 2 s), and a database that is
// back should be used again within a few seconds.
constexpr auto kMaxBackoff = std::chrono::milliseconds(1000);
// Statements per pipeline round trip: large enough that group commit costs a few round trips
// per batch, small enough that the replies of one chunk fit in the socket buffers.
constexpr std::size_t kChunk = 256;

struct ResultGuard {
  PGresult* r;
  ~ResultGuard() {
    if (r != nullptr) PQclear(r);
  }
};

std::string trimmed(const char* message) {
  std::string s = message != nullptr ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// SQLSTATE classes (PostgreSQL appendix A) that a later retry may get past: connection
// exceptions, resources, operator intervention (shutdown), system errors, rollbacks
// (serialization, deadlock), and read-only standby.
bool transient(std::string_view sqlstate) {
  for (std::string_view c : {"08", "53", "57", "58", "40", "25006"}) {
    if (sqlstate.starts_with(c)) return true;
  }
  return false;
}

// "dbname on host:port", read back from the connection string without connecting.
std::string describe(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    if (error != nullptr) PQfreemem(error);
    return "PostgreSQL";
  }
  std::string db, host, port;
  for (auto* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    std::string_view key = o->keyword;
    if (key == "dbname") db = o->val;
    if (key == "host" || (key == "hostaddr" && host.empty())) host = o->val;
    if (key == "port") port = o->val;
  }
  PQconninfoFree(options);
  return fmt::format("PostgreSQL {}{}{}{}", db.empty() ? "(default database)" : db, host.empty() ? "" : " on " + host,
                     port.empty() ? "" : ":", port);
}

}  // namespace

Rows::Rows(PGresult* result) : result_(result) {}
Rows::Rows(Rows&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
Rows& Rows::operator=(Rows&& other) noexcept {
  std::swap(result_, other.result_);
  return *this;
}
Rows::~Rows() {
  if (result_ != nullptr) PQclear(result_);
}
int Rows::size() const { return result_ != nullptr ? PQntuples(result_) : 0; }
std::string_view Rows::text(int row, int column) const {
  return {PQgetvalue(result_, row, column), static_cast<std::size_t>(PQgetlength(result_, row, column))};
}
Result<std::int64_t> Rows::i64(int row, int column) const {
  auto t = text(row, column);
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (ec != std::errc{} || end != t.data() + t.size()) {
    return fail(ErrorCode::Unavailable, "PostgreSQL returned '{}' where an integer was expected", t);
  }
  return value;
}

Connection::Connection(std::string conninfo, std::string role)
    : conninfo_(std::move(conninfo)), role_(std::move(role)), name_(describe(conninfo_)) {}

Connection::~Connection() { drop_connection(); }

Result<std::unique_ptr<Connection>> Connection::open(const std::string& conninfo, std::string role) {
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(conninfo.c_str(), &error);
  if (parsed == nullptr) {
    std::string message = trimmed(error);
    if (error != nullptr) PQfreemem(error);
    return fail(ErrorCode::BadRequest, "invalid PostgreSQL connection string: {}", message);
  }
  PQconninfoFree(parsed);
  std::unique_ptr<Connection> c(new Connection(conninfo, std::move(role)));
  COLONIES_CHECK(c->ensure_connected());
  return c;
}

void Connection::drop_connection() {
  if (conn_ != nullptr) PQfinish(conn_);
  conn_ = nullptr;
  statements_.clear();  // prepared statements live in the server session
}

Status Connection::ensure_connected() {
  if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK) return ok();
  auto now = std::chrono::steady_clock::now();
  if (now < next_attempt_) {
    return fail(ErrorCode::Unavailable, "{} is unreachable; next reconnection attempt in {} ms", name_,
                std::chrono::duration_cast<std::chrono::milliseconds>(next_attempt_ - now).count());
  }
  drop_connection();
  // A default connect_timeout, so that an unreachable host cannot hold the commit thread for the
  // OS's TCP timeout; listed first, so one in the connection string overrides it.
  const char* keywords[] = {"connect_timeout", "dbname", nullptr};
  const char* values[] = {"10", conninfo_.c_str(), nullptr};
  conn_ = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK) {
    if (reported_down_) spdlog::info("{} ({}): reconnected", name_, role_);
    reported_down_ = false;
    backoff_ = std::chrono::milliseconds(0);
    return ok();
  }
  std::string message = conn_ != nullptr ? trimmed(PQerrorMessage(conn_)) : "out of memory";
  drop_connection();
  backoff_ = std::clamp(backoff_ * 2, kFirstBackoff, kMaxBackoff);
  next_attempt_ = now + backoff_;
  // Once per outage at warning level, then quietly: the commit queue logs its own retries.
  if (!reported_down_) {
    spdlog::warn("{} ({}): cannot connect, retrying with backoff up to {} ms: {}", name_, role_,
                 kMaxBackoff.count(), message);
  } else {
    spdlog::debug("{} ({}): still cannot connect (next attempt in {} ms): {}", name_, role_, backoff_.count(),
                  message);
  }
  reported_down_ = true;
  return fail(ErrorCode::Unavailable, "cannot connect to {}: {}", name_, message);
}

Error Connection::error_from(PGresult* result, std::string_view sql) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string sqlstate = state != nullptr ? state : "";
  std::string message = result != nullptr ? trimmed(PQresultErrorMessage(result)) : "";
  if (message.empty() && conn_ != nullptr) message = trimmed(PQerrorMessage(conn_));
  const bool lost = conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK;
  if (lost) {
    if (conn_ != nullptr) ++losses_;
    if (!reported_down_) spdlog::warn("{} ({}): connection lost: {}", name_, role_, message);
    reported_down_ = true;
    drop_connection();  // reconnect on the next use
  }
  std::string first_line(sql.substr(0, std::min<std::size_t>(sql.find('\n'), 120)));
  if (lost || sqlstate.empty() || transient(sqlstate)) {
    return Error{ErrorCode::Unavailable, fmt::format("{}: {}", name_, message)};
  }
  if (sqlstate == "CF001") {  // colonies_check_epoch(): another server leads now (0002_cluster_fence.sql)
    return Error{ErrorCode::Conflict, fmt::format("{}: {}", name_, message)};
  }
  if (sqlstate.starts_with("23")) {  // integrity constraint violation: the batch itself is wrong
    return Error{ErrorCode::BadRequest, fmt::format("{}: {} (in: {})", name_, message, first_line)};
  }
  return Error{ErrorCode::Internal, fmt::format("{}: {} [{}] (in: {})", name_, message, sqlstate, first_line)};
}

Result<std::string> Connection::prepared(std::string_view sql) {
  if (auto it = statements_.find(sql); it != statements_.end()) return it->second;
  std::string name = "colonies_" + std::to_string(next_statement_++);
  ResultGuard r{PQprepare(conn_, name.c_str(), std::string(sql).c_str(), 0, nullptr)};
  if (r.r == nullptr || PQresultStatus(r.r) != PGRES_COMMAND_OK) return std::unexpected(error_from(r.r, sql));
  statements_.emplace(std::string(sql), name);
  return name;
}

Result<Rows> Connection::query(std::string_view sql, const Params& params) {
  COLONIES_CHECK(ensure_connected());
  COLONIES_TRY(name, prepared(sql));
  std::vector<const char*> values;
  values.reserve(params.values().size());
  for (const auto& v : params.values()) values.push_back(v.c_str());
  PGresult* r = PQexecPrepared(conn_, name.c_str(), static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0);
  auto status = r != nullptr ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    Error e = error_from(r, sql);
    if (r != nullptr) PQclear(r);
    return std::unexpected(std::move(e));
  }
  return Rows(r);
}

Status Connection::exec(std::string_view sql) {
  COLONIES_CHECK(ensure_connected());
  ResultGuard r{PQexec(conn_, std::string(sql).c_str())};
  auto status = r.r != nullptr ? PQresultStatus(r.r) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return std::unexpected(error_from(r.r, sql));
  return ok();
}

Status Connection::run_chunk(std::span<const Statement> chunk, bool begin, bool commit) {
  if (PQenterPipelineMode(conn_) != 1) return std::unexpected(error_from(nullptr, "enter pipeline mode"));
  std::string_view failed_sql = "pipeline";
  bool send_failed = false;
  auto send = [&](std::string_view sql, const std::string& name, const Params& params) {
    std::vector<const char*> values;
    values.reserve(params.values().size());
    for (const auto& v : params.values()) values.push_back(v.c_str());
    if (PQsendQueryPrepared(conn_, name.c_str(), static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0) != 1) {
      send_failed = true;
      failed_sql = sql;
    }
  };
  // BEGIN and COMMIT go through the prepared path too (run_transaction prepared them).
  if (begin) send("BEGIN", statements_.find(std::string_view("BEGIN"))->second, {});
  for (const auto& st : chunk) {
    if (send_failed) break;
    send(st.sql, statements_.find(st.sql)->second, st.params);
  }
  if (commit && !send_failed) send("COMMIT", statements_.find(std::string_view("COMMIT"))->second, {});
  if (!send_failed && PQpipelineSync(conn_) != 1) send_failed = true;
  if (send_failed) {
    Error e = error_from(nullptr, failed_sql);
    drop_connection();  // the pipeline is in an unknown state; start over on a new session
    return std::unexpected(std::move(e));
  }
  // One result (then a null separator) per statement, then the sync point. The first failure
  // aborts the rest (PGRES_PIPELINE_ABORTED), which is reported as that first error.
  std::optional<Error> first_error;
  const std::size_t expected = chunk.size() + (begin ? 1 : 0) + (commit ? 1 : 0);
  int nulls = 0;
  for (std::size_t i = 0; i <= expected;) {
    PGresult* r = PQgetResult(conn_);
    if (r == nullptr) {
      // One null separates each statement's results; two in a row mean nothing more will come.
      if (PQstatus(conn_) != CONNECTION_OK || ++nulls > 1) {
        if (!first_error) first_error = error_from(nullptr, failed_sql);
        drop_connection();
        return std::unexpected(std::move(*first_error));
      }
      continue;
    }
    nulls = 0;
    ResultGuard guard{r};
    auto status = PQresultStatus(r);
    ++i;
    if (status == PGRES_PIPELINE_SYNC) break;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_PIPELINE_ABORTED) continue;
    if (!first_error) {
      std::size_t index = i - 1 - (begin ? 1 : 0);
      first_error = error_from(r, index < chunk.size() ? chunk[index].sql : std::string_view("BEGIN/COMMIT"));
    }
    if (conn_ == nullptr) return std::unexpected(std::move(*first_error));
  }
  if (conn_ == nullptr || PQexitPipelineMode(conn_) != 1) {
    Error e = first_error ? std::move(*first_error) : error_from(nullptr, "exit pipeline mode");
    drop_connection();
    return std::unexpected(std::move(e));
  }
  if (first_error) return std::unexpected(std::move(*first_error));
  return ok();
}

Status Connection::run_transaction(std::span<const Statement> statements) {
  COLONIES_CHECK(ensure_connected());
  // Prepare outside the pipeline: a statement seen for the first time costs one round trip once.
  for (std::string_view sql : {std::string_view("BEGIN"), std::string_view("COMMIT")}) {
    COLONIES_TRY(name, prepared(sql));
    (void)name;
  }
  for (const auto& st : statements) {
    COLONIES_TRY(name, prepared(st.sql));
    (void)name;
  }
  std::size_t offset = 0;
  do {
    const std::size_t n = std::min(kChunk, statements.size() - offset);
    const bool last = offset + n == statements.size();
    Status sent = run_chunk(statements.subspan(offset, n), offset == 0, last);
    if (!sent) {
      // An open, failed transaction must end before the next batch; a lost connection has
      // ended it already (the server rolls back).
      if (conn_ != nullptr && PQtransactionStatus(conn_) != PQTRANS_IDLE) (void)exec("ROLLBACK");
      return sent;
    }
    offset += n;
  } while (offset < statements.size());
  return ok();
}

}  // namespace colonies::storage::postgres
