// Terminal Slurm states -> JobResult (see job_outcome.hpp).
#include "executors/slurm/job_outcome.hpp"

#include <sys/wait.h>

#include <fmt/format.h>

namespace colonies::executors::slurm {

namespace {

// "42", or "41_3" for task 3 of array job 41 (how squeue and sacct name it).
std::string label_of(const JobStatus& s) {
  if (s.array_job_id != 0 && s.array_task_id) return fmt::format("{}_{}", s.array_job_id, *s.array_task_id);
  return std::to_string(s.job_id);
}

std::string meaning(const JobStatus& s) {
  const std::string id = label_of(s);
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
    result.summary = fmt::format("Slurm job {} COMPLETED, exit code 0", label_of(status));
    return result;
  }
  if (!cancel_reason.empty()) result.errors.push_back(cancel_reason);
  if (status.state == JobState::Cancelled && cancel_reason.empty()) {
    result.errors.push_back(fmt::format(
        "Slurm job {} was cancelled outside Colonies (scancel by a user or an administrator)", label_of(status)));
  } else {
    result.errors.push_back(meaning(status));
  }
  result.errors.push_back(how);
  for (const auto& line : capture.stderr_tail()) result.errors.push_back(line);
  result.summary = fmt::format("Slurm job {} {}, {}", label_of(status),
                               status.state_name.empty() ? to_string(status.state) : status.state_name, how);
  return result;
}

JobResult unknown_end(const std::string& job, const std::string& why) {
  JobResult result;
  result.errors.push_back(fmt::format("the outcome of Slurm job {} is unknown: {}", job, why));
  result.summary = fmt::format("Slurm job {} outcome unknown", job);
  return result;
}

}  // namespace colonies::executors::slurm
