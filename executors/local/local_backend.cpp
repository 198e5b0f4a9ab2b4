// LocalBackend: the job table, the poll loop over output pipes and exit descriptors, time limits
// and the end of jobs (see local_backend.hpp). Starting jobs is in local_backend_start.cpp, MPI in
// local_backend_mpi.cpp, process mechanics in child_process.cpp.
#include "executors/local/local_backend.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

extern char** environ;

namespace colonies::executors::local {

namespace {

// Per poll round and stream, so that one flooding job cannot starve the others.
constexpr std::size_t kReadPerRound = 256 * 1024;
// Without pidfd we learn of an exit only by looking; this bounds that delay.
constexpr std::chrono::milliseconds kExitCheckInterval{50};

}  // namespace

Result<std::unique_ptr<LocalBackend>> LocalBackend::create(LocalBackendConfig config) {
  if (config.workdir.empty()) return fail(ErrorCode::BadRequest, "no work directory: pass --workdir");
  std::error_code ec;
  std::filesystem::create_directories(config.workdir, ec);
  if (ec || ::access(config.workdir.c_str(), W_OK | X_OK) != 0) {
    return fail(ErrorCode::BadRequest, "work directory {} cannot be created or written{}; pass a writable --workdir",
                config.workdir.string(), ec ? ": " + ec.message() : std::string());
  }
  config.workdir = std::filesystem::absolute(config.workdir);
  if (config.path.empty()) {
    const char* path = std::getenv("PATH");
    config.path = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";
  }
  if (config.inherit_environ) {
    for (char** e = environ; e && *e; ++e) config.executor_env.emplace_back(*e);
  }
  auto backend = std::unique_ptr<LocalBackend>(new LocalBackend(std::move(config)));
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    return fail(ErrorCode::Unavailable, "cannot create the wake-up pipe: {}", ::strerrordesc_np(errno));
  }
  backend->wake_read_ = fds[0];
  backend->wake_write_ = fds[1];
  return backend;
}

namespace {

HostResources host_of(const LocalBackendConfig& config) {
  return config.host ? *config.host : detect_host_resources();
}

}  // namespace

LocalBackend::LocalBackend(LocalBackendConfig config)
    : config_(std::move(config)),
      host_(host_of(config_)),
      allocator_(host_, config_.usable_cores > 0 ? config_.usable_cores : static_cast<int>(host_.core_list.size())) {
  context_.executor_env = config_.executor_env;
}

LocalBackend::~LocalBackend() {
  // Children die with the executor: nothing may outlive it unaccounted for.
  for (auto& [handle, job] : jobs_) {
    kill_all(job);
    job.child.reap();
    if (!config_.keep_workdirs) {
      std::error_code ec;
      std::filesystem::remove_all(job.dir, ec);
    }
  }
  if (wake_read_ >= 0) ::close(wake_read_);
  if (wake_write_ >= 0) ::close(wake_write_);
}

void LocalBackend::wake() {
  if (wake_write_ < 0) return;
  char byte = 1;
  ssize_t ignored = ::write(wake_write_, &byte, 1);  // a full pipe is already a pending wake-up
  (void)ignored;
}

BackendStats LocalBackend::stats() const {
  return BackendStats{static_cast<int>(jobs_.size() + waiting_.size()), submitted_, finished_};
}

Status LocalBackend::cancel(JobHandle handle, std::string reason) {
  auto it = jobs_.find(handle);
  if (it == jobs_.end()) {
    for (auto& waiting : waiting_) {
      if (waiting.handle != handle) continue;
      // Reported by the next poll (sinks are only called from poll); it goes first so that a
      // cancelled job at the head of the queue does not hold up the others.
      if (waiting.cancel_reason.empty()) waiting.cancel_reason = std::move(reason);
      wake();
      return ok();
    }
    return fail(ErrorCode::NotFound, "no running job with handle {}", handle);
  }
  stop(it->second, std::move(reason), Clock::now());
  return ok();
}

void LocalBackend::stop(Job& job, std::string reason, Clock::time_point now) {
  if (!job.stop_reason.empty()) return;
  job.stop_reason = std::move(reason);
  job.child.signal_group(SIGTERM);
  job.kill_at = now + config_.kill_grace;
}

void LocalBackend::kill_all(Job& job) {
  // mpirun's ranks lead process groups of their own, but stay in its session.
  if (job.mpi) {
    job.child.signal_session(SIGKILL);
  } else {
    job.child.signal_group(SIGKILL);
  }
}

void LocalBackend::enforce_timers(Job& job, Clock::time_point now) {
  if (job.deadline && now >= *job.deadline && job.stop_reason.empty()) stop(job, job.deadline_reason, now);
  if (job.kill_at && now >= *job.kill_at) {
    kill_all(job);
    job.kill_at.reset();
  }
}

void LocalBackend::read_output(Job& job, bool is_stderr, std::size_t max_bytes) {
  std::string bytes;
  bool open = is_stderr ? job.child.read_stderr(bytes, max_bytes) : job.child.read_stdout(bytes, max_bytes);
  LineSplitter& splitter = is_stderr ? job.err_lines : job.out_lines;
  auto emit = [&](std::string_view line) { emit_line(job, is_stderr, line); };
  splitter.feed(bytes, emit);
  if (!open) splitter.finish(emit);
}

void LocalBackend::emit_line(Job& job, bool is_stderr, std::string_view line) {
  std::string text = job.mpi ? mpi_line(job, is_stderr, line) : std::string(line);
  job.capture.add(is_stderr, text);
  job.sink->line(is_stderr ? OutputStream::Stderr : OutputStream::Stdout, text);
}

