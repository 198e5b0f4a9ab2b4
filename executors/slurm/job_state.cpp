// JobState names and classes (see slurm_api.hpp). Names are what squeue -O State, sacct State and
// scontrol print; the short codes are squeue's %t column.
#include <array>
#include <utility>

#include "executors/slurm/slurm_api.hpp"

namespace colonies::executors::slurm {

namespace {

struct Name {
  std::string_view long_name;
  std::string_view short_name;
  JobState state;
};

constexpr std::array kNames{
    Name{"PENDING", "PD", JobState::Pending},          Name{"RUNNING", "R", JobState::Running},
    Name{"SUSPENDED", "S", JobState::Suspended},       Name{"COMPLETING", "CG", JobState::Completing},
    Name{"COMPLETED", "CD", JobState::Completed},      Name{"CANCELLED", "CA", JobState::Cancelled},
    Name{"FAILED", "F", JobState::Failed},             Name{"TIMEOUT", "TO", JobState::Timeout},
    Name{"NODE_FAIL", "NF", JobState::NodeFail},       Name{"PREEMPTED", "PR", JobState::Preempted},
    Name{"BOOT_FAIL", "BF", JobState::BootFail},       Name{"DEADLINE", "DL", JobState::Deadline},
    Name{"OUT_OF_MEMORY", "OOM", JobState::OutOfMemory},
    // Transitional states of a job that has not ended (requeue, resize, signalling, staging).
    Name{"CONFIGURING", "CF", JobState::Pending},      Name{"REQUEUED", "RQ", JobState::Pending},
    Name{"REQUEUE_FED", "RF", JobState::Pending},      Name{"REQUEUE_HOLD", "RH", JobState::Pending},
    Name{"RESV_DEL_HOLD", "RD", JobState::Pending},    Name{"RESIZING", "RS", JobState::Running},
    Name{"SIGNALING", "SI", JobState::Running},        Name{"STAGE_OUT", "SO", JobState::Running},
    Name{"STOPPED", "ST", JobState::Suspended},        Name{"SPECIAL_EXIT", "SE", JobState::Pending},
};

}  // namespace

std::string_view to_string(JobState state) {
  for (const auto& n : kNames) {
    if (n.state == state) return n.long_name;
  }
  return "UNKNOWN";
}

JobState job_state_from_name(std::string_view name) {
  // sacct writes "CANCELLED by 1000"; squeue may append flags after a space in some versions.
  if (auto space = name.find(' '); space != std::string_view::npos) name = name.substr(0, space);
  // sacct without -P truncates to "OUT_OF_ME+": we always ask for full names, but accept it.
  if (name.ends_with('+')) name.remove_suffix(1);
  for (const auto& n : kNames) {
    if (n.long_name == name || n.short_name == name) return n.state;
  }
  if (!name.empty() && std::string_view("OUT_OF_MEMORY").starts_with(name) && name.size() >= 6) {
    return JobState::OutOfMemory;
  }
  return JobState::Unknown;
}

bool is_terminal(JobState state) {
  switch (state) {
    case JobState::Completed:
    case JobState::Cancelled:
    case JobState::Failed:
    case JobState::Timeout:
    case JobState::NodeFail:
    case JobState::Preempted:
    case JobState::BootFail:
    case JobState::Deadline:
    case JobState::OutOfMemory:
      return true;
    default:
      return false;
  }
}

}  // namespace colonies::executors::slurm
