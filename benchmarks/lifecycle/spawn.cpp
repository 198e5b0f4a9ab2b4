// Throwaway coloniesd for benchmarks.
#include "benchmarks/lifecycle/spawn.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "adapters/transport/http/http_client.hpp"

namespace colonies::bench {

namespace {
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}
}  // namespace

Result<SpawnedServer*> SpawnedServer::start(const std::string& coloniesd, const std::string& server_id,
                                            const std::vector<std::string>& extra_args) {
  auto server = std::make_unique<SpawnedServer>();
  char tmpl[] = "/tmp/colonies-bench-XXXXXX";
  if (!::mkdtemp(tmpl)) return fail(ErrorCode::Internal, "cannot create a temporary directory");
  server->dir_ = tmpl;
  server->port_ = free_port();
  std::vector<std::string> args{coloniesd, "--port", std::to_string(server->port_), "--data-dir", server->dir_,
                                "--server-id", server_id, "--log-level", "warn"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  server->pid_ = ::fork();
  if (server->pid_ == 0) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  transport::HttpClient http({.host = "127.0.0.1", .port = static_cast<std::uint16_t>(server->port_)});
  for (int i = 0; i < 100; ++i) {
    auto r = http.get("/health", std::chrono::milliseconds(500));
    if (r && r->status == 200) return server.release();
    int status = 0;
    if (::waitpid(server->pid_, &status, WNOHANG) == server->pid_) {
      server->pid_ = -1;
      return fail(ErrorCode::Unavailable, "coloniesd ({}) exited at start", coloniesd);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return fail(ErrorCode::Unavailable, "coloniesd did not become healthy on port {}", server->port_);
}

SpawnedServer::~SpawnedServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

}  // namespace colonies::bench
