// Slurm translation rules the golden files do not show well: comments, output paths, site checks.
#include "executors/slurm/job_request.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace colonies::executors::slurm
