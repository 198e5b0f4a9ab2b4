// The CLI transport's pure parts (sbatch argv, squeue/sacct parsers), the command runner it uses
// (argv, stdin, time limit) and the libslurm version guard.
#include "executors/slurm/cli_api.hpp"

#include <gtest/gtest.h>

#include "executors/slurm/command.hpp"
#include "executors/slurm/libslurm_api.hpp"

namespace colonies::executors::slurm {
namespace {

using namespace std::chrono_literals;

TEST(SlurmCliTest, SbatchArgumentsCarryEveryFieldAsOneArgvEntry) {
  SlurmJobRequest r;
  r.name = "solver";
  r.comment = "colonies:a:p1";
  r.nodes = 2;
  r.ntasks = 8;
  r.ntasks_per_node = 4;
  r.cpus_per_task = 3;
  r.mem_per_node_mb = 2048;
  r.tmp_per_node_mb = 10;
  r.gres_per_node = "gpu:a100:2";
  r.time_limit_min = 61;
  r.partition = "compute";
  r.account = "proj 42";
  r.qos = "normal";
  r.constraints = "haswell&ib";
  r.work_dir = "/scratch/w";
  r.std_out = "/scratch/o/p1-%j.out";
  r.std_err = "/scratch/o/p1-%j.err";
  EXPECT_EQ(sbatch_arguments(r),
            (std::vector<std::string>{"--parsable", "--export=ALL", "--job-name=solver", "--comment=colonies:a:p1",
                                      "--nodes=2", "--ntasks=8", "--ntasks-per-node=4", "--cpus-per-task=3",
                                      "--mem=2048M", "--tmp=10M", "--gres=gpu:a100:2", "--time=61",
                                      "--partition=compute", "--account=proj 42", "--qos=normal",
                                      "--constraint=haswell&ib", "--chdir=/scratch/w", "--output=/scratch/o/p1-%j.out",
                                      "--error=/scratch/o/p1-%j.err"}));
}

TEST(SlurmCliTest, ParsesSqueueLinesAsPrintedBySlurm2205) {
  auto jobs = parse_squeue(
      "1|1|N/A|FAILED|NonZeroExitCode|1792|vm|colonies:x:abc\n"
      "2|2|N/A|CANCELLED|None|15|vm|colonies:a:p|with|bars\n"
      "3|3|N/A|PENDING|Resources|0||colonies:a:q\n"
      "4+1|4|N/A|RUNNING|None|0|vm|heterogeneous\n"
      "garbage\n");
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0].array_job_id, 0u);
  EXPECT_EQ(jobs[0].state, JobState::Failed);
  EXPECT_EQ(jobs[0].wait_status, 7 << 8);
  EXPECT_EQ(jobs[1].comment, "colonies:a:p|with|bars");
  EXPECT_EQ(jobs[1].state, JobState::Cancelled);
  EXPECT_EQ(jobs[2].reason, "Resources");
  EXPECT_EQ(jobs[2].nodes, "");
}

// Found by the slurm fuzzer: an exit_code above INT_MAX became a negative wait status.
TEST(SlurmCliTest, SqueueExitCodeThatIsNoWaitStatusIsUnknown) {
  auto jobs = parse_squeue("1|1|N/A|FAILED|None|3583048484|vm|c\n2|2|N/A|FAILED|None|65536|vm|c\n"
                           "3|3|N/A|FAILED|None|65535|vm|c\n");
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_FALSE(jobs[0].wait_status);
  EXPECT_FALSE(jobs[1].wait_status);
  EXPECT_EQ(jobs[2].wait_status, 0xffff);
}

TEST(SlurmCliTest, ParsesSqueueArrayRecords) {
  auto jobs = parse_squeue(
      "1|1|3-4|PENDING|Resources|0||colonies:x:array:a,b\n"
      "4|1|2|RUNNING|None|0|vm|colonies:x:array:a,b\n");
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].array_job_id, 1u);
  EXPECT_FALSE(jobs[0].array_task_id);
  EXPECT_EQ(jobs[0].pending_tasks, (std::vector<std::uint32_t>{3, 4}));
  EXPECT_EQ(jobs[1].job_id, 4u);
  EXPECT_EQ(jobs[1].array_task_id, 2u);
}

