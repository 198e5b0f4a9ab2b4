// Versioned schema migrations for the PostgreSQL store: the embedded list (generated from
// migrations/*.sql) and the runner that brings a database up to date at open. Forward only, no
// down-migrations; numbering is independent of the SQLite store's.
#pragma once

#include <span>
#include <string_view>

#include "core/error/error.hpp"

namespace colonies::storage::postgres {

class Connection;

struct EmbeddedMigration {
  int version;
  std::string_view name;  // file name, "0001_initial.sql"
  std::string_view sql;
};

// In version order (the build checks it).
std::span<const EmbeddedMigration> embedded_migrations();

// The newest schema version this binary knows.
int latest_schema_version();

// Applies every missing migration in one transaction, serialised across servers sharing the
// database by an advisory lock. A database whose version is newer than latest_schema_version()
// is refused untouched. Errors: Unavailable.
Status migrate(Connection& connection);

// The database's current version, 0 for an empty database. Errors: Unavailable.
Result<int> schema_version(Connection& connection);

}  // namespace colonies::storage::postgres
