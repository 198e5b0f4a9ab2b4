// fork/exec of one program in its own process group, with pipes and an exec-error channel (see
// child_process.hpp). Between fork and exec the child only makes async-signal-safe calls on
// memory prepared before the fork: the executor is multi-threaded.
#include "executors/local/child_process.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace colonies::executors::local {

namespace {

// Both ends close on exec; the read end is made non-blocking by the caller.
bool make_pipe(int fds[2]) { return ::pipe2(fds, O_CLOEXEC) == 0; }

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Marks every descriptor from 3 up close-on-exec, so that the child inherits none of the
// executor's sockets or files. close_range needs Linux 5.11; older kernels get the loop.
void cloexec_from_3() {
#ifdef SYS_close_range
  constexpr unsigned kCloseRangeCloexec = 1U << 2;
  if (::syscall(SYS_close_range, 3U, ~0U, kCloseRangeCloexec) == 0) return;
#endif
  long max_fd = ::sysconf(_SC_OPEN_MAX);
  if (max_fd < 0 || max_fd > 65536) max_fd = 65536;
  for (int fd = 3; fd < max_fd; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

[[noreturn]] void child_fail(int report_fd, int err) {
  // The parent reads the errno; nothing else can be done safely here.
  ssize_t ignored = ::write(report_fd, &err, sizeof err);
  (void)ignored;
  ::_exit(127);
}

std::string exec_error(const std::string& executable, int err) {
  switch (err) {
    case ENOENT:
      return fmt::format("cannot run '{}': it does not exist", executable);
    case EACCES:
      return fmt::format("cannot run '{}': permission denied (is it executable?)", executable);
    case ENOEXEC:
      return fmt::format("cannot run '{}': not an executable format (a script needs a #! line)", executable);
    default:
      return fmt::format("cannot run '{}': {}", executable, ::strerrordesc_np(err));
  }
}

}  // namespace

Result<std::string> find_program(std::string_view program, std::string_view path) {
  auto usable = [](const std::string& file) {
    struct stat st {};
    return ::stat(file.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(file.c_str(), X_OK) == 0;
  };
  if (program.find('/') != std::string_view::npos) {
    std::string file(program);
    if (!usable(file)) {
      return fail(ErrorCode::NotFound, "program '{}' does not exist or is not an executable file", program);
    }
    // Relative paths are relative to the executor's directory, not the job's work directory.
    return std::filesystem::absolute(file).string();
  }
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find(':', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view dir = path.substr(start, end - start);
    if (!dir.empty()) {
      std::string file = fmt::format("{}/{}", dir, program);
      if (usable(file)) return file;
    }
    start = end + 1;
  }
  return fail(ErrorCode::NotFound, "command '{}' not found in PATH ({})", program, path);
}

Result<ChildProcess> ChildProcess::spawn(const SpawnRequest& request) {
  // Everything the child touches is built before fork: it must not allocate.
  std::vector<char*> argv;
  for (const auto& a : request.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : request.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const std::string workdir = request.workdir.string();
  const char* executable = request.executable.c_str();
  const bool new_session = request.new_session;
  const int death_signal = request.death_signal;

  int out[2] = {-1, -1}, err[2] = {-1, -1}, report[2] = {-1, -1};
  if (!make_pipe(out) || !make_pipe(err) || !make_pipe(report)) {
    int e = errno;
    for (int* p : {out, err, report}) {
      close_fd(p[0]);
      close_fd(p[1]);
    }
    return fail(ErrorCode::Unavailable, "cannot create pipes for '{}': {}", request.executable, ::strerrordesc_np(e));
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (new_session) {
      ::setsid();
    } else {
      ::setpgid(0, 0);
    }
    // If the executor dies, so does the child (its own children are the job's business).
    ::prctl(PR_SET_PDEATHSIG, death_signal);
    if (::getppid() != parent) ::_exit(127);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; ++s) ::sigaction(s, &dfl, nullptr);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull < 0 || ::dup2(devnull, 0) < 0 || ::dup2(out[1], 1) < 0 || ::dup2(err[1], 2) < 0) {
      child_fail(report[1], errno);
    }
    cloexec_from_3();
    if (::chdir(workdir.c_str()) != 0) child_fail(report[1], errno);
    ::execve(executable, argv.data(), envp.data());
    child_fail(report[1], errno);
  }
  const int fork_errno = errno;
  close_fd(out[1]);
  close_fd(err[1]);
  close_fd(report[1]);
  if (pid < 0) {
    close_fd(out[0]);
    close_fd(err[0]);
    close_fd(report[0]);
    return fail(ErrorCode::Unavailable, "cannot fork for '{}': {}", request.executable, ::strerrordesc_np(fork_errno));
  }
  // Also set the group from here: whichever of parent and child runs first, the group exists
  // before we ever signal it. Not for a new session: setsid fails in a process that already leads
  // a group, and the report pipe below waits for the child's exec, which comes after its setsid.
  if (!new_session) ::setpgid(pid, pid);

  // The report pipe closes on a successful exec (close-on-exec) or carries the exec's errno.
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(report[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  close_fd(report[0]);
  if (n == sizeof child_errno) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    close_fd(out[0]);
    close_fd(err[0]);
    if (child_errno == ENOENT || child_errno == ENOTDIR) {
      // chdir or execve: tell which by checking the program again.
      struct stat st {};
      if (::stat(executable, &st) == 0) {
        return fail(ErrorCode::Unavailable, "cannot enter the work directory {}: {}", workdir, ::strerrordesc_np(child_errno));
      }
    }
    return fail(ErrorCode::BadRequest, "{}", exec_error(request.executable, child_errno));
  }

  ChildProcess child;
  child.pid_ = pid;
  child.out_fd_ = out[0];
  child.err_fd_ = err[0];
  ::fcntl(child.out_fd_, F_SETFL, ::fcntl(child.out_fd_, F_GETFL) | O_NONBLOCK);
  ::fcntl(child.err_fd_, F_SETFL, ::fcntl(child.err_fd_, F_GETFL) | O_NONBLOCK);
#ifdef SYS_pidfd_open
  child.pid_fd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (child.pid_fd_ >= 0) ::fcntl(child.pid_fd_, F_SETFD, FD_CLOEXEC);
#endif
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      out_fd_(std::exchange(other.out_fd_, -1)),
      err_fd_(std::exchange(other.err_fd_, -1)),
      pid_fd_(std::exchange(other.pid_fd_, -1)),
      reaped_(std::exchange(other.reaped_, false)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    close_all();
    pid_ = std::exchange(other.pid_, -1);
    out_fd_ = std::exchange(other.out_fd_, -1);
    err_fd_ = std::exchange(other.err_fd_, -1);
    pid_fd_ = std::exchange(other.pid_fd_, -1);
    reaped_ = std::exchange(other.reaped_, false);
  }
  return *this;
}

ChildProcess::~ChildProcess() { close_all(); }

void ChildProcess::close_all() {
  close_fd(out_fd_);
  close_fd(err_fd_);
  close_fd(pid_fd_);
}

bool ChildProcess::read_fd(int& fd, std::string& out, std::size_t max_bytes) {
  if (fd < 0) return false;
  char buffer[16 * 1024];
  std::size_t total = 0;
  while (total < max_bytes) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      out.append(buffer, static_cast<std::size_t>(n));
      total += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    close_fd(fd);  // end of stream, or an error that will not go away
    return false;
  }
  return true;
}

void ChildProcess::signal_group(int signal) const {
  if (pid_ > 0 && !reaped_) ::kill(-pid_, signal);
}

void ChildProcess::signal_session(int signal) const {
  if (pid_ <= 0 || reaped_) return;
  ::kill(-pid_, signal);
  DIR* proc = ::opendir("/proc");
  if (!proc) return;
  while (dirent* entry = ::readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(entry->d_name, &end, 10);
    if (pid <= 0 || *end != '\0' || pid == pid_) continue;
    // /proc/<pid>/stat: "pid (comm) state ppid pgrp session ..."; comm may contain spaces and
    // parentheses, so fields are counted from the last ')'.
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE* file = std::fopen(path, "re");
    if (!file) continue;
    char buffer[512];
    const std::size_t n = std::fread(buffer, 1, sizeof buffer - 1, file);
    std::fclose(file);
    buffer[n] = '\0';
    const char* close = std::strrchr(buffer, ')');
    char state = 0;
    long ppid = 0, pgrp = 0, session = 0;
    if (close && std::sscanf(close + 1, " %c %ld %ld %ld", &state, &ppid, &pgrp, &session) == 4 && session == pid_) {
      ::kill(static_cast<pid_t>(pid), signal);
    }
  }
  ::closedir(proc);
}

bool ChildProcess::exited() const {
  if (pid_ <= 0 || reaped_) return reaped_;
  siginfo_t info{};
  // WNOWAIT: look without reaping, so the pid (and the group ID) stays ours until reap().
  if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) return false;
  return info.si_pid == pid_;
}

int ChildProcess::reap() {
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
  close_fd(pid_fd_);
  return status;
}

Result<std::string> run_to_completion(const SpawnRequest& request, std::chrono::milliseconds limit) {
  COLONIES_TRY(child, ChildProcess::spawn(request));
  const auto until = std::chrono::steady_clock::now() + limit;
  std::string out, err;
  while (child.stdout_fd() >= 0 || child.stderr_fd() >= 0 || !child.exited()) {
    if (std::chrono::steady_clock::now() >= until) {
      child.signal_group(SIGKILL);
      child.reap();
      return fail(ErrorCode::Timeout, "'{}' did not finish within {} ms", request.executable, limit.count());
    }
    pollfd fds[2] = {{child.stdout_fd(), POLLIN, 0}, {child.stderr_fd(), POLLIN, 0}};
    ::poll(fds, 2, 20);
    child.read_stdout(out, 1 << 20);
    child.read_stderr(err, 1 << 20);
  }
  const int status = child.reap();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return fail(ErrorCode::Unavailable, "'{}' ended with {}", request.executable, describe_wait_status(status));
  }
  return out;
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exit code {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    const char* abbrev = ::sigabbrev_np(sig);
    return abbrev ? fmt::format("killed by signal {} (SIG{})", sig, abbrev) : fmt::format("killed by signal {}", sig);
  }
  return fmt::format("ended with wait status {}", status);
}

}  // namespace colonies::executors::local
