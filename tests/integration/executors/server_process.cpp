// Starting and stopping coloniesd for integration tests (see server_process.hpp).
#include "tests/integration/executors/server_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

namespace colonies::testing {

std::uint16_t pick_free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    return 0;
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

ServerProcess::ServerProcess(const std::string& binary, const std::string& server_id)
    : binary_(binary), server_id_(server_id) {
  data_dir_ = std::filesystem::temp_directory_path() / ("coloniesd-test-" + std::to_string(::getpid()) + "-" +
                                                         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::filesystem::create_directories(data_dir_);
  // A port picked this way may be taken before coloniesd binds it; then it exits and we retry.
  for (int attempt = 0; attempt < 3 && pid_ < 0; ++attempt) {
    port_ = pick_free_port();
    if (port_ == 0) break;
#ifdef COLONIES_TEST_GRPC
    do {
      grpc_port_ = pick_free_port();
    } while (grpc_port_ == port_);
#endif
    launch();
  }
  if (pid_ <= 0) ADD_FAILURE() << "coloniesd (" << binary << ") did not come up";
}

bool ServerProcess::launch() {
  std::vector<std::string> args{binary_, "--host", "127.0.0.1", "--port", std::to_string(port_), "--data-dir",
                                data_dir_.string(), "--server-id", server_id_, "--db-sync", "normal",
                                "--log-level", "warn"};
  if (grpc_port_ != 0) {
    args.push_back("--grpc-port");
    args.push_back(std::to_string(grpc_port_));
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    // The server dies with the test binary, also when that crashes: no orphan listening on.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::execv(binary_.c_str(), argv.data());
    ::_exit(127);
  }
  if (pid < 0) return false;
  // Up when it answers versionmsg (unsigned).
  client::Client probe(client_config(), nullptr);
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < until) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return false;
    if (probe.version()) {
      pid_ = pid;
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return false;
}

bool ServerProcess::restart() {
  if (pid_ > 0) stop();
  return launch();
}

std::chrono::milliseconds ServerProcess::stop() {
  auto started = std::chrono::steady_clock::now();
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    auto until = started + std::chrono::seconds(15);
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > until) {
        ADD_FAILURE() << "coloniesd did not exit within 15 s of SIGTERM";
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    pid_ = -1;
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
}

void ServerProcess::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

ServerProcess::~ServerProcess() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(data_dir_, ec);
}

client::ClientConfig ServerProcess::client_config() const {
  client::ClientConfig config;
  config.host = "127.0.0.1";
  config.port = port_;
  config.request_timeout = std::chrono::seconds(10);
  config.long_poll_margin = std::chrono::seconds(5);
  return config;
}

client::ClientConfig ServerProcess::grpc_client_config() const {
  client::ClientConfig config = client_config();
  if (grpc_port_ != 0) {
    config.transport = client::TransportKind::Grpc;
    config.port = grpc_port_;
  }
  return config;
}

}  // namespace colonies::testing
