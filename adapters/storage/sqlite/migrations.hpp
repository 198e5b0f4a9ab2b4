// Versioned schema migrations for the SQLite store: the embedded list (generated from
// migrations/*.sql) and the runner that brings a database up to date at open. Not a general
// migration framework: versions are 1..N, forward only, no down-migrations.
#pragma once

#include <span>
#include <string_view>

#include "core/error/error.hpp"

namespace colonies::storage::sqlite {

class Connection;

struct EmbeddedMigration {
  int version;
  std::string_view name;  // file name, "0001_initial.sql"
  std::string_view sql;
};

// In version order, 1..N without gaps (the build checks it).
std::span<const EmbeddedMigration> embedded_migrations();

// The newest schema version this binary knows.
int latest_schema_version();

// Applies every missing migration in one IMMEDIATE transaction. A database whose version is
// newer than latest_schema_version() is refused untouched. Errors: Unavailable.
Status migrate(Connection& connection);

// The database's current version, 0 for a fresh file. Errors: Unavailable.
Result<int> schema_version(Connection& connection);

}  // namespace colonies::storage::sqlite
