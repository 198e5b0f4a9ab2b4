// Workflows end to end over loopback: a diamond submitted through the SDK to the real coloniesd
// (SQLite store) and run by a simulated executor thread; the sink's input is its parents'
// outputs in dependency order. Also a half-done workflow across a server restart.
#include <atomic>
#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "tests/integration/server/colony_setup.hpp"
#include "tests/integration/server/server_process.hpp"

namespace colonies::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

model::FunctionSpec node(const std::string& colony, const std::string& name, std::vector<std::string> deps) {
  auto spec = make_spec(colony, "sim", "fn-" + name);
  spec.nodename = name;
  spec.conditions.dependencies = std::move(deps);
  return spec;
}

// a -> b, a -> c, (c, b) -> d: d lists c first.
model::WorkflowSpec diamond(const std::string& colony) {
  return model::WorkflowSpec{colony,
                             {node(colony, "a", {}), node(colony, "b", {"a"}), node(colony, "c", {"a"}),
                              node(colony, "d", {"c", "b"})}};
}

class WorkflowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerProcess::Options options;
    options.binary = COLONIESD_BINARY;
    options.data_dir = dir_.path() / "data";
    options.server_id = server_owner_.id;
    server_ = std::make_unique<ServerProcess>(options);
    ASSERT_TRUE(server_->start()) << server_->error();
    ASSERT_NO_FATAL_FAILURE(create_colony(server_->port(), server_owner_, s_));
    executor_ = add_executor(server_->port(), s_, "sim", "sim");
  }
  void TearDown() override {
    if (server_ && server_->running()) server_->kill9();
  }

  // Runs `count` nodes: each closes with out = ["<nodename>-out"]; returns the inputs seen.
  std::map<std::string, json::array> run_nodes(int count) {
    std::map<std::string, json::array> inputs;
    auto c = connect(server_->port(), executor_);
    for (int attempts = 0; static_cast<int>(inputs.size()) < count && attempts < 50; ++attempts) {
      auto p = c.assign(s_.colony, 5);
      if (!p) continue;
      inputs[p->spec.nodename] = p->in;
      EXPECT_TRUE(c.close_successful(p->processid, json::array{json::value(p->spec.nodename + "-out")}));
    }
    return inputs;
  }

  TempDir dir_;
  Key server_owner_ = new_key();
  ColonySetup s_;
  Key executor_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(WorkflowTest, DiamondRunsToTheEndAndTheSinkGetsItsParentsOutputsInOrder) {
  std::map<std::string, json::array> inputs;
  std::thread executor([&] { inputs = run_nodes(4); });
  auto user = connect(server_->port(), s_.user);
  auto graph = user.submit_workflow(diamond(s_.colony));
  ASSERT_TRUE(graph.has_value()) << graph.error().message;
  EXPECT_EQ(graph->processids.size(), 4u);
  executor.join();
  ASSERT_EQ(inputs.size(), 4u);
  EXPECT_EQ(inputs["a"], json::array{});
  EXPECT_EQ(inputs["b"], (json::array{"a-out"}));
  EXPECT_EQ(inputs["d"], (json::array{"c-out", "b-out"}));
  auto done = user.get_process_graph(graph->processgraphid);
  ASSERT_TRUE(done.has_value()) << done.error().message;
  EXPECT_EQ(done->state, model::ProcessState::Success);
  EXPECT_EQ(done->progress.successful, 4);
  EXPECT_NE(done->endtime, 0);
  auto stats = user.colony_statistics(s_.colony);
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->successfulworkflows, 1);
  auto listed = user.get_process_graphs(s_.colony, 10, model::ProcessState::Success);
  ASSERT_TRUE(listed.has_value());
  EXPECT_EQ(listed->size(), 1u);
}

TEST_F(WorkflowTest, InvalidWorkflowGets400NamingTheCycle) {
  auto spec = diamond(s_.colony);
  spec.functionspecs[0].conditions.dependencies = {"d"};
  auto user = connect(server_->port(), s_.user);
  auto graph = user.submit_workflow(spec);
  ASSERT_FALSE(graph.has_value());
  EXPECT_EQ(graph.error().code, ErrorCode::BadRequest);
  EXPECT_NE(graph.error().message.find("dependency cycle"), std::string::npos) << graph.error().message;
  auto listed = user.get_process_graphs(s_.colony, 10, std::nullopt);
  ASSERT_TRUE(listed.has_value());
  EXPECT_TRUE(listed->empty());
}

TEST_F(WorkflowTest, AHalfDoneWorkflowFinishesAfterARestart) {
  auto user = connect(server_->port(), s_.user);
  auto graph = user.submit_workflow(diamond(s_.colony));
  ASSERT_TRUE(graph.has_value()) << graph.error().message;
  auto first = run_nodes(1);
  ASSERT_EQ(first.count("a"), 1u);
  ASSERT_EQ(server_->terminate(10s), std::optional<int>(0));
  ASSERT_TRUE(server_->start()) << server_->error();
  auto rest = run_nodes(3);
  ASSERT_EQ(rest.size(), 3u);
  EXPECT_EQ(rest["c"], (json::array{"a-out"}));
  EXPECT_EQ(rest["d"], (json::array{"c-out", "b-out"}));
  auto done = connect(server_->port(), s_.user).get_process_graph(graph->processgraphid);
  ASSERT_TRUE(done.has_value()) << done.error().message;
  EXPECT_EQ(done->state, model::ProcessState::Success);
}

}  // namespace
}  // namespace colonies::testing
