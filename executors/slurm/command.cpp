// run_command (see command.hpp): fork + execve with three pipes and a poll loop bounded by the
// deadline. Everything the child needs is prepared before fork, because between fork and exec a
// multi-threaded parent's child may only make async-signal-safe calls.
#include "executors/slurm/command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

namespace colonies::executors::slurm {

namespace {

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

Result<std::string> find_executable(const std::string& program, const std::string& path) {
  if (program.find('/') != std::string::npos) {
    if (::access(program.c_str(), X_OK) == 0) return program;
    return fail(ErrorCode::NotFound, "{} is not an executable file", program);
  }
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return fail(ErrorCode::NotFound, "{} not found in PATH ({})", program, path);
}

Result<CommandResult> run_command(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                                  std::string_view input, std::chrono::milliseconds timeout) {
  if (argv.empty()) return fail(ErrorCode::Internal, "run_command without a program");
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return fail(ErrorCode::Unavailable, "pipe: {}", std::strerror(errno));
  Fd in_r(in[0]), in_w(in[1]);
  if (::pipe2(out, O_CLOEXEC) != 0) return fail(ErrorCode::Unavailable, "pipe: {}", std::strerror(errno));
  Fd out_r(out[0]), out_w(out[1]);
  if (::pipe2(err, O_CLOEXEC) != 0) return fail(ErrorCode::Unavailable, "pipe: {}", std::strerror(errno));
  Fd err_r(err[0]), err_w(err[1]);
  auto args = c_strings(argv);
  auto envp = c_strings(env);
  sigset_t all;
  sigemptyset(&all);

  const pid_t pid = ::fork();
  if (pid < 0) return fail(ErrorCode::Unavailable, "cannot start {}: fork: {}", argv[0], std::strerror(errno));
  if (pid == 0) {
    // The executor blocks SIGTERM/SIGINT in its threads; a client tool must get them normally.
    ::sigprocmask(SIG_SETMASK, &all, nullptr);
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    ::execve(args[0], args.data(), envp.data());
    const char msg[] = "exec failed\n";
    ssize_t ignored = ::write(2, msg, sizeof msg - 1);
    (void)ignored;
    ::_exit(127);
  }
  in_r.reset();
  out_w.reset();
  err_w.reset();
  ::fcntl(in_w.fd, F_SETFL, O_NONBLOCK);

  // A tool exiting before reading all its input must cost an EPIPE, not the executor: SIGPIPE is
  // blocked on this thread while writing and a pending one is consumed afterwards.
  sigset_t pipe_set, old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  const bool pipe_was_blocked = sigismember(&old_set, SIGPIPE) == 1;

  CommandResult result;
  std::size_t written = 0;
  if (input.empty()) in_w.reset();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  while (out_r.fd >= 0 || err_r.fd >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd fds[3] = {{out_r.fd, POLLIN, 0}, {err_r.fd, POLLIN, 0}, {in_w.fd, POLLOUT, 0}};
    int ready = ::poll(fds, 3, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    char buffer[8192];
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !fds[i].revents) continue;
      ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        (i == 0 ? result.out : result.err).append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        (i == 0 ? out_r : err_r).reset();
      }
    }
    if (in_w.fd >= 0 && fds[2].revents) {
      ssize_t n = ::write(in_w.fd, input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) in_w.reset();
    }
  }
  in_w.reset();
  if (!pipe_was_blocked) {
    const timespec zero{0, 0};
    while (::sigtimedwait(&pipe_set, nullptr, &zero) > 0) {
    }
    ::pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  }
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return fail(ErrorCode::Timeout, "{} did not finish within {} ms and was killed", argv[0], timeout.count());
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (result.exit_code == 127 && result.err == "exec failed\n") {
    return fail(ErrorCode::Unavailable, "cannot run {}", argv[0]);
  }
  return result;
}

}  // namespace colonies::executors::slurm
