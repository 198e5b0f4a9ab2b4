// --wait polls the process to its end and turns the outcome into output and an exit code;
// log get --follow polls logs with `since` until the process is final. No real sleeping.
#include <fstream>

#include "tests/support/temp_path.hpp"
#include "tests/unit/cli/cli_harness.hpp"

namespace colonies::cli {
namespace {

// A server whose process runs for a few polls and then ends as told.
class CliWaitTest : public CliHarness {
 protected:
  Result<std::string> handle(const std::string& body) override {
    std::string type = colonies::testing::sent_type(body);
    if (type == "submitfuncspecmsg") return reply(process(model::ProcessState::Waiting));
    if (type == "getprocessmsg") {
      ++polls_;
      auto state = polls_ < 3 ? model::ProcessState::Waiting
                   : polls_ < 5 ? model::ProcessState::Running
                                : final_state_;
      return reply(process(state));
    }
    if (type == "getlogsmsg") {
      auto since = colonies::testing::sent_payload(body).at("since").as_int64();
      sinces_.push_back(since);
      boost::json::array logs;
      if (since < polls_ * 10) {
        model::Log log{"p1", "dev", "e1", "line " + std::to_string(polls_), polls_ * 10};
        logs.push_back(model::to_json(log));
      }
      return reply(logs);
    }
    return reply(boost::json::object{});
  }

  boost::json::object process(model::ProcessState state) {
    model::Process p;
    p.processid = "p1";
    p.state = state;
    if (state == model::ProcessState::Success) p.out = {"result", 7};
    if (state == model::ProcessState::Failed) p.errors = {"exit code 3"};
    return model::to_json(p);
  }
  static std::string reply(const boost::json::value& v) { return protocol::encode_reply("reply", v); }

  int polls_ = 0;
  model::ProcessState final_state_ = model::ProcessState::Success;
  std::vector<std::int64_t> sinces_;
};

TEST_F(CliWaitTest, WaitPrintsTheOutputAndExitsZeroOnSuccess) {
  member_env();
  ASSERT_EQ(run({"function", "exec", "--func", "echo", "--targettype", "cli", "--wait"}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "result\n7\n");
  EXPECT_EQ(polls_, 5);
}

TEST_F(CliWaitTest, WaitExitsOneAndPrintsErrorsOnFailure) {
  member_env();
  final_state_ = model::ProcessState::Failed;
  EXPECT_EQ(run({"function", "exec", "--func", "echo", "--targettype", "cli", "--wait"}), 1);
  EXPECT_NE(err_.str().find("process p1 failed"), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("exit code 3"), std::string::npos);
}

TEST_F(CliWaitTest, WaitExitsOneOnCancel) {
  member_env();
  final_state_ = model::ProcessState::Cancelled;
  EXPECT_EQ(run({"function", "exec", "--func", "echo", "--targettype", "cli", "--wait"}), 1);
  EXPECT_NE(err_.str().find("was cancelled"), std::string::npos) << err_.str();
}

TEST_F(CliWaitTest, PollIntervalGrowsFrom200msTo1s) {
  member_env();
  final_state_ = model::ProcessState::Success;
  polls_ = -10;  // a long wait
  ASSERT_EQ(run({"function", "exec", "--func", "echo", "--targettype", "cli", "--wait"}), 0);
  ASSERT_GE(sleeps_.size(), 5u);
  EXPECT_EQ(sleeps_.front(), std::chrono::milliseconds(200));
  EXPECT_EQ(sleeps_.back(), std::chrono::milliseconds(1000));
  EXPECT_TRUE(std::is_sorted(sleeps_.begin(), sleeps_.end()));
}

TEST_F(CliWaitTest, ProgressGoesToStderrOnlyOnATerminal) {
  member_env();
  ASSERT_EQ(run({"function", "exec", "--func", "echo", "--targettype", "cli", "--wait"}), 0);
  EXPECT_EQ(err_.str().find("waiting…"), std::string::npos);
  polls_ = 0;
  env_.stderr_is_tty = true;
  ASSERT_EQ(run({"function", "exec", "--func", "echo", "--targettype", "cli", "--wait"}), 0);
  EXPECT_NE(err_.str().find("waiting… 0s"), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("running…"), std::string::npos) << err_.str();
}

TEST_F(CliWaitTest, FollowPrintsNewLogsUntilTheProcessEnds) {
  member_env();
  ASSERT_EQ(run({"log", "get", "-p", "p1", "--follow"}), 0) << err_.str();
  EXPECT_NE(out_.str().find("line 1"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("line 5"), std::string::npos) << out_.str();
  // Each request asks only for logs after the newest one printed.
  EXPECT_TRUE(std::is_sorted(sinces_.begin(), sinces_.end()));
  EXPECT_EQ(sinces_.front(), 0);
  EXPECT_EQ(sinces_.back(), 40);
}

TEST_F(CliWaitTest, SubmitReadsTheSpecFileAndFillsTheColony) {
  member_env();
  std::string path = colonies::testing::unique_temp_path("cli_wait_spec.json");
  {
    std::ofstream file(path);
    file << R"({"funcname": "echo", "conditions": {"executortype": "cli"}})";
  }
  ASSERT_EQ(run({"function", "submit", "--spec", path}), 0) << err_.str();
  auto spec = model::function_spec_from_json(payload_of_last().at("spec"));
  EXPECT_EQ(spec->funcname, "echo");
  EXPECT_EQ(spec->conditions.colonyname, "dev");
  std::remove(path.c_str());
}

TEST_F(CliWaitTest, SubmittingAnArrayOfSpecsAsksForTheBriefFormAndPrintsTheIds) {
  member_env();
  std::string path = colonies::testing::unique_temp_path("cli_wait_specs.json");
  {
    std::ofstream file(path);
    file << R"([{"funcname": "a", "conditions": {"executortype": "cli"}},
                {"funcname": "b", "conditions": {"executortype": "cli"}}])";
  }
  script_ok(boost::json::object{
      {"results", boost::json::array{boost::json::object{{"status", 200}, {"processid", "p-a"}},
                                     boost::json::object{{"status", 400}, {"message", "specs[1]: bad"}}}}});
  EXPECT_EQ(run({"function", "submit", "--spec", path}), 1) << "one spec was refused";
  EXPECT_EQ(type_of_last(), "submitfuncspecsmsg");
  EXPECT_EQ(payload_of_last().at("brief"), true);
  EXPECT_EQ(out_.str(), "p-a\n");
  EXPECT_NE(err_.str().find("spec [1] refused: specs[1]: bad"), std::string::npos) << err_.str();
  std::remove(path.c_str());
}

TEST_F(CliWaitTest, ClosingSeveralProcessesSendsOneBriefBatchAndSaysWhichFailed) {
  member_env();
  script_ok(boost::json::object{
      {"results", boost::json::array{boost::json::object{{"status", 200}, {"processid", "p1"}},
                                     boost::json::object{{"status", 403}, {"message", "not yours"}}}}});
  EXPECT_EQ(run({"process", "close", "-p", "p1", "-p", "p2", "--out", "done"}), 1);
  EXPECT_EQ(type_of_last(), "closeprocessesmsg");
  EXPECT_EQ(payload_of_last().at("brief"), true);
  EXPECT_EQ(payload_of_last().at("closes").as_array().size(), 2u);
  EXPECT_EQ(out_.str(), "process p1 closed as successful\n");
  EXPECT_NE(err_.str().find("process p2 not closed: not yours"), std::string::npos) << err_.str();
}

}  // namespace
}  // namespace colonies::cli
