// One libpq connection with its prepared-statement cache, automatic reconnection (with backoff)
// and batched execution in pipeline mode. Every libpq error becomes a colonies Error: lost or
// refused connections and server-side outages are Unavailable (the caller retries or answers
// 503), integrity violations BadRequest, anything else Internal. Not thread-safe: one thread
// uses a Connection at a time (the store's pool ensures it).
#pragma once

#include <chrono>
#include <functional>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error/error.hpp"

struct pg_conn;
struct pg_result;

namespace colonies::storage::postgres {

// Bound parameters, always sent as text (PostgreSQL converts to the column's type); values are
// never spliced into SQL.
class Params {
 public:
  Params() = default;
  template <class... Ts>
  explicit Params(const Ts&... values) {
    values_.reserve(sizeof...(Ts));
    (add(values), ...);
  }
  Params& add(std::string_view text) {
    values_.emplace_back(text);
    return *this;
  }
  Params& add(const std::string& text) { return add(std::string_view(text)); }
  Params& add(const char* text) { return add(std::string_view(text)); }
  Params& add(std::int64_t value) {
    values_.push_back(std::to_string(value));
    return *this;
  }
  Params& add(int value) { return add(static_cast<std::int64_t>(value)); }
  const std::vector<std::string>& values() const { return values_; }

 private:
  std::vector<std::string> values_;
};

// A query's result rows (text format). Columns and rows are 0-based.
class Rows {
 public:
  explicit Rows(pg_result* result);
  Rows(Rows&&) noexcept;
  Rows& operator=(Rows&&) noexcept;
  ~Rows();
  int size() const;
  std::string_view text(int row, int column) const;
  // A column that is not an integer is an error: the schema says it is one.
  Result<std::int64_t> i64(int row, int column) const;

 private:
  pg_result* result_;
};

// One statement of a batch: SQL text (it must outlive the call) and its parameters.
struct Statement {
  std::string_view sql;
  Params params;
};

class Connection {
 public:
  // Connects with a libpq connection string or URI. `role` names the connection in logs
  // ("writer", "reader 1"). Errors: Unavailable (cannot connect), BadRequest (malformed string).
  static Result<std::unique_ptr<Connection>> open(const std::string& conninfo, std::string role);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one cached prepared statement and returns its rows.
  Result<Rows> query(std::string_view sql, const Params& params = {});
  Status run(std::string_view sql, const Params& params = {}) {
    COLONIES_TRY(rows, query(sql, params));
    (void)rows;
    return ok();
  }
  // Runs SQL text without parameters or caching (transaction control, migrations; may hold
  // several statements).
  Status exec(std::string_view sql);
  // Runs `statements` in one transaction, sent in pipeline mode (one round trip per chunk of
  // statements rather than per statement). On any error the transaction is rolled back.
  Status run_transaction(std::span<const Statement> statements);

  // The database named by the connection string, for messages ("colonies on /tmp/x:5432").
  const std::string& name() const { return name_; }
  // How many times an established connection was found broken (e.g. the server restarted
  // while it sat idle); lets a caller retry a read once on a fresh connection.
  std::uint64_t losses() const { return losses_; }

 private:
  Connection(std::string conninfo, std::string role);

  // Connected, or reconnected now: after a failure a new attempt is made at most once per
  // backoff interval (doubling up to a limit), so a dead database is not hammered.
  Status ensure_connected();
  // The name of the prepared statement for `sql`, preparing it on first use.
  Result<std::string> prepared(std::string_view sql);
  // Converts a failed result (or a missing one) into an Error and notices a lost connection.
  Error error_from(pg_result* result, std::string_view sql);
  Status run_chunk(std::span<const Statement> chunk, bool begin, bool commit);
  void drop_connection();

  std::string conninfo_;
  std::string role_;
  std::string name_;
  pg_conn* conn_ = nullptr;
  // Heterogeneous lookup, so finding a statement does not allocate a std::string per call.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::string, Hash, std::equal_to<>> statements_;  // sql -> name
  int next_statement_ = 0;
  std::chrono::steady_clock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_{0};
  bool reported_down_ = false;
  std::uint64_t losses_ = 0;
};

}  // namespace colonies::storage::postgres
