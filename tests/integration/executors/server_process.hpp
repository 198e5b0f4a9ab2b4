// Test support: the real coloniesd binary as a child process on a free loopback port with a
// temporary data directory, stopped with SIGTERM. Only for integration tests; not a supervisor.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "client/client.hpp"

namespace colonies::testing {

class ServerProcess {
 public:
  // Starts `binary` with --server-id of `server_id`, waits until it answers (up to 20 s).
  // Fails the current test (gtest) when it cannot.
  ServerProcess(const std::string& binary, const std::string& server_id);
  ~ServerProcess();  // SIGTERM, wait, remove the data directory

  // SIGTERM and wait (the data directory stays). Returns how long the server took to exit.
  std::chrono::milliseconds stop();
  // SIGKILL and wait: a crash (the data directory stays; what was committed survives).
  void kill();
  // Starts it again on the same port and data directory (to test reconnects).
  bool restart();

  std::uint16_t port() const { return port_; }
  client::ClientConfig client_config() const;
  // With COLONIES_TEST_GRPC defined for the test binary, coloniesd also serves gRPC: its port and
  // a client configuration over it. 0 / an HTTP configuration otherwise.
  std::uint16_t grpc_port() const { return grpc_port_; }
  client::ClientConfig grpc_client_config() const;
  bool started() const { return pid_ > 0; }

 private:
  bool launch();

  std::string binary_;
  std::string server_id_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::uint16_t grpc_port_ = 0;
  std::filesystem::path data_dir_;
};

// A port that was free a moment ago on 127.0.0.1 (bound to port 0, read back, closed).
std::uint16_t pick_free_port();

}  // namespace colonies::testing
