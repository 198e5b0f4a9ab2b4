// Terminal Slurm states mapped to process results, one state at a time.
#include "executors/slurm/job_outcome.hpp"

#include <gtest/gtest.h>

namespace colonies::executors::slurm {
namespace {

JobStatus ended(JobState state, std::optional<int> wait_status) {
  JobStatus s;
  s.job_id = 12;
  s.state = state;
  s.state_name = std::string(to_string(state));
  s.wait_status = wait_status;
  s.nodes = "node[01-02]";
  return s;
}

OutputCapture capture_with(std::vector<std::string> out, std::vector<std::string> err) {
  OutputCapture c;
  for (const auto& l : out) c.add(false, l);
  for (const auto& l : err) c.add(true, l);
  return c;
}

TEST(SlurmJobOutcomeTest, CompletedWithExitZeroSucceedsWithStdoutAsOut) {
  auto r = describe_end(ended(JobState::Completed, 0), "", capture_with({"a", "b"}, {}));
  EXPECT_TRUE(r.success);
  ASSERT_EQ(r.out.size(), 2u);
  EXPECT_EQ(r.out[1].as_string(), "b");
  EXPECT_TRUE(r.close);
}

TEST(SlurmJobOutcomeTest, FailedReportsExitCodeAndStderrTail) {
  auto r = describe_end(ended(JobState::Failed, 7 << 8), "", capture_with({}, {"boom"}));
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.errors, (std::vector<std::string>{"Slurm job 12 failed (FAILED)", "exit code 7", "boom"}));
}

TEST(SlurmJobOutcomeTest, EveryTerminalStateHasItsOwnExplanation) {
  const std::pair<JobState, std::string> cases[] = {
      {JobState::Timeout, "Slurm job 12 was stopped at its time limit (TIMEOUT); ask for more with conditions.walltime"},
      {JobState::OutOfMemory, "Slurm job 12 ran out of memory (OUT_OF_MEMORY); ask for more with conditions.mem"},
      {JobState::NodeFail, "Slurm job 12 ended because its node(s) node[01-02] failed (NODE_FAIL)"},
      {JobState::Preempted, "Slurm job 12 was preempted by a job of higher priority (PREEMPTED)"},
      {JobState::BootFail, "Slurm job 12 could not start: its node(s) failed to boot (BOOT_FAIL)"},
      {JobState::Deadline, "Slurm job 12 was not run before its deadline (DEADLINE)"},
      {JobState::Cancelled, "Slurm job 12 was cancelled outside Colonies (scancel by a user or an administrator)"},
  };
  for (const auto& [state, text] : cases) {
    auto r = describe_end(ended(state, 9), "", {});
    EXPECT_FALSE(r.success) << to_string(state);
    ASSERT_GE(r.errors.size(), 2u);
    EXPECT_EQ(r.errors[0], text);
    EXPECT_EQ(r.errors[1], "killed by signal 9");
  }
}

TEST(SlurmJobOutcomeTest, OurCancelReasonComesFirstAndIsNeverSuccess) {
  auto r = describe_end(ended(JobState::Cancelled, 15), "process cancelled", {});
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.errors[0], "process cancelled");
  EXPECT_EQ(r.errors[1], "Slurm job 12 was cancelled (CANCELLED)");
  // A job that finished just before our scancel arrived still counts as cancelled.
  auto late = describe_end(ended(JobState::Completed, 0), "process cancelled", {});
  EXPECT_FALSE(late.success);
}

TEST(SlurmJobOutcomeTest, CompletedWithoutAKnownExitStatusIsNotASuccess) {
  auto r = describe_end(ended(JobState::Completed, std::nullopt), "", {});
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.errors.back(), "exit status unknown");
}

TEST(SlurmJobOutcomeTest, UnknownOutcomeFailsSayingSo) {
  auto r = unknown_end("5", "no accounting");
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.errors[0], "the outcome of Slurm job 5 is unknown: no accounting");
}

TEST(SlurmJobStateTest, NamesFromSqueueAndSacctParse) {
  EXPECT_EQ(job_state_from_name("COMPLETED"), JobState::Completed);
  EXPECT_EQ(job_state_from_name("CANCELLED by 0"), JobState::Cancelled);
  EXPECT_EQ(job_state_from_name("OUT_OF_MEMORY"), JobState::OutOfMemory);
  EXPECT_EQ(job_state_from_name("OUT_OF_ME+"), JobState::OutOfMemory);
  EXPECT_EQ(job_state_from_name("PD"), JobState::Pending);
  EXPECT_EQ(job_state_from_name("REQUEUED"), JobState::Pending);
  EXPECT_EQ(job_state_from_name("NEW_STATE"), JobState::Unknown);
  EXPECT_TRUE(is_terminal(JobState::Deadline));
  EXPECT_FALSE(is_terminal(JobState::Completing));
  EXPECT_FALSE(is_terminal(JobState::Unknown));
}

}  // namespace
}  // namespace colonies::executors::slurm
