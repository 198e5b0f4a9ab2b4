// Terminal Slurm states -> JobResult (see job_outcome.hpp).
#include "executors/slurm/job_outcome.hpp"

#include <sys/wait.h>

#include <fmt/format.h>

namespace colonies::executors::slurm {

namespace {

std::string meaning(const JobStatus& s) {
  const SlurmJobId id = s.job_id;
  switch (s.state) {
    case JobState::Completed:
      return fmt::format("Slurm job {} completed with a non-zero exit status", id);
    case JobState::Failed:
      return fmt::format("Slurm job {} failed (FAILED)", id);
    case JobState::Timeout:
      return fmt::format("Slurm job {} was stopped at its time limit (TIMEOUT); ask for more with conditions.walltime",
                         id);
    case JobState::OutOfMemory:
      return fmt::format("Slurm job {} ran out of memory (OUT_OF_MEMORY); ask for more with conditions.mem", id);
    case JobState::Cancelled:
      return fmt::format("Slurm job {} was cancelled (CANCELLED)", id);
    case JobState::NodeFail:
      return fmt::format("Slurm job {} ended because its node(s) {} failed (NODE_FAIL)", id,
                         s.nodes.empty() ? "?" : s.nodes);
    case JobState::Preempted:
      return fmt::format("Slurm job {} was preempted by a job of higher priority (PREEMPTED)", id);
    case JobState::BootFail:
      return fmt::format("Slurm job {} could not start: its node(s) failed to boot (BOOT_FAIL)", id);
    case JobState::Deadline:
      return fmt::format("Slurm job {} was not run before its deadline (DEADLINE)", id);
    default:
      return fmt::format("Slurm job {} ended in state {}", id, s.state_name.empty() ? to_string(s.state) : s.state_name);
  }
}

}  // namespace

std::string describe_wait_status(const std::optional<int>& wait_status) {
  if (!wait_status) return "exit status unknown";
  const int status = *wait_status;
  if (WIFSIGNALED(status)) return fmt::format("killed by signal {}", WTERMSIG(status));
  return fmt::format("exit code {}", WEXITSTATUS(status));
}

JobResult describe_end(const JobStatus& status, const std::string& cancel_reason, const OutputCapture& capture) {
  JobResult result;
  const std::string how = describe_wait_status(status.wait_status);
  const bool exited_zero = status.wait_status && *status.wait_status == 0;
  if (status.state == JobState::Completed && exited_zero && cancel_reason.empty()) {
    result.success = true;
    result.out = capture.out();
    result.summary = fmt::format("Slurm job {} COMPLETED, exit code 0", status.job_id);
    return result;
  }
  if (!cancel_reason.empty()) result.errors.push_back(cancel_reason);
  if (status.state == JobState::Cancelled && cancel_reason.empty()) {
    result.errors.push_back(fmt::format(
        "Slurm job {} was cancelled outside Colonies (scancel by a user or an administrator)", status.job_id));
  } else {
    result.errors.push_back(meaning(status));
  }
  result.errors.push_back(how);
  for (const auto& line : capture.stderr_tail()) result.errors.push_back(line);
  result.summary = fmt::format("Slurm job {} {}, {}", status.job_id,
                               status.state_name.empty() ? to_string(status.state) : status.state_name, how);
  return result;
}

JobResult unknown_end(SlurmJobId job_id, const std::string& why) {
  JobResult result;
  result.errors.push_back(fmt::format("the outcome of Slurm job {} is unknown: {}", job_id, why));
  result.summary = fmt::format("Slurm job {} outcome unknown", job_id);
  return result;
}

}  // namespace colonies::executors::slurm
