// Slurm translation rules the golden files do not show well: comments, output paths, site checks.
#include "executors/slurm/job_request.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace colonies::executors::slurm {
namespace {

SiteConfig site() {
  SiteConfig s;
  s.executor_name = "slurm-a";
  s.workdir = "/scratch/work";
  s.output_dir = "/scratch/out";
  return s;
}

model::Process process(std::string id = "abc123") {
  model::Process p;
  p.processid = std::move(id);
  p.spec.funcname = "hostname";
  p.spec.conditions.colonyname = "lab";
  return p;
}

TEST(SlurmJobRequestTest, CommentCarriesExecutorAndProcessAndReadsBack) {
  auto r = translate(process(), site());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->comment, "colonies:slurm-a:abc123");
  EXPECT_EQ(processid_of_comment(r->comment, "slurm-a"), "abc123");
  EXPECT_EQ(processid_of_comment(r->comment, "slurm-b"), std::nullopt);
  EXPECT_EQ(processid_of_comment("colonies:slurm-a:../x", "slurm-a"), std::nullopt);
  EXPECT_EQ(processid_of_comment("", "slurm-a"), std::nullopt);
}

TEST(SlurmJobRequestTest, OutputPathsNameProcessAndJob) {
  auto r = translate(process(), site());
  ASSERT_TRUE(r);
  EXPECT_EQ(resolve_output_path(r->std_out, 42), "/scratch/out/abc123-42.out");
  EXPECT_EQ(resolve_output_path(r->std_err, 7), "/scratch/out/abc123-7.err");
  EXPECT_EQ(resolve_output_path("/a/%%j-%", 1), "/a/%1-%");
}

TEST(SlurmJobRequestTest, EnvironmentNamesTheJobForPercentX) {
  auto r = translate(process(), site());
  ASSERT_TRUE(r);
  EXPECT_NE(std::find(r->environment.begin(), r->environment.end(), "SLURM_JOB_NAME=hostname"), r->environment.end());
  EXPECT_NE(std::find(r->environment.begin(), r->environment.end(), "COLONIES_PROCESS_ID=abc123"),
            r->environment.end());
}

TEST(SlurmJobRequestTest, RefusesProcessIdsThatCannotNameFiles) {
  auto r = translate(process("../../etc"), site());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "process ID '../../etc' cannot name a job directory");
}

TEST(SlurmJobRequestTest, RefusesExecutorNamesThatBreakTheComment) {
  SiteConfig s = site();
  s.executor_name = "a:b";
  auto r = translate(process(), s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("without ':'"), std::string::npos);
}

TEST(SlurmJobRequestTest, RefusesFileStagingAndNulBytes) {
  auto p = process();
  p.spec.fs = boost::json::object{{"mount", "/cfs"}};
  EXPECT_FALSE(translate(p, site()));
  p = process();
  p.spec.args = {std::string("a\0b", 3)};
  auto r = translate(p, site());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "args[0] contains a NUL byte, which no program can receive");
}

TEST(SlurmJobRequestTest, SingleTaskExecsProgramAndParallelJobsUseSrun) {
  auto single = translate(process(), site());
  ASSERT_TRUE(single);
  EXPECT_NE(single->script.find("\nexec hostname\n"), std::string::npos) << single->script;
  auto p = process();
  p.spec.conditions.processes = 4;
  auto parallel = translate(p, site());
  ASSERT_TRUE(parallel);
  EXPECT_NE(parallel->script.find("\nexec srun hostname\n"), std::string::npos) << parallel->script;
}

// Runs an array script as Slurm would for one task: bash with SLURM_ARRAY_TASK_ID set.
std::string run_task(const std::string& script, int task) {
  const auto file = std::filesystem::temp_directory_path() / ("colonies-array-" + std::to_string(::getpid()) + ".sh");
  {
    std::ofstream f(file);
    f << script;
  }
  std::string command = "SLURM_ARRAY_TASK_ID=" + std::to_string(task) + " /bin/bash " + file.string() + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string out;
  char buffer[256];
  std::size_t n;
  while (pipe && (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  if (pipe) ::pclose(pipe);
  std::filesystem::remove(file);
  return out;
}

// Regression: Slurm refuses comments over 1024 bytes ("Pathname ... too long"); an array of 100
// processes once listed every process ID in its comment.
TEST(SlurmJobArrayTest, CommentOfALargeArrayStaysWithinSlurmsLimit) {
  std::vector<ArrayMember> members;
  for (int i = 0; i < 200; ++i) {
    std::string id = std::string(60, 'a') + std::to_string(1000 + i);
    auto r = translate(process(id), site());
    ASSERT_TRUE(r);
    members.push_back(ArrayMember{id, *r});
  }
  auto array = combine_array(members, site());
  EXPECT_LT(array.comment.size(), 1024u);
  EXPECT_EQ(array.array, "0-199");
}

TEST(SlurmJobArrayTest, CompatibleProcessesShareAKeyAndOthersDoNot) {
  auto a = translate(process("a1"), site());
  auto b = translate(process("b2"), site());
  auto p = process("c3");
  p.spec.conditions.mem = "1Gi";
  auto c = translate(p, site());
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(array_key(*a), array_key(*b));
  EXPECT_NE(array_key(*a), array_key(*c));
}

TEST(SlurmJobArrayTest, EachTaskRunsItsOwnProcessWithItsEnvironmentAndDirectory) {
  const auto base = std::filesystem::temp_directory_path() / ("colonies-array-dirs-" + std::to_string(::getpid()));
  SiteConfig s = site();
  s.workdir = base.string();
  std::vector<ArrayMember> members;
  for (std::string id : {"first", "second"}) {
    auto p = process(id);
    p.spec.funcname = "/bin/sh";
    p.spec.args = {"-c", "echo \"$COLONIES_PROCESS_ID $GREETING $(basename \"$PWD\")\""};
    p.spec.env["GREETING"] = id == "first" ? "it's $(hostname)" : "`id` ; x";
    auto r = translate(p, s);
    ASSERT_TRUE(r) << r.error().message;
    std::filesystem::create_directories(r->work_dir);
    members.push_back(ArrayMember{id, *r});
  }
  auto array = combine_array(members, s);
  EXPECT_EQ(array.array, "0-1");
  EXPECT_EQ(array.comment, "colonies:slurm-a:array:first");
  EXPECT_EQ(array_token_of_comment(array.comment, "slurm-a"), "first");
  EXPECT_EQ(array_token_of_comment(array.comment, "slurm-b"), std::nullopt);
  EXPECT_EQ(array.std_out, "/scratch/out/array-%A_%a.out");
  EXPECT_EQ(run_task(array.script, 0), "first it's $(hostname) first\n");
  EXPECT_EQ(run_task(array.script, 1), "second `id` ; x second\n");
  EXPECT_EQ(run_task(array.script, 7), "colonies: no process for array task 7\n");
  std::filesystem::remove_all(base);
}

}  // namespace
}  // namespace colonies::executors::slurm
