// Starts a throwaway coloniesd for a benchmark run: free 127.0.0.1 port, temporary data dir (or a
// given one that is kept), fresh server key; stops it (SIGTERM) on destruction or stop().
// Benchmarks only; tests have their own harness.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/error/error.hpp"

namespace colonies::bench {

struct SpawnOptions {
  // Empty: a fresh /tmp/colonies-bench-XXXXXX, removed at the end. Otherwise this directory is
  // used as --data-dir and kept (a benchmark restarting coloniesd on a pre-filled store).
  std::string data_dir;
  // How long to wait for GET /health to answer 200; the server listens only once it has rebuilt
  // its memory from the store, which takes a while with millions of processes.
  std::chrono::seconds start_timeout{10};
};

class SpawnedServer {
 public:
  // `extra_args` are appended to coloniesd's command line (e.g. "--db-sync=normal").
  static Result<SpawnedServer*> start(const std::string& coloniesd, const std::string& server_id,
                                      const std::vector<std::string>& extra_args, const SpawnOptions& options = {});
  ~SpawnedServer();
  // SIGTERM, then waits for the exit. Idempotent; the data directory stays until destruction.
  void stop();
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& data_dir() const { return dir_; }
  // From fork to the first healthy answer: start-up including the rebuild from the store.
  double start_seconds() const { return start_seconds_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
  bool remove_dir_ = true;
  double start_seconds_ = 0;
};

}  // namespace colonies::bench