Status LocalBackend::poll(std::chrono::milliseconds timeout) {
  auto now = Clock::now();
  auto wait = std::max(timeout, std::chrono::milliseconds(0));
  auto consider = [&](Clock::time_point t) {
    wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(std::max(t - now, Clock::duration(0))));
  };
  for (auto& [handle, job] : jobs_) {
    if (job.deadline && job.stop_reason.empty()) consider(*job.deadline);
    if (job.kill_at) consider(*job.kill_at);
    if (job.child.exit_fd() < 0) wait = std::min(wait, kExitCheckInterval);
  }

  std::vector<pollfd> fds;
  fds.push_back(pollfd{wake_read_, POLLIN, 0});
  for (auto& [handle, job] : jobs_) {
    for (int fd : {job.child.stdout_fd(), job.child.stderr_fd(), job.child.exit_fd()}) {
      if (fd >= 0) fds.push_back(pollfd{fd, POLLIN, 0});
    }
  }
  int ready = ::poll(fds.data(), fds.size(), static_cast<int>(wait.count()));
  if (ready < 0 && errno != EINTR) return fail(ErrorCode::Internal, "poll failed: {}", ::strerrordesc_np(errno));
  if (ready > 0 && fds[0].revents) {
    char drain[64];
    while (::read(wake_read_, drain, sizeof drain) > 0) {
    }
  }
  start_waiting();
  // Reading every open stream is cheap (non-blocking) and simpler than mapping revents back.
  now = Clock::now();
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    Job& job = it->second;
    read_output(job, false, kReadPerRound);
    read_output(job, true, kReadPerRound);
    enforce_timers(job, now);
    if (!job.child.exited()) {
      ++it;
      continue;
    }
    JobResult result = finish(job);
    JobSink* sink = job.sink;
    it = jobs_.erase(it);
    ++finished_;
    sink->finished(std::move(result));
  }
  // Cores given back just now may let waiting jobs start.
  start_waiting();
  return ok();
}

JobResult LocalBackend::finish(Job& job) {
  // The program is done; whatever it left running in its group goes with it (documented). The
  // leader is still an unreaped zombie, so the group ID cannot belong to anyone else yet.
  kill_all(job);
  allocator_.release(job.allotment);
  job.allotment = {};
  // What the program wrote before exiting is in the pipes. Leftovers were just killed; a process
  // that escaped the group (setsid) may still hold a pipe open, so stop waiting after a moment.
  const auto drain_until = Clock::now() + std::chrono::milliseconds(500);
  while (true) {
    read_output(job, false, 16 * 1024 * 1024);
    read_output(job, true, 16 * 1024 * 1024);
    if (job.child.stdout_fd() < 0 && job.child.stderr_fd() < 0) break;
    if (Clock::now() >= drain_until) break;
    pollfd fds[2] = {{job.child.stdout_fd(), POLLIN, 0}, {job.child.stderr_fd(), POLLIN, 0}};
    ::poll(fds, 2, 50);
  }
  const int status = job.child.reap();
  auto flush = [&](LineSplitter& splitter, bool is_stderr) {
    splitter.finish([&](std::string_view line) { emit_line(job, is_stderr, line); });
  };
  flush(job.out_lines, false);
  flush(job.err_lines, true);

  const double seconds = std::chrono::duration<double>(Clock::now() - job.started).count();
  const std::string how = describe_wait_status(status);
  JobResult result;
  result.summary = fmt::format("{} after {:.2f} s", how, seconds);
  if (job.stop_reason.empty() && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    result.success = true;
    result.out = job.capture.out();
  } else {
    if (!job.stop_reason.empty()) {
      result.errors.push_back(job.stop_reason);
      result.summary = fmt::format("{}; {}", job.stop_reason, result.summary);
    }
    if (job.mpi) {
      if (auto rank = mpi_failure(job)) result.errors.push_back(*rank);
    }
    result.errors.push_back(how);
    for (const auto& line : job.capture.stderr_tail()) result.errors.push_back(line);
    // At maxexectime the server re-queues or fails the process itself; a close from us would
    // turn a retry into a final failure.
    if (job.server_deadline && job.stop_reason == job.deadline_reason) result.close = false;
  }
  stage_out(job, result);
  if (!config_.keep_workdirs) {
    std::error_code ec;
    std::filesystem::remove_all(job.dir, ec);
    if (ec) spdlog::warn("could not remove work directory {}: {}", job.dir.string(), ec.message());
  }
  return result;
}

Result<FsPlan> LocalBackend::stage_in(const model::Process& process, const std::filesystem::path& dir) {
  auto plan = plan_fs(process, dir);
  if (!plan) return std::unexpected(plan.error());
  if (plan->empty()) return plan;
  if (!config_.stager) {
    return fail(ErrorCode::BadRequest,
                "the process asks for files (spec.fs) but this executor has no file storage: start it with --fs-dir "
                "or COLONIES_FS_DIR");
  }
  if (auto staged = config_.stager->stage_in(*plan); !staged) {
    return fail(staged.error().code, "could not prepare the files of spec.fs: {}", staged.error().message);
  }
  return plan;
}

void LocalBackend::stage_out(Job& job, JobResult& result) {
  if (job.files.empty() || !config_.stager) return;
  // Results are synced back only when the process succeeded; a failed run's partial output
  // would otherwise become the label's latest revision.
  auto synced = config_.stager->stage_out(job.files, result.success);
  if (synced || !result.success) return;
  result.success = false;
  result.out.clear();
  result.errors = {fmt::format("the process succeeded but its result files could not be synced back: {}",
                               synced.error().message)};
  result.summary += "; result files not synced";
}

}  // namespace colonies::executors::local
