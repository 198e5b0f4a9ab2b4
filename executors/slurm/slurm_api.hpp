// The transport port of the Slurm executor: what SlurmBackend needs from a cluster, whatever
// speaks to it (LibslurmApi links libslurm, CliSlurmApi runs sbatch/squeue/sacct/scancel, tests
// use a fake). Job states are our own enum, so no transport's numbering leaks into the backend.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error/error.hpp"
#include "executors/slurm/job_request.hpp"

namespace colonies::executors::slurm {

using SlurmJobId = std::uint32_t;

// Slurm's base job states (JOB_* in slurm.h, the long names squeue and sacct print).
enum class JobState {
  Pending,
  Running,
  Suspended,
  Completing,  // still cleaning up on the nodes; not an end yet
  Completed,
  Cancelled,
  Failed,
  Timeout,
  NodeFail,
  Preempted,
  BootFail,
  Deadline,
  OutOfMemory,
  Unknown,  // a name we do not know (a newer Slurm): treated as still running, and logged
};

std::string_view to_string(JobState state);
// "COMPLETED", "CANCELLED by 0" (sacct), "OUT_OF_MEMORY", "OOM", "CD" ... -> state; Unknown otherwise.
JobState job_state_from_name(std::string_view name);
// True for states after which the job will not run again.
bool is_terminal(JobState state);

struct JobStatus {
  SlurmJobId job_id = 0;
  JobState state = JobState::Unknown;
  std::string state_name;  // as Slurm printed it, for logs
  std::string reason;      // why pending (Resources, Priority, QOSMaxWallDurationPerJobLimit, ...); "None" or ""
  // The batch script's wait status (WEXITSTATUS / WTERMSIG apply); nullopt when not known.
  std::optional<int> wait_status;
  std::string nodes;    // node list ("vm", "node[01-04]"); "" while pending
  std::string comment;  // the job comment (empty where the transport cannot read it)
  // Job arrays: the array's job id and this record's task. A record of still-pending tasks has no
  // task of its own but lists them in pending_tasks. array_job_id is 0 for a plain job.
  SlurmJobId array_job_id = 0;
  std::optional<std::uint32_t> array_task_id;
  std::vector<std::uint32_t> pending_tasks;
};

// Array task sets as Slurm prints them: "3", "1-5", "1,3,7-9", "0-99%10" (a throttle after '%'),
// or the hex bitmap "0x1F" some paths use. Empty on anything else.
std::vector<std::uint32_t> parse_task_set(std::string_view text);

class SlurmApi {
 public:
  virtual ~SlurmApi() = default;

  // Short name for logs: "libslurm" or "cli".
  virtual std::string_view name() const = 0;

  // Submits one batch job. Blocks for one call to slurmctld. Errors: BadRequest when Slurm refuses
  // the request (its message says why, e.g. an unknown partition), Unavailable when slurmctld
  // cannot be reached, Timeout when a CLI call ran out of time.
  virtual Result<SlurmJobId> submit(const SlurmJobRequest& request) = 0;

  // ONE query for all `ids` (plain job ids and array job ids; an array's answer is one record per
  // started task plus one for its pending tasks). Jobs slurmctld no longer knows (purged after MinJobAge) are simply
  // absent from the answer. Errors: Unavailable / Timeout (slurmctld down or slow).
  virtual Result<std::vector<JobStatus>> query(std::span<const SlurmJobId> ids) = 0;

  // ONE query of the accounting database (sacct) for jobs slurmctld forgot. Unavailable when
  // the cluster has no accounting (the caller then cannot learn those jobs' outcome).
  virtual Result<std::vector<JobStatus>> query_accounting(std::span<const SlurmJobId> ids) = 0;

  // Cancels a job (all its steps). Ok also when it already ended. Errors: Unavailable / Timeout.
  virtual Status kill(SlurmJobId id) = 0;
  // Cancels one task of a job array (<array>_<task>), same contract as kill().
  virtual Status kill_array_task(SlurmJobId array_id, std::uint32_t task) = 0;

  // Every job slurmctld knows whose comment starts with `prefix` (any state), for reattach.
  virtual Result<std::vector<JobStatus>> find_by_comment(std::string_view prefix) = 0;
};

}  // namespace colonies::executors::slurm