TEST(SlurmCliTest, ParsesTaskSetsInEveryNotation) {
  EXPECT_EQ(parse_task_set("3"), (std::vector<std::uint32_t>{3}));
  EXPECT_EQ(parse_task_set("1,3,7-9"), (std::vector<std::uint32_t>{1, 3, 7, 8, 9}));
  EXPECT_EQ(parse_task_set("[0-2]%1"), (std::vector<std::uint32_t>{0, 1, 2}));
  EXPECT_EQ(parse_task_set("0x13"), (std::vector<std::uint32_t>{0, 1, 4}));
  EXPECT_TRUE(parse_task_set("5-2").empty());
  EXPECT_TRUE(parse_task_set("x").empty());
}

// Seen in the slurm fuzz target's memory use: repeated ranges expanded without bound.
TEST(SlurmCliTest, RefusesTaskSetsLargerThanAnyJobArray) {
  EXPECT_EQ(parse_task_set("0-3999999%10").size(), 4'000'000u);
  EXPECT_EQ(parse_task_set("0-4000000").size(), 4'000'001u);
  EXPECT_TRUE(parse_task_set("0-4000000,0").empty());
  EXPECT_TRUE(parse_task_set("0-3999999,0-3999999").empty());
  const std::string zeros(1'000'000, '0');  // bit 0 of the top digit is task 4000000
  EXPECT_EQ(parse_task_set("0x1" + zeros), (std::vector<std::uint32_t>{4'000'000}));
  EXPECT_TRUE(parse_task_set("0x2" + zeros).empty());
}

TEST(SlurmCliTest, ParsesSacctExitCodesIntoWaitStatuses) {
  auto jobs = parse_sacct("22|22|COMPLETED|0:0|vm|None\n23|23|FAILED|7:0|vm|None\n24|24|CANCELLED by 0|0:15|vm|None\n"
                          "25|25|OUT_OF_MEMORY|0:125|None assigned|None\n27|26_1|COMPLETED|0:0|vm|None\n");
  ASSERT_EQ(jobs.size(), 5u);
  EXPECT_EQ(jobs[4].array_job_id, 26u);
  EXPECT_EQ(jobs[4].array_task_id, 1u);
  EXPECT_EQ(jobs[0].wait_status, 0);
  EXPECT_EQ(jobs[1].wait_status, 7 << 8);
  EXPECT_EQ(jobs[2].state, JobState::Cancelled);
  EXPECT_EQ(jobs[2].wait_status, 15);
  EXPECT_EQ(jobs[3].state, JobState::OutOfMemory);
  EXPECT_EQ(jobs[3].nodes, "");
}

TEST(SlurmCommandTest, RunsArgvWithoutAShellAndFeedsStdin) {
  auto sh = find_executable("sh", "/usr/bin:/bin");
  ASSERT_TRUE(sh);
  auto r = run_command({*sh, "-c", "cat; echo \"[$1]\" >&2; exit 3", "sh", "$(not run)"}, {"A=1"}, "from stdin", 10s);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "from stdin");
  EXPECT_EQ(r->err, "[$(not run)]\n");
}

TEST(SlurmCommandTest, KillsACallThatOutlivesItsTimeLimit) {
  auto sleep = find_executable("sleep", "/usr/bin:/bin");
  ASSERT_TRUE(sleep);
  auto r = run_command({*sleep, "30"}, {}, "", 200ms);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Timeout);
}

TEST(SlurmCommandTest, MissingToolsAreNamed) {
  auto r = find_executable("sbatch-that-does-not-exist", "/usr/bin:/bin");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::NotFound);
  EXPECT_NE(r.error().message.find("sbatch-that-does-not-exist not found"), std::string::npos);
}

TEST(SlurmLibraryVersionTest, TheBuildsOwnLibraryPasses) {
  EXPECT_TRUE(check_libslurm_version(loaded_libslurm_version()));
}

TEST(SlurmLibraryVersionTest, AnotherReleaseIsRefusedWithAdvice) {
  // 23.02 ships API 39 (slurm_api_version() packs current, revision, age).
  auto checked = check_libslurm_version((39L << 16) | (0L << 8) | 0L);
  ASSERT_FALSE(checked);
  EXPECT_NE(checked.error().message.find("rebuild colonies-slurm-executor"), std::string::npos);
  EXPECT_NE(checked.error().message.find("--transport cli"), std::string::npos);
}

}  // namespace
}  // namespace colonies::executors::slurm
