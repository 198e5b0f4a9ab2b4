// Backend that runs each process as a child of the executor (fork + execve, never a shell), in
// its own process group and a fresh work directory, streaming stdout/stderr as lines and
// enforcing the time limit. Not a sandbox: jobs run as the executor's user. Jobs die with the
// executor, so reattach() finds none. Rules for users: docs/executors.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "executors/common/backend.hpp"
#include "executors/common/job_output.hpp"
#include "executors/local/child_process.hpp"
#include "executors/local/fs_stager.hpp"
#include "executors/local/launch_plan.hpp"

namespace colonies::executors::local {

struct LocalBackendConfig {
  std::filesystem::path workdir;  // per-process directories are created below it
  bool keep_workdirs = false;     // keep them after the job (for debugging)
  std::chrono::milliseconds kill_grace{5'000};  // SIGTERM to the group, then SIGKILL after this
  // Where programs are looked up; default: the executor's PATH.
  std::string path;
  // The executor's environment passed on to jobs (minus COLONIES_*); default: environ.
  std::vector<std::string> executor_env;
  bool inherit_environ = true;  // false: only executor_env (tests)
  // Materialises spec.fs before a process runs and syncs results back after (docs/files.md).
  // Without one, a process whose spec has an `fs` section is refused with a clear error.
  std::shared_ptr<FsStager> stager;
};

class LocalBackend final : public Backend {
 public:
  // Creates the work directory if needed. Errors: it cannot be created or written.
  static Result<std::unique_ptr<LocalBackend>> create(LocalBackendConfig config);
  ~LocalBackend() override;  // kills and reaps what still runs, removes work directories

  std::string_view name() const override { return "local"; }
  Result<JobHandle> submit(const model::Process& process, JobSink& sink) override;
  Status poll(std::chrono::milliseconds timeout) override;
  Status cancel(JobHandle handle, std::string reason) override;
  BackendStats stats() const override;
  void wake() override;

 private:
  using Clock = std::chrono::steady_clock;
  struct Job {
    JobSink* sink = nullptr;
    std::string processid;
    ChildProcess child;
    std::filesystem::path dir;
    FsPlan files;  // spec.fs, staged in before the start; synced back in finish()
    LineSplitter out_lines{};
    LineSplitter err_lines{};
    OutputCapture capture;
    Clock::time_point started;
    std::optional<Clock::time_point> deadline;
    std::string deadline_reason;  // "walltime of 5 s exceeded"
    bool server_deadline = false;  // the deadline is maxexectime, which the server enforces too
    std::string stop_reason;      // why we signalled it (deadline or cancel); "" = not stopped
    std::optional<Clock::time_point> kill_at;
  };

  explicit LocalBackend(LocalBackendConfig config);
  void read_output(Job& job, bool is_stderr, std::size_t max_bytes);
  void stop(Job& job, std::string reason, Clock::time_point now);
  void enforce_timers(Job& job, Clock::time_point now);
  JobResult finish(Job& job);
  // spec.fs: the plan, staged in (BadRequest / the stager's error otherwise).
  Result<FsPlan> stage_in(const model::Process& process, const std::filesystem::path& dir);
  // Syncs results back; a failure turns a success into a failure naming what was not synced.
  void stage_out(Job& job, JobResult& result);

  LocalBackendConfig config_;
  LaunchContext context_;
  std::map<JobHandle, Job> jobs_;
  JobHandle next_handle_ = 1;
  std::int64_t submitted_ = 0;
  std::int64_t finished_ = 0;
  int wake_read_ = -1;
  int wake_write_ = -1;
};

}  // namespace colonies::executors::local
