// Backend that runs each process as a child of the executor (fork + execve, never a shell), in
// its own process group and a fresh work directory, streaming stdout/stderr as lines and
// enforcing the time limit. MPI processes run through mpirun with their ranks bound to cores this
// backend allots them alone (a process waits here while its cores are taken). Not a sandbox: jobs
// run as the executor's user. Jobs die with the executor, so reattach() finds none. Rules for
// users: docs/executors.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "executors/common/backend.hpp"
#include "executors/common/job_output.hpp"
#include "executors/local/child_process.hpp"
#include "executors/local/core_allocator.hpp"
#include "executors/local/fs_stager.hpp"
#include "executors/local/host_resources.hpp"
#include "executors/local/launch_plan.hpp"
#include "executors/local/mpi_plan.hpp"

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
  // The host's topology: the cores MPI ranks are bound to and the GPUs jobs are given. Default:
  // detect_host_resources() (tests set a fake one).
  std::optional<HostResources> host;
  // Cores of host->core_list that jobs may be bound to (the first that many); 0 = all.
  int usable_cores = 0;
  MpiSite mpi;  // MPI launcher settings (ignored in a build without COLONIES_WITH_MPI)
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
  // Everything decided at submit, before the job may have to wait for its cores.
  struct Request {
    model::Process process;
    LaunchPlan plan;
    std::string executable;   // the program's resolved path
    std::optional<MpiShape> mpi;  // set for MPI processes
    int cores = 0;  // to allot (MPI ranks are bound to them)
    int gpus = 0;
  };
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
    Allotment allotment;  // cores and GPUs, given back in finish()
    bool mpi = false;     // runs mpirun in a session of its own
    std::deque<std::string> launcher_messages;  // mpirun's own last stderr lines (its failure report)
  };
  struct Waiting {
    JobHandle handle = 0;
    JobSink* sink = nullptr;
    Request request;
    std::string cancel_reason;  // cancelled while waiting: reported by the next poll
    bool announced = false;     // the "waiting for cores" line went to its log
  };

  explicit LocalBackend(LocalBackendConfig config);
  // Allots and starts `request` now, or queues it behind earlier waiting jobs.
  Status admit(JobHandle handle, JobSink& sink, Request request);
  // Starts a request whose cores and GPUs are allotted (given back on failure).
  Status start(JobHandle handle, JobSink& sink, Request& request, Allotment allotment);
  // Starts waiting jobs in order while their cores are free; reports cancelled or failed ones.
  void start_waiting();
  void read_output(Job& job, bool is_stderr, std::size_t max_bytes);
  void emit_line(Job& job, bool is_stderr, std::string_view line);
  void stop(Job& job, std::string reason, Clock::time_point now);
  void kill_all(Job& job);
  void enforce_timers(Job& job, Clock::time_point now);
  JobResult finish(Job& job);
  // spec.fs: the plan, staged in (BadRequest / the stager's error otherwise).
  Result<FsPlan> stage_in(const model::Process& process, const std::filesystem::path& dir);
  // Syncs results back; a failure turns a success into a failure naming what was not synced.
  void stage_out(Job& job, JobResult& result);

  // MPI (local_backend_mpi.cpp, or local_backend_no_mpi.cpp in a build without MPI).
  // Sizes an MPI process for this host (BadRequest saying what to change).
  Result<MpiShape> plan_mpi(const model::Process& process) const;
  // The mpirun command for a request whose cores are allotted; writes the rankfile into `dir`.
  Result<SpawnRequest> mpi_spawn_request(const Request& request, const Allotment& allotment,
                                         const std::filesystem::path& dir) const;
  // An mpirun output line as it goes to the log ("[rank 1] ..."); keeps mpirun's own messages.
  std::string mpi_line(Job& job, bool is_stderr, std::string_view line) const;
  // The failing rank, as mpirun reported it ("MPI rank 1 exited with code 3"), if it did.
  std::optional<std::string> mpi_failure(const Job& job) const;

  LocalBackendConfig config_;
  LaunchContext context_;
  HostResources host_;
  CoreAllocator allocator_;
  std::map<JobHandle, Job> jobs_;
  std::deque<Waiting> waiting_;
  JobHandle next_handle_ = 1;
  std::int64_t submitted_ = 0;
  std::int64_t finished_ = 0;
  int wake_read_ = -1;
  int wake_write_ = -1;
};

}  // namespace colonies::executors::local
