// SQLite connection and statement wrappers: the only file that calls the sqlite3_* prepare,
// bind and step functions. Errors carry SQLite's own message and the database path.
#include "adapters/storage/sqlite/connection.hpp"

#include <sqlite3.h>

namespace colonies::storage::sqlite {

Statement::~Statement() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Statement& Statement::bind(int index, std::string_view text) {
  // A null pointer would bind SQL NULL; an empty string_view means the empty string here.
  const char* data = text.data() != nullptr ? text.data() : "";
  int rc = sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

Result<bool> Statement::step() {
  if (bind_error_ != SQLITE_OK) {
    return fail(ErrorCode::Unavailable, "SQLite database {}: cannot bind a parameter: {} (in: {})",
                connection_->path(), sqlite3_errstr(bind_error_), sqlite3_sql(stmt_));
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return std::unexpected(connection_->error(sqlite3_sql(stmt_)));
}

Status Statement::run() {
  for (;;) {
    COLONIES_TRY(row, step());
    if (!row) return ok();
  }
}

std::string_view Statement::text(int column) const {
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (data == nullptr) return {};
  return {data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

std::int64_t Statement::i64(int column) const { return sqlite3_column_int64(stmt_, column); }

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path) {
  sqlite3* db = nullptr;
  // NOMUTEX: each connection is used by one thread at a time, so SQLite's per-connection
  // mutex would only cost.
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return fail(ErrorCode::Unavailable, "cannot open SQLite database {}: {}", path, message);
  }
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<Connection>(new Connection(db, path));
}

Connection::~Connection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Result<Statement> Connection::prepare(std::string_view sql) {
  auto found = statements_.find(sql);
  if (found != statements_.end()) return Statement(*this, found->second);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                              nullptr);
  if (rc != SQLITE_OK) return std::unexpected(error(fmt::format("prepare {}", sql)));
  statements_.emplace(std::string(sql), stmt);
  return Statement(*this, stmt);
}

Status Connection::exec(std::string_view sql) {
  std::string text(sql);  // sqlite3_exec wants a terminated string
  char* message = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string what = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    return fail(ErrorCode::Unavailable, "SQLite database {}: {}", path_, what);
  }
  return ok();
}

Result<std::string> Connection::query_text(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK) {
    return std::unexpected(error(sql));
  }
  std::string value;
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    if (text != nullptr) value = text;
  } else if (rc != SQLITE_DONE) {
    Error e = error(sql);
    sqlite3_finalize(stmt);
    return std::unexpected(std::move(e));
  }
  sqlite3_finalize(stmt);
  return value;
}

Error Connection::error(std::string_view what) const {
  return Error{ErrorCode::Unavailable,
               fmt::format("SQLite database {}: {} (in: {})", path_, sqlite3_errmsg(db_), what)};
}

}  // namespace colonies::storage::sqlite
