// EtcdServer: a throwaway single-member etcd for tests — /usr/bin/etcd in a temporary data
// directory, client and peer URLs on free 127.0.0.1 ports (nothing listens elsewhere), stopped
// and deleted by the destructor. Tests can kill it (SIGKILL) and start it again on the same data
// and ports to simulate losing the coordinator. Not a multi-member cluster.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace colonies::testing {

class EtcdServer {
 public:
  // Starts etcd and waits until it answers GET /health. Throws std::runtime_error when
  // /usr/bin/etcd is missing (naming the Debian package) or etcd does not come up (with its log).
  EtcdServer();
  ~EtcdServer();
  EtcdServer(const EtcdServer&) = delete;
  EtcdServer& operator=(const EtcdServer&) = delete;

  // "http://127.0.0.1:<client port>", what EtcdOptions::endpoints and --etcd-endpoints take.
  std::string endpoint() const;
  // SIGKILL and reap: the coordinator is gone, no graceful anything.
  void kill();
  // Starts it again (same data directory and ports) and waits until it is healthy.
  void start();
  bool running() const { return pid_ > 0; }

 private:
  std::filesystem::path base_;  // data in base_/data, log in base_/etcd.log
  std::uint16_t client_port_ = 0;
  std::uint16_t peer_port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace colonies::testing
