// JobState names and classes (see slurm_api.hpp). Names are what squeue -O State, sacct State and
// scontrol print; the short codes are squeue's %t column.
#include <array>
#include <optional>
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

std::vector<std::uint32_t> parse_task_set(std::string_view text) {
  std::vector<std::uint32_t> tasks;
  if (auto percent = text.find('%'); percent != std::string_view::npos) text = text.substr(0, percent);
  if (text.starts_with("[") && text.ends_with("]")) text = text.substr(1, text.size() - 2);
  auto number = [](std::string_view s, int base) -> std::optional<std::uint64_t> {
    if (s.empty() || s.size() > 16) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;
      if (d >= base) return std::nullopt;
      v = v * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(d);
    }
    return v;
  };
  // Slurm's MaxArraySize is at most 4000001, so no array has a task above 4000000 or more tasks
  // than that: a set claiming so is refused rather than expanded (repeated ranges could otherwise
  // make one line of squeue output cost gigabytes).
  constexpr std::uint64_t kMaxTask = 4'000'000;
  if (text.starts_with("0x") || text.starts_with("0X")) {
    std::string_view hex = text.substr(2);
    for (std::size_t i = 0; i < hex.size(); ++i) {
      auto digit = number(hex.substr(hex.size() - 1 - i, 1), 16);
      if (!digit) return {};
      for (int bit = 0; bit < 4; ++bit) {
        const std::size_t task = i * 4 + static_cast<std::size_t>(bit);
        if (!(*digit & (1u << bit))) continue;
        if (task > kMaxTask) return {};
        tasks.push_back(static_cast<std::uint32_t>(task));
      }
    }
    return tasks;
  }
  while (!text.empty()) {
    auto comma = text.find(',');
    std::string_view part = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    auto dash = part.find('-');
    auto first = number(part.substr(0, dash), 10);
    auto last = dash == std::string_view::npos ? first : number(part.substr(dash + 1), 10);
    if (!first || !last || *last < *first || *last > kMaxTask) return {};
    if (tasks.size() + (*last - *first + 1) > kMaxTask + 1) return {};
    for (auto t = *first; t <= *last; ++t) tasks.push_back(static_cast<std::uint32_t>(t));
  }
  return tasks;
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
