// The PostgreSQL migration runner. DDL is transactional in PostgreSQL, so all missing
// migrations run in one transaction: a failure (or a crash) leaves the old schema intact. Several
// coloniesd starting together on one database serialise on an advisory lock.
#include "adapters/storage/postgres/migrations.hpp"

#include <chrono>
#include <set>

#include "adapters/storage/postgres/connection.hpp"

namespace colonies::storage::postgres {

namespace {

// An arbitrary constant that names "the colonies schema" among advisory locks.
constexpr std::string_view kLockKey = "7308413275913";

constexpr std::string_view kCreateVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

// to_regclass resolves through search_path, so a schema chosen in the connection string
// (options=-csearch_path=...) is honoured.
constexpr std::string_view kHasVersionTable = "SELECT to_regclass('schema_version') IS NOT NULL";

Result<std::set<int>> read_applied(Connection& c) {
  std::set<int> applied;
  COLONIES_TRY(has, c.query(kHasVersionTable));
  if (has.size() != 1 || has.text(0, 0) != "t") return applied;
  COLONIES_TRY(rows, c.query("SELECT version FROM schema_version"));
  for (int i = 0; i < rows.size(); ++i) {
    COLONIES_TRY(v, rows.i64(i, 0));
    applied.insert(static_cast<int>(v));
  }
  return applied;
}

int newest(const std::set<int>& applied) { return applied.empty() ? 0 : *applied.rbegin(); }

Status check_not_newer(const Connection& c, const std::set<int>& applied) {
  if (newest(applied) > latest_schema_version()) {
    return fail(ErrorCode::Unavailable,
                "{}: database schema version {} is newer than this coloniesd supports ({}); upgrade coloniesd",
                c.name(), newest(applied), latest_schema_version());
  }
  return ok();
}

Status apply_missing(Connection& c) {
  COLONIES_CHECK(c.exec(std::string("SELECT pg_advisory_xact_lock(") + std::string(kLockKey) + ")"));
  COLONIES_CHECK(c.exec(kCreateVersionTable));
  // Read again under the lock: another server may have migrated meanwhile.
  COLONIES_TRY(applied, read_applied(c));
  COLONIES_CHECK(check_not_newer(c, applied));
  const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  for (const auto& migration : embedded_migrations()) {
    if (applied.contains(migration.version)) continue;
    if (auto done = c.exec(migration.sql); !done) {
      return fail(ErrorCode::Unavailable, "{}: migration {} failed: {}", c.name(), migration.name, done.error().message);
    }
    COLONIES_CHECK(c.run("INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)",
                         Params(migration.version, migration.name, std::int64_t{now})));
  }
  return ok();
}

}  // namespace

int latest_schema_version() {
  auto all = embedded_migrations();
  return all.empty() ? 0 : all.back().version;
}

Result<int> schema_version(Connection& c) {
  COLONIES_TRY(applied, read_applied(c));
  return newest(applied);
}

Status migrate(Connection& c) {
  // Check first without the lock, so a newer database is refused even while another (newer)
  // server is migrating it.
  COLONIES_TRY(applied, read_applied(c));
  COLONIES_CHECK(check_not_newer(c, applied));
  bool all = true;
  for (const auto& m : embedded_migrations()) all = all && applied.contains(m.version);
  if (all) return ok();
  COLONIES_CHECK(c.exec("BEGIN"));
  if (auto done = apply_missing(c); !done) {
    (void)c.exec("ROLLBACK");
    return done;
  }
  return c.exec("COMMIT");
}

}  // namespace colonies::storage::postgres
