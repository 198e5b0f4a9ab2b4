// libFuzzer target for what the Slurm executor reads from Slurm's tools (executors/slurm):
// parse_squeue, parse_sacct, parse_sbatch, parse_task_set and job_state_from_name over the same
// text, and describe_end on every terminal record, as the backend turns them into results. Beyond
// "no crash, no UB, no hang, bounded memory", it checks that a record's state is its name's, that
// fields come out trimmed and on one line, that only COMPLETED with exit 0 is a success, that a
// parsed plain squeue record printed back in squeue's format parses to itself, and that a job id
// sbatch accepted is what its output starts with.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "executors/slurm/cli_api.hpp"
#include "executors/slurm/job_outcome.hpp"

namespace {

namespace slurm = colonies::executors::slurm;
using slurm::JobState;
using slurm::JobStatus;

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "slurm fuzzer: %s\n", what);
  std::abort();
}

bool clean(std::string_view field) {
  if (field.find('\n') != std::string_view::npos) return false;
  if (field.empty()) return true;
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  return !blank(field.front()) && !blank(field.back());
}

void check_record(const JobStatus& s) {
  require(s.state == slurm::job_state_from_name(s.state_name), "a record's state is not its name's");
  require(clean(s.state_name) && clean(s.reason) && clean(s.nodes) && clean(s.comment),
          "a field is not trimmed or spans lines");
  require(!(s.array_task_id && !s.pending_tasks.empty()), "a record with both a task and pending tasks");
  if (!slurm::is_terminal(s.state)) return;
  colonies::executors::OutputCapture capture;
  capture.add(false, "out");
  capture.add(true, "err");
  const auto result = slurm::describe_end(s, "", capture);
  const bool should_succeed = s.state == JobState::Completed && s.wait_status && *s.wait_status == 0;
  require(result.success == should_succeed, "success is not exactly COMPLETED with exit code 0");
  require(result.success || !result.errors.empty(), "a failure without errors");
  require(!result.summary.empty(), "a result without a summary");
  const auto cancelled = slurm::describe_end(s, "cancelled by the user", capture);
  require(!cancelled.success && !cancelled.errors.empty() && cancelled.errors.front() == "cancelled by the user",
          "our own cancel is not the first error");
}

// A plain job printed the way squeue -O prints it (kSqueueFormat in cli_api.cpp) parses back.
void check_squeue_round_trip(const JobStatus& s) {
  if (s.array_job_id != 0 || s.array_task_id || !s.pending_tasks.empty()) return;
  if (s.comment == "(null)" || s.nodes == "(null)") return;
  const std::string code = s.wait_status ? std::to_string(*s.wait_status) : "";
  const std::string line = fmt::format("{}|{}|N/A|{}|{}|{}|{}|{}\n", s.job_id, s.job_id, s.state_name, s.reason,
                                       code, s.nodes, s.comment);
  const auto again = slurm::parse_squeue(line);
  require(again.size() == 1, "a printed plain record does not parse to one record");
  const JobStatus& t = again.front();
  require(t.job_id == s.job_id && t.state == s.state && t.state_name == s.state_name && t.reason == s.reason &&
              t.wait_status == s.wait_status && t.nodes == s.nodes && t.comment == s.comment &&
              t.array_job_id == 0 && !t.array_task_id && t.pending_tasks.empty(),
          "a printed plain record parses to another record");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 16384) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);

  for (const auto& s : slurm::parse_squeue(text)) {
    check_record(s);
    require(s.comment != "(null)" && s.nodes != "(null)", "squeue's (null) kept as a value");
    require(!s.wait_status || (*s.wait_status >= 0 && *s.wait_status <= 0xffff), "a wait status out of range");
    check_squeue_round_trip(s);
  }
  for (const auto& s : slurm::parse_sacct(text)) {
    check_record(s);
    require(!s.wait_status || (*s.wait_status >= 0 && *s.wait_status <= 0xffff), "a wait status out of range");
  }
  if (auto id = slurm::parse_sbatch(text)) {
    std::string_view t = text;
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t' || t.front() == '\r')) t.remove_prefix(1);
    require(t.starts_with(std::to_string(*id)) || t.starts_with("0"), "sbatch's job id is not what its output starts with");
  } else {
    require(!id.error().message.empty(), "refusal without a message");
  }
  const auto tasks = slurm::parse_task_set(text);
  require(tasks.size() <= 4'000'001, "a task set larger than any job array");
  for (auto t : tasks) require(t <= 4'000'000, "a task above any job array's");
  const auto state = slurm::job_state_from_name(text);
  require(slurm::to_string(state).size() > 0, "a state without a name");
  return 0;
}
