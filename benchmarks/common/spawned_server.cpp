// Throwaway coloniesd for benchmarks.
#include "benchmarks/common/spawned_server.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "adapters/transport/http/http_client.hpp"
#include "benchmarks/common/host.hpp"

namespace colonies::bench {

Result<SpawnedServer*> SpawnedServer::start(const std::string& coloniesd, const std::string& server_id,
                                            const std::vector<std::string>& extra_args, const SpawnOptions& options) {
  auto server = std::make_unique<SpawnedServer>();
  if (options.data_dir.empty()) {
    char tmpl[] = "/tmp/colonies-bench-XXXXXX";
    if (!::mkdtemp(tmpl)) return fail(ErrorCode::Internal, "cannot create a temporary directory");
    server->dir_ = tmpl;
  } else {
    server->dir_ = options.data_dir;
    server->remove_dir_ = false;
  }
  server->port_ = free_port();
  std::vector<std::string> args{coloniesd, "--port", std::to_string(server->port_), "--data-dir", server->dir_,
                                "--server-id", server_id, "--log-level", "warn"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  const auto forked = std::chrono::steady_clock::now();
  server->pid_ = ::fork();
  if (server->pid_ == 0) {
    // A benchmark killed mid-run must not leave a coloniesd behind on the shared machine.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  transport::HttpClient http({.host = "127.0.0.1", .port = static_cast<std::uint16_t>(server->port_)});
  const auto deadline = forked + options.start_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = http.get("/health", std::chrono::milliseconds(500));
    if (r && r->status == 200) {
      server->start_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - forked).count();
      return server.release();
    }
    int status = 0;
    if (::waitpid(server->pid_, &status, WNOHANG) == server->pid_) {
      server->pid_ = -1;
      return fail(ErrorCode::Unavailable, "coloniesd ({}) exited at start", coloniesd);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return fail(ErrorCode::Unavailable, "coloniesd did not become healthy on port {} within {} s", server->port_,
              options.start_timeout.count());
}

void SpawnedServer::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
}

SpawnedServer::~SpawnedServer() {
  stop();
  std::error_code ec;
  if (remove_dir_ && !dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

}  // namespace colonies::bench
