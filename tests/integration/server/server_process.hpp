// ServerProcess: runs the real coloniesd as a child process for integration tests — a free
// 127.0.0.1 port, a data directory, a server owner key — and waits until GET /health answers.
// It can stop the server politely (SIGTERM) or brutally (SIGKILL) and start it again on the same
// data directory. Not a process supervisor: one child at a time, owned by one test.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace colonies::testing {

// A temporary directory removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A port that was free on 127.0.0.1 a moment ago (bound to port 0, then released).
std::uint16_t free_port();

// Runs `command` through the shell; returns its exit code (-1 if it did not exit normally) and
// its standard output (add 2>&1 to the command for stderr too).
std::pair<int, std::string> run_shell(const std::string& command);

class ServerProcess {
 public:
  struct Options {
    std::string binary;                   // path of coloniesd
    std::filesystem::path data_dir;       // --data-dir
    std::string server_id;                // --server-id (the server owner's ID)
    std::vector<std::string> extra_args;  // e.g. {"--body-limit", "65536"}
    std::filesystem::path log_file;       // the child's stdout and stderr; data_dir/../coloniesd.log if empty
    bool grpc = false;  // also serve gRPC (--grpc-port) on a free port of its own
    bool tls = false;   // extra_args hold --tls-cert/--tls-key: readiness is probed over HTTPS
    std::string log_level = "warn";  // --log-level; "info" for tests that wait for info lines
  };

  explicit ServerProcess(Options options);
  ~ServerProcess();  // SIGKILLs a child still running
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts the child and waits until /health answers 200. Keeps the previous port when it has
  // one (a restart), otherwise picks a free one; retries on another port if the bind failed.
  // False (with the log's tail in `error()`) if it never became ready.
  bool start(std::chrono::milliseconds ready_timeout = std::chrono::seconds(20));
  // SIGKILL and reap: no shutdown code runs.
  void kill9();
  // Sends `signal` (e.g. SIGHUP) to the running child; false when there is none.
  bool send_signal(int signal);
  // SIGTERM and wait up to `timeout`; the exit code, or nullopt if it did not exit in time (the
  // child is then SIGKILLed) or died from a signal.
  std::optional<int> terminate(std::chrono::milliseconds timeout);
  bool running() const { return pid_ > 0; }
  // Whether the child has ended by itself: its exit code (128 + the signal if one killed it),
  // reaping it; nullopt while it runs (or when there is none).
  std::optional<int> exit_code();

  std::uint16_t port() const { return port_; }
  // The child's process id while it runs (e.g. to read /proc/<pid>/status), else -1.
  pid_t pid() const { return pid_; }
  // The gRPC port with Options::grpc, else 0.
  std::uint16_t grpc_port() const { return grpc_port_; }
  const std::string& error() const { return error_; }
  std::string log_tail(std::size_t bytes = 4000) const;

 private:
  bool spawn();
  bool wait_ready(std::chrono::milliseconds timeout);
  // Reaps the child if it exited; returns its wait status.
  std::optional<int> reap(bool block);

  Options options_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::uint16_t grpc_port_ = 0;
  std::string error_;
};

}  // namespace colonies::testing
