// PostgresCluster: initdb + pg_ctl through argv (no shell), settings written to
// postgresql.conf rather than passed on pg_ctl's command line (which goes through a shell).
// fsync is off: the cluster dies with the test binary, durability across OS crashes is not
// what the tests check (a fast shutdown still writes everything).
#include "tests/support/postgres_cluster.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <vector>

#include <fmt/format.h>

namespace colonies::testing {

namespace {

constexpr const char* kBinDir = "/usr/lib/postgresql/15/bin";

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs argv, output appended to `log`; returns the exit status (-1 when it could not run).
int run(const std::vector<std::string>& argv, const std::filesystem::path& log) {
  pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

PostgresCluster& PostgresCluster::shared() {
  static PostgresCluster cluster;  // destroyed (stopped) at exit
  return cluster;
}

PostgresCluster::PostgresCluster() {
  std::string pattern = (std::filesystem::temp_directory_path() / "colonies-pg-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  base_ = pattern;
  std::random_device random;
  port_ = 20000 + static_cast<int>(random() % 30000);  // names the socket file only: no TCP
  if (::geteuid() == 0) {
    const passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr) throw std::runtime_error("running as root but there is no user 'postgres' to run PostgreSQL as");
    if (::chown(base_.c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("cannot chown " + base_.string());
    as_postgres_user_ = true;
  }
  run_as_owner({std::string(kBinDir) + "/initdb", "-D", (base_ / "data").string(), "-U", "postgres", "-A", "trust",
                "--no-sync", "-E", "UTF8", "--locale=C"});
  std::ofstream conf(base_ / "data" / "postgresql.conf", std::ios::app);
  conf << "\n# colonies tests\nport = " << port_ << "\nunix_socket_directories = '" << base_.string()
       << "'\nlisten_addresses = ''\nfsync = off\nfull_page_writes = off\nmax_connections = 200\n";
  conf.close();
  start();
}

PostgresCluster::~PostgresCluster() {
  std::vector<std::string> argv = {std::string(kBinDir) + "/pg_ctl", "-D", (base_ / "data").string(), "-m",
                                   "immediate", "-w", "stop"};
  if (as_postgres_user_) argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
  (void)run(argv, base_ / "pg_ctl.log");
  std::error_code ec;
  std::filesystem::remove_all(base_, ec);
}

void PostgresCluster::run_as_owner(const std::vector<std::string>& command) const {
  std::vector<std::string> argv = command;
  if (as_postgres_user_) argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
  const auto log = base_ / "commands.log";
  if (int rc = run(argv, log); rc != 0) {
    throw std::runtime_error(fmt::format("`{}` failed (exit {}):\n{}\n{}", fmt::join(argv, " "), rc, read_file(log),
                                         read_file(base_ / "server.log")));
  }
}

void PostgresCluster::start() {
  run_as_owner({std::string(kBinDir) + "/pg_ctl", "-D", (base_ / "data").string(), "-l",
                (base_ / "server.log").string(), "-w", "-t", "120", "start"});
}

void PostgresCluster::stop() {
  run_as_owner({std::string(kBinDir) + "/pg_ctl", "-D", (base_ / "data").string(), "-m", "fast", "-w", "-t", "120",
                "stop"});
}

std::string PostgresCluster::conninfo() const {
  return fmt::format("host={} port={} dbname=postgres user=postgres", base_.string(), port_);
}

std::string PostgresCluster::fresh_schema_conninfo() {
  std::string schema = fmt::format("t{}_{}", ::getpid(), next_schema_++);
  query(conninfo(), "CREATE SCHEMA " + schema);
  return conninfo() + " options='-csearch_path=" + schema + "'";
}

std::string PostgresCluster::query(const std::string& info, const std::string& sql) const {
  PGconn* conn = PQconnectdb(info.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("cannot connect to the test PostgreSQL: " + message);
  }
  PGresult* r = PQexec(conn, sql.c_str());
  auto status = PQresultStatus(r);
  std::string value;
  if (status == PGRES_TUPLES_OK && PQntuples(r) > 0) value = PQgetvalue(r, 0, 0);
  std::string message = PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(conn);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    throw std::runtime_error("test query failed: " + sql + ": " + message);
  }
  return value;
}

}  // namespace colonies::testing
