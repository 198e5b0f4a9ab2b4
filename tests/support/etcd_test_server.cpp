// EtcdServer: fork/exec of etcd with argv (no shell); readiness through the transport's HTTP
// client. Ports are picked by binding port 0 and releasing it, so a rare race with another
// process is possible: start() then fails with etcd's log, it does not hang.
#include "tests/support/etcd_test_server.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>
#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "adapters/transport/http/http_client.hpp"

namespace colonies::testing {

namespace {

constexpr const char* kEtcd = "/usr/bin/etcd";

std::uint16_t unused_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot find a free port on 127.0.0.1");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string tail_of(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  auto text = s.str();
  return text.size() > 4000 ? text.substr(text.size() - 4000) : text;
}

pid_t spawn(const std::vector<std::string>& argv, int out_fd) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out_fd, 1);
    ::dup2(out_fd, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

}  // namespace

EtcdServer::EtcdServer() {
  if (::access(kEtcd, X_OK) != 0) {
    throw std::runtime_error(fmt::format("{} is missing: install the Debian package etcd-server "
                                         "(scripts/install-deps.sh lists it among the test packages)", kEtcd));
  }
  std::string pattern = (std::filesystem::temp_directory_path() / "colonies-etcd-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  base_ = pattern;
  client_port_ = unused_port();
  do {
    peer_port_ = unused_port();
  } while (peer_port_ == client_port_);
  start();
}

EtcdServer::~EtcdServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill();
  }
  std::error_code ec;
  std::filesystem::remove_all(base_, ec);
}

std::string EtcdServer::endpoint() const { return fmt::format("http://127.0.0.1:{}", client_port_); }

void EtcdServer::start() {
  if (pid_ > 0) return;
  const auto client = endpoint();
  const auto peer = fmt::format("http://127.0.0.1:{}", peer_port_);
  const auto log = base_ / "etcd.log";
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) throw std::runtime_error("cannot write " + log.string());
  pid_ = spawn({kEtcd, "--name", "test", "--data-dir", (base_ / "data").string(), "--listen-client-urls", client,
                "--advertise-client-urls", client, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "test=" + peer, "--initial-cluster-state", "new", "--log-level", "warn",
                "--logger", "zap"},
               fd);
  ::close(fd);
  if (pid_ < 0) throw std::runtime_error("cannot fork etcd");

  transport::HttpClientOptions options;
  options.port = client_port_;
  options.server_name = "etcd";
  options.connect_timeout = std::chrono::milliseconds(500);
  transport::HttpClient http(options);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < give_up) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error(fmt::format("etcd exited during start-up:\n{}", tail_of(log)));
    }
    auto health = http.get("/health", std::chrono::milliseconds(500));
    if (health && health->status == 200 && health->body.find("true") != std::string::npos) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill();
  throw std::runtime_error(fmt::format("etcd did not become healthy within 30 s:\n{}", tail_of(log)));
}

void EtcdServer::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

}  // namespace colonies::testing
