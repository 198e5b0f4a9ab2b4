// The only file of the local backend that touches fork, exec, signals and wait: starting one
// program as the leader of a new process group (or session, for mpirun) with its output on
// pipes, signalling the group or the whole session, and collecting the exit status. No shell is
// involved anywhere. It keeps no job bookkeeping; LocalBackend does.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error/error.hpp"

namespace colonies::executors::local {

// The program file `program` names: a name without '/' is looked up in the directories of
// `path` (a PATH value; empty entries are skipped); a name with '/' is taken as is. The file
// must be a regular, executable file. NotFound "command 'x' not found in PATH (...)" otherwise.
Result<std::string> find_program(std::string_view program, std::string_view path);

struct SpawnRequest {
  std::string executable;  // a path, as find_program returns it
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "NAME=value"
  std::filesystem::path workdir;
  // Leader of a new session (setsid) instead of only a new process group: for launchers such as
  // mpirun whose children make process groups of their own, so that signal_session reaches them.
  bool new_session = false;
  // What the child gets when the executor thread that started it dies: SIGKILL, or SIGTERM for a
  // launcher that must stop its own children on the way out (mpirun).
  int death_signal = SIGKILL;
};

// A started child: leader of its own process group (pgid == pid), stdin from /dev/null, stdout
// and stderr on non-blocking pipes. Owns its descriptors.
class ChildProcess {
 public:
  // Starts the program. The child gets default signal dispositions and an empty signal mask
  // (whatever the executor blocks), no descriptor but 0-2, and SIGKILL if the executor thread
  // that started it dies (PR_SET_PDEATHSIG). Errors: the exec failed (its errno, said plainly).
  static Result<ChildProcess> spawn(const SpawnRequest& request);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ~ChildProcess();  // closes descriptors; does not kill or reap (the owner decides)

  pid_t pid() const { return pid_; }
  int stdout_fd() const { return out_fd_; }
  int stderr_fd() const { return err_fd_; }
  // Readable (POLLIN) once the child has exited; -1 where pidfd_open is unavailable.
  int exit_fd() const { return pid_fd_; }

  // Reads what is available without blocking, up to `max_bytes`, appending to `out`. Returns
  // false at end of stream (the descriptor is then closed and stdout_fd()/stderr_fd() is -1).
  bool read_stdout(std::string& out, std::size_t max_bytes) { return read_fd(out_fd_, out, max_bytes); }
  bool read_stderr(std::string& out, std::size_t max_bytes) { return read_fd(err_fd_, out, max_bytes); }

  // Sends `signal` to the whole process group. The leader is not reaped before reap(), so the
  // group ID cannot have been reused by an unrelated process.
  void signal_group(int signal) const;
  // Sends `signal` to the group and to every process of the child's session (found in /proc),
  // including those in other groups. Only meaningful for a child spawned with new_session.
  void signal_session(int signal) const;
  // True once the leader has exited; it stays a zombie (not reaped) so the group stays ours.
  bool exited() const;
  // Reaps the exited leader and returns its wait status. Call after exited() only.
  int reap();
  bool reaped() const { return reaped_; }

 private:
  ChildProcess() = default;
  static bool read_fd(int& fd, std::string& out, std::size_t max_bytes);
  void close_all();

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  int pid_fd_ = -1;
  bool reaped_ = false;
};

// Runs a short program to its end and returns its stdout (stderr is read and dropped), for
// start-up probes such as `mpirun --version`. Killed and Timeout after `limit`; Unavailable when
// it exits non-zero. Blocks the calling thread.
Result<std::string> run_to_completion(const SpawnRequest& request, std::chrono::milliseconds limit);

// "exit code 3", "killed by signal 9 (SIGKILL)" for a wait status.
std::string describe_wait_status(int status);

}  // namespace colonies::executors::local
