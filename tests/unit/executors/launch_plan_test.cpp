// The local backend's launch rules as data: argv from args, environment precedence, time limit.
#include "executors/local/launch_plan.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace colonies::executors::local {
namespace {

model::Process process_running(std::string funcname, boost::json::array args = {}) {
  model::Process p;
  p.processid = "abc123";
  p.spec.funcname = std::move(funcname);
  p.spec.args = std::move(args);
  p.spec.conditions.colonyname = "lab";
  return p;
}

bool has(const std::vector<std::string>& v, const std::string& entry) {
  return std::find(v.begin(), v.end(), entry) != v.end();
}

TEST(LaunchPlanTest, FuncnameIsTheProgramAndArgsAreItsArgv) {
  auto plan = plan_launch(process_running("python3", {"-c", "print(1)"}), {});
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->program, "python3");
  EXPECT_EQ(plan->argv, (std::vector<std::string>{"python3", "-c", "print(1)"}));
}

TEST(LaunchPlanTest, NonStringArgsBecomeTheirJsonText) {
  boost::json::array args{42, 1.5, 2.0, true, nullptr, boost::json::object{{"a", 1}}, boost::json::array{1, "x"}};
  auto plan = plan_launch(process_running("echo", args), {});
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->argv, (std::vector<std::string>{"echo", "42", "1.5", "2", "true", "null", "{\"a\":1}", "[1,\"x\"]"}));
}

TEST(LaunchPlanTest, RejectsNulBytesInArgs) {
  auto plan = plan_launch(process_running("echo", {std::string("a\0b", 3)}), {});
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().message, "args[0] contains a NUL byte, which no program can receive");
}

TEST(LaunchPlanTest, EnvironmentIsExecutorsMinusSecretsThenSpecThenRuntime) {
  model::Process p = process_running("env");
  p.spec.env = {{"HOME", "/spec-home"}, {"DATA", "1"}, {"COLONIES_PROCESS_ID", "forged"}};
  LaunchContext context{{"PATH=/usr/bin", "HOME=/home/exec", "COLONIES_EXECUTOR_PRVKEY=secret",
                         "COLONIES_COLONY_PRVKEY=secret2", "COLONIES_PRVKEY=secret3"}};
  auto plan = plan_launch(p, context);
  ASSERT_TRUE(plan);
  EXPECT_TRUE(has(plan->env, "PATH=/usr/bin"));
  EXPECT_TRUE(has(plan->env, "HOME=/spec-home"));
  EXPECT_TRUE(has(plan->env, "DATA=1"));
  EXPECT_TRUE(has(plan->env, "COLONIES_PROCESS_ID=abc123"));
  EXPECT_TRUE(has(plan->env, "COLONIES_COLONY_NAME=lab"));
  for (const auto& e : plan->env) EXPECT_EQ(e.find("secret"), std::string::npos) << e;
}

TEST(LaunchPlanTest, RejectsEnvNamesWithEquals) {
  model::Process p = process_running("env");
  p.spec.env = {{"A=B", "1"}};
  auto plan = plan_launch(p, {});
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().code, ErrorCode::BadRequest);
}

TEST(LaunchPlanTest, TimeLimitIsTheSmallerOfMaxexectimeAndWalltime) {
  model::Process p = process_running("sleep");
  EXPECT_EQ(plan_launch(p, {})->time_limit_s, 0);
  p.spec.maxexectime = 60;
  EXPECT_EQ(plan_launch(p, {})->time_limit_s, 60);
  EXPECT_EQ(plan_launch(p, {})->time_limit_name, "maxexectime");
  p.spec.conditions.walltime = 30;
  EXPECT_EQ(plan_launch(p, {})->time_limit_s, 30);
  EXPECT_EQ(plan_launch(p, {})->time_limit_name, "walltime");
  p.spec.maxexectime = -1;
  p.spec.conditions.walltime = 90;
  EXPECT_EQ(plan_launch(p, {})->time_limit_s, 90);
}

TEST(LaunchPlanTest, RefusesMoreThanOneNodeNamingTheSlurmExecutor) {
  model::Process p = process_running("solver");
  p.spec.conditions.nodes = 2;
  auto plan = plan_launch(p, {});
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().message,
            "conditions.nodes is 2, but this local executor runs processes on one host only; submit multi-node jobs "
            "to a Slurm executor (set conditions.executortype to its type)");
}

TEST(LaunchPlanTest, MpiSpecsGetThePlanTheMpiLauncherWraps) {
  model::Process p = process_running("solver", {"-n", 3});
  p.spec.conditions.processes = 4;
  p.spec.env = {{"OMP_NUM_THREADS", "2"}};
  auto plan = plan_launch(p, {});
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->argv, (std::vector<std::string>{"solver", "-n", "3"}));
  EXPECT_EQ(plan->exported, (std::vector<std::string>{"COLONIES_COLONY_NAME", "COLONIES_PROCESS_ID", "OMP_NUM_THREADS"}));
}

TEST(LaunchPlanTest, RejectsAnEmptyFuncname) {
  auto plan = plan_launch(process_running(""), {});
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().message, "funcname is empty: it names the program to run");
}

}  // namespace
}  // namespace colonies::executors::local
