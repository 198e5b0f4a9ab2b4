// One SQLite connection with its prepared-statement cache, and Statement, a scoped use of one
// cached statement. Every SQLite error becomes ErrorCode::Unavailable naming the database path.
// Not thread-safe: a Connection is used by one thread at a time (the store's pool ensures it).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/error/error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace colonies::storage::sqlite {

class Connection;

// A cached prepared statement in use; reset and unbound when it goes out of scope so the next
// user finds it clean. Text is bound as a copy, so temporaries are safe to pass.
class Statement {
 public:
  Statement(Connection& connection, sqlite3_stmt* stmt) : connection_(&connection), stmt_(stmt) {}
  Statement(Statement&& other) noexcept
      : connection_(other.connection_), stmt_(other.stmt_), bind_error_(other.bind_error_) {
    other.stmt_ = nullptr;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQLite.
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }

  // Advances to the next row: true when a row is available, false when done.
  Result<bool> step();
  // Runs a statement that returns no rows (or whose rows are not wanted).
  Status run();

  // Columns are 0-based, as in SQLite. Valid until the next step().
  std::string_view text(int column) const;
  std::int64_t i64(int column) const;

 private:
  Connection* connection_;
  sqlite3_stmt* stmt_;
  int bind_error_ = 0;  // the first failed bind's SQLite code, reported by step()
};

class Connection {
 public:
  // Opens (creating if needed) the database file at `path`.
  static Result<std::unique_ptr<Connection>> open(const std::string& path);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The cached statement for `sql`, prepared on first use. Keep the set of distinct SQL texts
  // bounded: each one stays prepared for the connection's lifetime.
  Result<Statement> prepare(std::string_view sql);
  // Runs one or more statements without caching (pragmas, migrations).
  Status exec(std::string_view sql);
  // Runs a pragma-like statement that returns a single value, as text.
  Result<std::string> query_text(std::string_view sql);

  // The current SQLite error of this connection as an Unavailable error.
  Error error(std::string_view what) const;
  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }

 private:
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  // Heterogeneous lookup, so finding a statement does not allocate a std::string per call.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, sqlite3_stmt*, Hash, std::equal_to<>> statements_;
};

}  // namespace colonies::storage::sqlite
