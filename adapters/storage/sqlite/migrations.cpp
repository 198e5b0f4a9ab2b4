// The migration runner: reads schema_version, refuses newer databases, and applies the missing
// embedded migrations in one transaction so a crash mid-upgrade leaves the old schema intact.
#include "adapters/storage/sqlite/migrations.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <set>

#include "adapters/storage/sqlite/connection.hpp"

namespace colonies::storage::sqlite {

namespace {

// One row per applied migration: the history is useful when diagnosing an upgraded database.
constexpr std::string_view kCreateVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)";

Result<int> read_version(Connection& connection) {
  COLONIES_TRY(exists, connection.query_text(
                           "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"));
  if (exists == "0") return 0;
  COLONIES_TRY(text, connection.query_text("SELECT coalesce(max(version), 0) FROM schema_version"));
  int version = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (ec != std::errc{} || end != text.data() + text.size()) {
    return fail(ErrorCode::Unavailable, "{}: unreadable schema_version '{}'", connection.path(), text);
  }
  return version;
}

Status check_not_newer(const Connection& connection, int version) {
  if (version > latest_schema_version()) {
    return fail(ErrorCode::Unavailable,
                "{}: database schema version {} is newer than this coloniesd supports ({}); upgrade coloniesd",
                connection.path(), version, latest_schema_version());
  }
  return ok();
}

// The versions recorded in schema_version (none before the table exists).
Result<std::set<int>> read_applied(Connection& connection) {
  std::set<int> applied;
  COLONIES_TRY(has_table, connection.query_text(
                              "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"));
  if (has_table == "0") return applied;
  COLONIES_TRY(st, connection.prepare("SELECT version FROM schema_version"));
  for (;;) {
    COLONIES_TRY(row, st.step());
    if (!row) return applied;
    applied.insert(static_cast<int>(st.i64(0)));
  }
}

bool all_applied(const std::set<int>& applied) {
  return std::ranges::all_of(embedded_migrations(), [&](const auto& m) { return applied.contains(m.version); });
}

Status apply_missing(Connection& connection) {
  COLONIES_CHECK(connection.exec(kCreateVersionTable));
  // Read again inside the write lock: another process may have migrated meanwhile.
  COLONIES_TRY(version, read_version(connection));
  COLONIES_CHECK(check_not_newer(connection, version));
  COLONIES_TRY(applied, read_applied(connection));
  auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::system_clock::now().time_since_epoch()).count();
  // Every migration not recorded yet, in version order: numbers are reserved by parallel
  // branches, so one merged later may be lower than one already applied.
  for (const auto& migration : embedded_migrations()) {
    if (applied.contains(migration.version)) continue;
    if (auto applied = connection.exec(migration.sql); !applied) {
      return fail(ErrorCode::Unavailable, "migration {} failed: {}", migration.name, applied.error().message);
    }
    COLONIES_TRY(insert, connection.prepare("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)"));
    COLONIES_CHECK(insert.bind(1, migration.version).bind(2, migration.name).bind(3, std::int64_t{now}).run());
  }
  return ok();
}

}  // namespace

int latest_schema_version() {
  auto all = embedded_migrations();
  return all.empty() ? 0 : all.back().version;
}

Result<int> schema_version(Connection& connection) { return read_version(connection); }

Status migrate(Connection& connection) {
  // Cheap check first, without taking the write lock, so a newer database is refused even when
  // another (newer) coloniesd holds it busy.
  COLONIES_TRY(version, read_version(connection));
  COLONIES_CHECK(check_not_newer(connection, version));
  COLONIES_TRY(applied, read_applied(connection));
  if (all_applied(applied)) return ok();

  COLONIES_CHECK(connection.exec("BEGIN IMMEDIATE"));
  if (auto applied = apply_missing(connection); !applied) {
    (void)connection.exec("ROLLBACK");
    return applied;
  }
  return connection.exec("COMMIT");
}

}  // namespace colonies::storage::sqlite
