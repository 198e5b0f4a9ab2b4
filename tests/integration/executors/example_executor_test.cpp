// The SDK example executor of docs/writing-an-executor.md (docs/examples/executor/text_executor.cpp),
// built and run as a user would run it against a real coloniesd: it registers itself with the
// colony owner's key, runs its two functions, fails an unknown one with a reason, and stops on
// SIGTERM. Keeps the guide's code honest.
#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <thread>

#include "tests/integration/executors/colony_test.hpp"

namespace colonies::executors {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

class ExampleExecutorTest : public it::ColonyTest {
 protected:
  model::Process submit(const std::string& func, json::array args) {
    model::FunctionSpec spec;
    spec.funcname = func;
    spec.args = std::move(args);
    spec.conditions.colonyname = kColony;
    spec.conditions.executortype = "text";
    auto p = user_->submit(spec);
    EXPECT_TRUE(p) << p.error().message;
    return p.value_or(model::Process{});
  }
};

TEST_F(ExampleExecutorTest, RunsItsFunctionsAndFailsUnknownOnesWithAReason) {
  const std::string key = it::sodium().generate_private_key();
  pid_t pid = it::spawn({TEXT_EXECUTOR_PATH, "127.0.0.1", std::to_string(server_->port()), kColony, "text-1", "text"},
                        {"COLONIES_PRVKEY=" + key, "COLONIES_COLONY_PRVKEY=" + colony_key_});
  ASSERT_GT(pid, 0);

  auto upper = submit("upper", {"hello", "hpc"});
  auto count = submit("count", {"ab", "cde"});
  auto unknown = submit("frobnicate", {});

  auto done = wait_final(upper.processid);
  EXPECT_EQ(done.state, model::ProcessState::Success);
  EXPECT_EQ(done.out, (json::array{"HELLO", "HPC"}));
  EXPECT_EQ(done.assignedexecutorid, it::id_of(key));
  EXPECT_NE(logs_of(upper.processid).find("running upper"), std::string::npos);

  done = wait_final(count.processid);
  EXPECT_EQ(done.state, model::ProcessState::Success);
  EXPECT_EQ(done.out, (json::array{2, 5}));

  done = wait_final(unknown.processid);
  EXPECT_EQ(done.state, model::ProcessState::Failed);
  ASSERT_EQ(done.errors.size(), 1u);
  EXPECT_EQ(done.errors[0], "unknown function 'frobnicate'");

  // SIGTERM ends it within one long-poll (10 s) with status 0.
  ::kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST_F(ExampleExecutorTest, WithoutAKeyItSaysHowToRunIt) {
  pid_t pid = it::spawn({TEXT_EXECUTOR_PATH, "127.0.0.1"}, {}, "/dev/null");
  ASSERT_GT(pid, 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
}

}  // namespace
}  // namespace colonies::executors
