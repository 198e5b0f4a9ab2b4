// Backend that runs each process as one Slurm batch job: translate (job_request.hpp), submit
// through a SlurmApi, then ONE batched state query per poll interval for every job in flight
// (never one per job), output files tailed into process log lines, pending reasons logged when
// they change, and terminal states mapped exactly (job_outcome.hpp). Jobs live on in Slurm when
// the executor dies; reattach() finds them again by the job comment. Rules: docs/executor-slurm.md.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "executors/common/backend.hpp"
#include "executors/common/job_output.hpp"
#include "executors/slurm/job_request.hpp"
#include "executors/slurm/slurm_api.hpp"

namespace colonies::executors::slurm {

// Slurm is away (Unavailable, Timeout) rather than refusing a request: worth retrying.
inline bool slurm_unreachable(const Error& error) {
  return error.code == ErrorCode::Unavailable || error.code == ErrorCode::Timeout;
}

// Creates the site's work and output directories (Unavailable naming the one that fails).
Status make_directories(const SiteConfig& site);

struct SlurmBackendConfig {
  SiteConfig site;
  std::chrono::milliseconds poll_interval{2'000};  // one state query per interval, for all jobs
  // A job slurmctld no longer lists is looked up in accounting (sacct); while accounting does not
  // know it yet (it lags slurmctld by seconds) it is asked again until this much time passed,
  // then the outcome is reported unknown (failed). Also how long a job never seen may be absent.
  std::chrono::milliseconds forgotten_grace{60'000};
  // Job arrays: with array_max > 1, processes that can share a job (same resources and limits,
  // array_key()) and arrive within array_window of each other are submitted as one array job of
  // at most array_max tasks, one sbatch for many processes. 0 or 1: one job per process.
  int array_max = 0;
  std::chrono::milliseconds array_window{500};
  // While slurmctld cannot be reached (restart, failover), a submission is retried every poll
  // interval for this long before the process is failed with Slurm's error.
  std::chrono::milliseconds submit_retry{120'000};
  // Injected for tests; default std::chrono::steady_clock::now.
  std::function<std::chrono::steady_clock::time_point()> now;
};

class SlurmBackend final : public Backend {
 public:
  using Clock = std::chrono::steady_clock;
  // BadRequest for an inconsistent site config; Unavailable when the work or output directory
  // cannot be created.
  static Result<std::unique_ptr<SlurmBackend>> create(SlurmBackendConfig config, std::unique_ptr<SlurmApi> api);

  std::string_view name() const override { return "slurm"; }
  Result<JobHandle> submit(const model::Process& process, JobSink& sink) override;
  Status poll(std::chrono::milliseconds timeout) override;
  // scancel; the end (CANCELLED) is reported by a later poll with `reason` first in its errors.
  // A failing scancel is retried at every poll until Slurm takes it.
  Status cancel(JobHandle handle, std::string reason) override;
  Result<std::vector<ReattachedJob>> reattach(const std::function<JobSink&(const std::string&)>& sink_for) override;
  // Slurm jobs run whether the executor runs or not: a graceful stop leaves them to the next
  // start, which finds them by their comment (reattach).
  bool jobs_outlive_executor() const override { return true; }
  BackendStats stats() const override;
  void wake() override;

  // Number of state queries made so far (tests check that polling is batched).
  std::int64_t queries() const { return queries_; }

 private:
  // Follows one output file from where it was last read; the file appears when the job starts.
  struct Tail {
    std::string path;
    std::uint64_t offset = 0;
    LineSplitter lines{};
  };
  struct Job {
    JobSink* sink = nullptr;
    std::string processid;
    SlurmJobId id = 0;                   // the job, or the array job; 0 while queued for an array
    std::optional<std::uint32_t> task;   // the array task running this process
    std::string array_token;             // its array's token (array_map_path), for cleaning up
    std::optional<SlurmJobRequest> queued;  // translated, waiting for its array or a retry
    Clock::time_point submit_deadline;      // retries of a failed submission stop here
    bool retry_noted = false;               // the process log already says we are retrying
    Tail out;
    Tail err;
    OutputCapture capture;
    std::optional<JobState> state;  // last seen; nullopt until the first query found the job
    std::string reason;
    std::string cancel_reason;  // why we cancelled; "" = not cancelled by us
    bool kill_pending = false;  // scancel failed; retried at the next query
    Clock::time_point submitted;
    std::optional<Clock::time_point> missing_since;
    // "slurm: ..." lines for the process log, held until poll() hands them to the sink (sinks may
    // only be called from inside poll()).
    std::vector<std::string> notes;
  };

  struct Batch {
    std::vector<JobHandle> handles;
    Clock::time_point due;  // submitted at this time at the latest (earlier when full)
  };

  SlurmBackend(SlurmBackendConfig config, std::unique_ptr<SlurmApi> api);
  // Submits the batches whose window has passed (or that are full), one array job each.
  void flush_batches(Clock::time_point now, bool all);
  void submit_batch(std::vector<JobHandle> handles, Clock::time_point now);
  // Queues a translated job for submission at `due` (with its compatible ones, for arrays).
  void enqueue(JobHandle handle, Clock::time_point due);
  Result<SlurmJobId> write_array_map(const std::vector<ArrayMember>& members);
  Status kill(Job& job);
  std::string label(const Job& job) const;
  Status query_all(Clock::time_point now);
  void update(Job& job, const JobStatus& status);
  void forgotten(std::map<JobHandle, Job>::iterator it, Clock::time_point now, const Result<std::vector<JobStatus>>& accounting);
  void read_tail(Job& job, Tail& tail, bool is_stderr, bool to_end);
  void finish(std::map<JobHandle, Job>::iterator it, JobResult result);
  void note(Job& job, const std::string& text);
  void flush_notes(Job& job);

  SlurmBackendConfig config_;
  std::unique_ptr<SlurmApi> api_;
  std::map<JobHandle, Job> jobs_;
  JobHandle next_handle_ = 1;
  std::int64_t submitted_ = 0;
  std::int64_t finished_ = 0;
  std::int64_t queries_ = 0;
  std::optional<Clock::time_point> next_query_;
  std::map<std::string, Batch> batches_;  // by array_key()
  std::mutex wake_mutex_;
  std::condition_variable wake_cv_;
  bool woken_ = false;
};

}  // namespace colonies::executors::slurm
