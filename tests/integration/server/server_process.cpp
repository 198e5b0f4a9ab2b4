// ServerProcess: fork/exec of coloniesd, readiness polling, signals.
#include "tests/integration/server/server_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "adapters/transport/http/http_client.hpp"

namespace colonies::testing {

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    fs::path candidate = fs::temp_directory_path() / ("colonies-test-" + std::to_string(rd()));
    std::error_code ec;
    if (fs::create_directory(candidate, ec)) {
      path_ = candidate;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary directory");
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::pair<int, std::string> run_shell(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string output;
  char buffer[4096];
  while (pipe && std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
  const int status = pipe ? ::pclose(pipe) : -1;
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  std::uint16_t port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

ServerProcess::ServerProcess(Options options) : options_(std::move(options)) {
  if (options_.log_file.empty()) options_.log_file = options_.data_dir.parent_path() / "coloniesd.log";
}

ServerProcess::~ServerProcess() {
  if (running()) kill9();
}

bool ServerProcess::start(std::chrono::milliseconds ready_timeout) {
  if (running()) return true;
  error_.clear();
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (port_ == 0 || attempt > 0) port_ = free_port();
    if (options_.grpc && (grpc_port_ == 0 || attempt > 0)) {
      do {
        grpc_port_ = free_port();
      } while (grpc_port_ == port_);
    }
    if (!spawn()) return false;
    if (wait_ready(ready_timeout)) return true;
    if (running()) {
      kill9();
      break;  // it ran but never got ready: another port will not help
    }
  }
  error_ = "coloniesd did not become ready; log tail:\n" + log_tail();
  return false;
}

bool ServerProcess::spawn() {
  std::vector<std::string> args = {options_.binary,
                                   "--host", "127.0.0.1",
                                   "--port", std::to_string(port_),
                                   "--data-dir", options_.data_dir.string(),
                                   "--server-id", options_.server_id,
                                   "--threads", "2",
                                   "--log-level", options_.log_level};
  if (options_.grpc) {
    args.push_back("--grpc-port");
    args.push_back(std::to_string(grpc_port_));
  }
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log = options_.log_file.string();

  const pid_t pid = ::fork();
  if (pid < 0) {
    error_ = "fork failed";
    return false;
  }
  if (pid == 0) {
    // The server dies with the test binary, also when that crashes: no orphan listening on.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
      ::close(fd);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  return true;
}

bool ServerProcess::wait_ready(std::chrono::milliseconds timeout) {
  transport::HttpClientOptions options;
  options.port = port_;
  options.connect_timeout = std::chrono::milliseconds(500);
  options.tls = options_.tls;
  options.tls_verify = false;  // a test's self-signed certificate; the tests check verification themselves
  transport::HttpClient client(options);
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (reap(false)) return false;  // exited: e.g. the port was taken
    auto r = client.get("/health", std::chrono::milliseconds(1000));
    if (r && r->status == 200) return true;
    client.close();
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return false;
}

std::optional<int> ServerProcess::reap(bool block) {
  if (pid_ <= 0) return std::nullopt;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  if (r == pid_) {
    pid_ = -1;
    return status;
  }
  return std::nullopt;
}

std::optional<int> ServerProcess::exit_code() {
  auto status = reap(false);
  if (!status) return std::nullopt;
  return WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status);
}

bool ServerProcess::send_signal(int signal) { return pid_ > 0 && ::kill(pid_, signal) == 0; }

void ServerProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  reap(true);
}

std::optional<int> ServerProcess::terminate(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  ::kill(pid_, SIGTERM);
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (auto status = reap(false)) {
      if (WIFEXITED(*status)) return WEXITSTATUS(*status);
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill9();
  return std::nullopt;
}

std::string ServerProcess::log_tail(std::size_t bytes) const {
  std::ifstream in(options_.log_file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string all = ss.str();
  return all.size() > bytes ? all.substr(all.size() - bytes) : all;
}

}  // namespace colonies::testing
