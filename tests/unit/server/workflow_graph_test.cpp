// workflow::Graph, the bookkeeping of an active process graph: a success releases exactly the
// children whose last pending parent it was, inputs follow the parents' order, descendants,
// progress counts, and the derived state with its start and end times.
#include <gtest/gtest.h>

#include "server/workflow/graph.hpp"

namespace colonies::server::workflow {
namespace {

using model::ProcessState;

// a -> b, a -> c, (c, b) -> d
Graph diamond() {
  Graph g(model::ProcessGraph{});
  g.add({"a", "a", ProcessState::Waiting, {}, {"b", "c"}, 0, {}});
  g.add({"b", "b", ProcessState::Waiting, {"a"}, {"d"}, 1, {}});
  g.add({"c", "c", ProcessState::Waiting, {"a"}, {"d"}, 1, {}});
  g.add({"d", "d", ProcessState::Waiting, {"c", "b"}, {}, 2, {}});
  return g;
}

TEST(WorkflowGraphTest, ASuccessReleasesOnlyChildrenWithNoParentLeft) {
  Graph g = diamond();
  EXPECT_EQ(g.succeeded(*g.find("a"), json::array{"A"}), (std::vector<std::string>{"b", "c"}));
  EXPECT_TRUE(g.succeeded(*g.find("b"), json::array{"B"}).empty()) << "d still waits for c";
  EXPECT_EQ(g.succeeded(*g.find("c"), json::array{"C1", "C2"}), (std::vector<std::string>{"d"}));
  EXPECT_EQ(g.input_for(*g.find("d")), (json::array{"C1", "C2", "B"})) << "in the order of d's parents";
}

TEST(WorkflowGraphTest, CountsProgressAndDerivesStateWithTimes) {
  Graph g = diamond();
  EXPECT_EQ(g.record().progress.total, 4);
  EXPECT_EQ(g.record().progress.waiting, 4);
  EXPECT_FALSE(g.refresh(100));
  EXPECT_EQ(g.record().state, ProcessState::Waiting);
  g.set_state(*g.find("a"), ProcessState::Running);
  EXPECT_TRUE(g.refresh(200));
  EXPECT_EQ(g.record().state, ProcessState::Running);
  EXPECT_EQ(g.record().starttime, 200);
  g.succeeded(*g.find("a"), {});
  g.set_state(*g.find("b"), ProcessState::Failed);
  EXPECT_TRUE(g.refresh(300));
  EXPECT_EQ(g.record().state, ProcessState::Failed);
  EXPECT_EQ(g.record().endtime, 0) << "c and d are still WAITING";
  g.set_state(*g.find("c"), ProcessState::Failed);
  g.set_state(*g.find("d"), ProcessState::Failed);
  EXPECT_FALSE(g.active());
  EXPECT_TRUE(g.refresh(400));
  EXPECT_EQ(g.record().endtime, 400);
  EXPECT_EQ(g.record().starttime, 200);
  EXPECT_EQ(g.record().progress.failed, 3);
  EXPECT_EQ(g.record().progress.successful, 1);
}

TEST(WorkflowGraphTest, FindsDescendantsNearestFirst) {
  Graph g = diamond();
  std::vector<std::string> ids;
  for (Node* n : g.descendants("a")) ids.push_back(n->processid);
  EXPECT_EQ(ids, (std::vector<std::string>{"b", "c", "d"})) << "d once, after its parents";
  EXPECT_TRUE(g.descendants("d").empty());
}

TEST(WorkflowGraphTest, RecountsPendingParentsFromStatesAfterARestart) {
  Graph g(model::ProcessGraph{});
  g.add({"a", "a", ProcessState::Success, {}, {"c"}, 0, json::array{"A"}});
  g.add({"b", "b", ProcessState::Running, {}, {"c"}, 0, {}});
  g.add({"c", "c", ProcessState::Waiting, {"a", "b"}, {}, 0, {}});
  g.recount_pending();
  EXPECT_EQ(g.find("c")->pending, 1);
  EXPECT_EQ(g.succeeded(*g.find("b"), json::array{"B"}), (std::vector<std::string>{"c"}));
  EXPECT_EQ(g.input_for(*g.find("c")), (json::array{"A", "B"}));
}

}  // namespace
}  // namespace colonies::server::workflow
