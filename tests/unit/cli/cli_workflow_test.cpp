// `colonies workflow`: submit reads a WorkflowSpec file (filling the colony), --wait polls the
// graph showing "nodes done / total" and exits by the final state; get/ls render the graph.
// Against a fake server; no real sleeping.
#include <fstream>

#include "tests/support/temp_path.hpp"
#include "tests/unit/cli/cli_harness.hpp"

namespace colonies::cli {
namespace {

class CliWorkflowTest : public CliHarness {
 protected:
  Result<std::string> handle(const std::string& body) override {
    std::string type = colonies::testing::sent_type(body);
    if (type == "submitworkflowspecmsg") return reply(model::to_json(graph(0)));
    if (type == "getprocessgraphmsg") return reply(model::to_json(graph(++polls_)));
    if (type == "getprocessgraphsmsg") return reply(boost::json::array{model::to_json(graph(4))});
    if (type == "getprocessmsg") {
      // n1 failed by itself, n2 because of it; the others succeeded.
      model::Process p;
      p.processid = std::string(colonies::testing::sent_payload(body).at("processid").as_string());
      p.spec.nodename = "node-" + p.processid;
      p.state = model::ProcessState::Success;
      if (p.processid == "n1") {
        p.state = model::ProcessState::Failed;
        p.errors = {"exit code 3"};
      } else if (p.processid == "n2") {
        p.state = model::ProcessState::Failed;
        p.errors = {"parent 'node-n1' (process n1) failed"};
      }
      return reply(model::to_json(p));
    }
    return reply(boost::json::object{});
  }

  // The graph after `poll` polls: one more node done per poll, final at the fourth.
  model::ProcessGraph graph(int poll) {
    model::ProcessGraph g;
    g.processgraphid = "g1";
    g.colonyname = "dev";
    g.initiatorname = "user";
    g.processids = {"n1", "n2", "n3", "n4"};
    const int done = std::min(poll, 4);
    g.progress = {.total = 4, .waiting = 4 - done - (done < 4 ? 1 : 0), .running = done < 4 ? 1 : 0,
                  .successful = done, .failed = 0, .cancelled = 0};
    if (poll >= 4 && final_state_ == model::ProcessState::Failed) {
      g.progress.successful = 3;
      g.progress.failed = 1;
    }
    g.state = poll >= 4 ? final_state_ : poll == 0 ? model::ProcessState::Waiting : model::ProcessState::Running;
    return g;
  }
  static std::string reply(const boost::json::value& v) { return protocol::encode_reply("reply", v); }

  std::string write_spec(const std::string& text) {
    std::string path = colonies::testing::unique_temp_path("cli_workflow_spec.json");
    std::ofstream(path) << text;
    return path;
  }

  int polls_ = 0;
  model::ProcessState final_state_ = model::ProcessState::Success;
};

constexpr const char* kSpec = R"({"functionspecs": [
  {"nodename": "a", "funcname": "f", "conditions": {"executortype": "t"}},
  {"nodename": "b", "funcname": "f", "conditions": {"executortype": "t", "dependencies": ["a"]}}]})";

TEST_F(CliWorkflowTest, SubmitReadsTheSpecFileFillsTheColonyAndPrintsTheGraphId) {
  member_env();
  ASSERT_EQ(run({"workflow", "submit", "--spec", write_spec(kSpec)}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "g1\n");
  auto spec = model::workflow_spec_from_json(payload_of_last().at("spec"));
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->colonyname, "dev");
  ASSERT_EQ(spec->functionspecs.size(), 2u);
  EXPECT_EQ(spec->functionspecs[1].conditions.dependencies, (std::vector<std::string>{"a"}));
}

TEST_F(CliWorkflowTest, WaitShowsNodesDoneAndExitsZeroOnSuccess) {
  member_env();
  ASSERT_EQ(run({"workflow", "submit", "--spec", write_spec(kSpec), "--wait"}), 0) << err_.str();
  EXPECT_EQ(polls_, 4);
  EXPECT_NE(err_.str().find("1/4 nodes done"), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("3/4 nodes done"), std::string::npos) << err_.str();
  EXPECT_NE(out_.str().find("workflow g1 SUCCESS"), std::string::npos) << out_.str();
}

TEST_F(CliWorkflowTest, WaitExitsOneWhenTheWorkflowFailed) {
  member_env();
  final_state_ = model::ProcessState::Failed;
  EXPECT_EQ(run({"workflow", "submit", "--spec", write_spec(kSpec), "--wait"}), 1);
  EXPECT_NE(err_.str().find("workflow g1 FAILED"), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("node 'node-n1' (process n1) failed:\n    exit code 3"), std::string::npos) << err_.str();
  EXPECT_EQ(err_.str().find("node-n2"), std::string::npos) << "failed only because of n1: " << err_.str();
}

TEST_F(CliWorkflowTest, SpecFileWithoutFunctionSpecsIsAUsageError) {
  member_env();
  EXPECT_EQ(run({"workflow", "submit", "--spec", write_spec(R"({"funcname": "f"})")}), 2);
  EXPECT_NE(err_.str().find("functionspecs"), std::string::npos) << err_.str();
}

TEST_F(CliWorkflowTest, LsAndGetRenderTheGraph) {
  member_env();
  ASSERT_EQ(run({"workflow", "ls"}), 0) << err_.str();
  EXPECT_NE(out_.str().find("g1"), std::string::npos);
  EXPECT_NE(out_.str().find("4/4"), std::string::npos) << out_.str();
  ASSERT_EQ(run({"workflow", "get", "--workflowid", "g1", "--json"}), 0) << err_.str();
  auto printed = boost::json::parse(out_.str());
  EXPECT_EQ(printed.at("processgraphid").as_string(), "g1");
  EXPECT_EQ(run({"workflow", "ls", "--state", "bogus"}), 2);
}

}  // namespace
}  // namespace colonies::cli
