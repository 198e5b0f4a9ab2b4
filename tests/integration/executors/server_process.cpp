// Starting and stopping coloniesd for integration tests (see server_process.hpp).
#include "tests/integration/executors/server_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
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

ServerProcess::ServerProcess(const std::string& binary, const std::string& server_id) {
  data_dir_ = std::filesystem::temp_directory_path() / ("coloniesd-test-" + std::to_string(::getpid()) + "-" +
                                                         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::filesystem::create_directories(data_dir_);
  for (int attempt = 0; attempt < 3 && pid_ < 0; ++attempt) {
    port_ = pick_free_port();
    if (port_ == 0) {
      ADD_FAILURE() << "no free port on 127.0.0.1";
      return;
    }
    std::vector<std::string> args{binary, "--host", "127.0.0.1", "--port", std::to_string(port_), "--data-dir",
                                  data_dir_.string(), "--server-id", server_id, "--db-sync", "normal",
                                  "--log-level", "warn"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
      ::execv(binary.c_str(), argv.data());
      ::_exit(127);
    }
    if (pid < 0) {
      ADD_FAILURE() << "fork failed";
      return;
    }
    // Up until it answers versionmsg (unsigned); a port taken meanwhile makes it exit: retry.
    client::Client probe(client_config(), nullptr);
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    bool up = false;
    while (std::chrono::steady_clock::now() < until) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) break;
      if (probe.version()) {
        up = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (up) {
      pid_ = pid;
    } else {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
  if (pid_ <= 0) ADD_FAILURE() << "coloniesd (" << binary << ") did not come up";
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > until) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
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

}  // namespace colonies::testing
