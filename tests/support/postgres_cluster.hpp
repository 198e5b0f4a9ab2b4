// A throwaway PostgreSQL 15 cluster for tests: initdb in a temporary directory, listening only
// on a unix socket inside it (no TCP), run as user `postgres` when the tests run as root
// (initdb and postgres refuse root). One cluster per test binary (PostgresCluster::shared()),
// stopped and deleted at exit; each test takes a fresh schema so tests never see each other's
// rows. Tests can stop and start the server to simulate losing the database.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace colonies::testing {

class PostgresCluster {
 public:
  // The binary's cluster, started on first use. Throws std::runtime_error (with initdb's or
  // the server's log) when PostgreSQL cannot be started: a test that needs it cannot run.
  static PostgresCluster& shared();

  ~PostgresCluster();
  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;

  // A libpq connection string for the `postgres` database whose search_path is a new, empty
  // schema: a store opened on it starts from nothing.
  std::string fresh_schema_conninfo();
  // The connection string of the database itself (public schema).
  std::string conninfo() const;
  // Runs SQL with a separate connection, as another program would; returns the first value of
  // the first row ("" when none). Throws on error.
  std::string query(const std::string& conninfo, const std::string& sql) const;

  // `pg_ctl stop -m fast` (clients are disconnected) and `pg_ctl start`; both wait until done.
  void stop();
  void start();

 private:
  PostgresCluster();
  void run_as_owner(const std::vector<std::string>& argv) const;

  std::filesystem::path base_;  // socket directory; data in base_/data
  int port_ = 0;
  bool as_postgres_user_ = false;
  int next_schema_ = 0;
};

}  // namespace colonies::testing
