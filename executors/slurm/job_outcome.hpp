// How a Slurm job's end becomes a process result: terminal states and wait statuses mapped to
// success or to errors a user can act on. Pure (no I/O), unit-tested state by state.
#pragma once

#include <string>

#include "executors/common/backend.hpp"
#include "executors/common/job_output.hpp"
#include "executors/slurm/slurm_api.hpp"

namespace colonies::executors::slurm {

// "exit code 7", "killed by signal 9", or "exit status unknown".
std::string describe_wait_status(const std::optional<int>& wait_status);

// The JobResult for a job in a terminal state. Only COMPLETED with exit code 0 (and no cancel of
// ours) is a success, with out from `capture`. Otherwise errors are, in order: `cancel_reason` if
// we cancelled it, one line naming the Slurm state and what it means, the exit status, then the
// last stderr lines. Precondition: is_terminal(status.state).
JobResult describe_end(const JobStatus& status, const std::string& cancel_reason, const OutputCapture& capture);

// The result for a job whose end nobody can tell any more (purged from slurmctld, no accounting).
JobResult unknown_end(const std::string& job, const std::string& why);

}  // namespace colonies::executors::slurm
