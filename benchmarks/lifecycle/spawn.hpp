// Starts a throwaway coloniesd for a benchmark run: free 127.0.0.1 port, temporary data dir,
// fresh server key; stops it (SIGTERM) on destruction. Benchmarks only; tests have their own.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/error/error.hpp"

namespace colonies::bench {

class SpawnedServer {
 public:
  // `extra_args` are appended to coloniesd's command line (e.g. "--db-sync=normal").
  static Result<SpawnedServer*> start(const std::string& coloniesd, const std::string& server_id,
                                      const std::vector<std::string>& extra_args);
  ~SpawnedServer();
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& data_dir() const { return dir_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
};

}  // namespace colonies::bench
