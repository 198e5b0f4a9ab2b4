// Workflows through the broker: submit and validation (nothing stored on error), release of a
// node when its parents succeeded with their outputs in dependency order, the failure policy,
// cancel, addchild (append and insert), derived graph state, statistics, removal, and a graph
// half-done across a restart.
#include <gtest/gtest.h>

#include "tests/unit/server/broker_fixture.hpp"

namespace colonies::server::api {
namespace {

using testing::describe;
using testing::error_message;

class BrokerWorkflowTest : public BrokerTest {
 protected:
  static json::object node(const std::string& name, std::vector<std::string> deps = {}) {
    json::array d;
    for (auto& dep : deps) d.emplace_back(dep);
    return json::object{{"nodename", name},
                        {"funcname", "fn-" + name},
                        {"conditions", json::object{{"executortype", "worker"}, {"dependencies", std::move(d)}}}};
  }
  ApiReply submit_workflow(std::vector<json::object> nodes) {
    json::array specs;
    for (auto& n : nodes) specs.emplace_back(std::move(n));
    return h_.call(user_, msg::kSubmitWorkflowSpec,
                   {{"spec", json::object{{"colonyname", colony_.name}, {"functionspecs", std::move(specs)}}}});
  }
  // Submits and returns the graph; ids_[nodename] gives each node's process id.
  json::object submit_graph(std::vector<json::object> nodes) {
    std::vector<std::string> names;
    for (const auto& n : nodes) names.emplace_back(n.at("nodename").as_string());
    auto reply = submit_workflow(std::move(nodes));
    EXPECT_EQ(reply.status, 200) << describe(reply);
    if (reply.status != 200) return {};
    const auto& ids = reply.payload.at("processids").as_array();
    for (std::size_t i = 0; i < names.size(); ++i) ids_[names[i]] = std::string(ids[i].as_string());
    graph_ = std::string(reply.payload.at("processgraphid").as_string());
    return reply.payload.as_object();
  }
  // Assigns once; returns the node name it got ("" when none).
  std::string assign_node(const Identity* who = nullptr) {
    auto r = h_.assign(who ? *who : executor_, colony_.name);
    if (r.status != 200) return "";
    last_assigned_ = r.payload.as_object();
    return std::string(r.payload.at("spec").at("nodename").as_string());
  }
  ApiReply close(const std::string& name, json::array out) {
    return h_.call(executor_, msg::kCloseSuccessful, {{"processid", ids_.at(name)}, {"out", std::move(out)}});
  }
  ApiReply close_failed(const std::string& name, const std::string& why) {
    return h_.call(executor_, msg::kCloseFailed, {{"processid", ids_.at(name)}, {"errors", json::array{why}}});
  }
  json::object graph() {
    auto r = h_.call(user_, msg::kGetProcessGraph, {{"processgraphid", graph_}});
    EXPECT_EQ(r.status, 200) << describe(r);
    return r.payload.is_object() ? r.payload.as_object() : json::object{};
  }
  int graph_state() { return graph().at("state").to_number<int>(); }
  json::object node_process(const std::string& name) { return process(ids_.at(name)); }
  ApiReply add_child(const std::string& parent, json::object spec, bool insert, const std::string& child = "") {
    return h_.call(executor_, msg::kAddChild,
                   {{"processgraphid", graph_},
                    {"parentprocessid", ids_.at(parent)},
                    {"childprocessid", child.empty() ? std::string() : ids_.at(child)},
                    {"spec", std::move(spec)},
                    {"insert", insert}});
  }

  std::map<std::string, std::string> ids_;
  std::string graph_;
  json::object last_assigned_;
};

TEST_F(BrokerWorkflowTest, OnlyRootsAreAssignableAtFirst) {
  auto g = submit_graph({node("a"), node("b", {"a"}), node("c", {"a"}), node("d", {"b", "c"})});
  EXPECT_EQ(g.at("state").to_number<int>(), 0);
  EXPECT_EQ(g.at("rootprocessids").as_array().size(), 1u);
  EXPECT_EQ(g.at("progress").at("total").to_number<int>(), 4);
  auto b = node_process("b");
  EXPECT_TRUE(b.at("waitforparents").as_bool());
  EXPECT_EQ(b.at("parents").as_array(), (json::array{json::value(ids_["a"])}));
  EXPECT_EQ(b.at("processgraphid").as_string(), graph_);
  EXPECT_EQ(b.at("waitreason").as_string(), "waiting for parent processes to finish");
  EXPECT_EQ(assign_node(), "a");
  EXPECT_EQ(assign_node(), "") << "b, c and d wait for their parents";
  EXPECT_EQ(graph_state(), 1) << "RUNNING once a node runs";
}

TEST_F(BrokerWorkflowTest, ReleasesANodeWhenAllParentsSucceededWithTheirOutputsInDependencyOrder) {
  submit_graph({node("a"), node("b", {"a"}), node("c", {"a"}), node("d", {"c", "b"})});
  ASSERT_EQ(assign_node(), "a");
  ASSERT_EQ(close("a", {"A"}).status, 200);
  std::set<std::string> got{assign_node(), assign_node()};
  EXPECT_EQ(got, (std::set<std::string>{"b", "c"}));
  EXPECT_EQ(node_process("b").at("in"), (json::array{"A"}));
  ASSERT_EQ(close("b", {"B1", "B2"}).status, 200);
  EXPECT_EQ(assign_node(), "") << "d still waits for c";
  ASSERT_EQ(close("c", {"C"}).status, 200);
  ASSERT_EQ(assign_node(), "d");
  EXPECT_EQ(last_assigned_.at("in"), (json::array{"C", "B1", "B2"})) << "c's out, then b's: d's dependency order";
  ASSERT_EQ(close("d", {}).status, 200);
  auto g = graph();
  EXPECT_EQ(g.at("state").to_number<int>(), 2);
  EXPECT_NE(g.at("endtime").as_string(), "0001-01-01T00:00:00Z");
  EXPECT_EQ(g.at("progress").at("successful").to_number<int>(), 4);
}

TEST_F(BrokerWorkflowTest, ReleasedNodeGoesToAParkedExecutor) {
  submit_graph({node("a"), node("b", {"a"})});
  ASSERT_EQ(assign_node(), "a");
  auto poll = h_.send(executor_, msg::kAssignProcess, {{"colonyname", colony_.name}, {"timeout", 30}});
  EXPECT_FALSE(BrokerHarness::ready(poll));
  ASSERT_EQ(close("a", {"x"}).status, 200);
  auto r = h_.wait(poll);
  ASSERT_EQ(r.status, 200) << describe(r);
  EXPECT_EQ(r.payload.at("processid").as_string(), ids_["b"]);
  h_.flush();
  EXPECT_EQ(h_.store().get_process(ids_["b"]).value()->state, model::ProcessState::Running)
      << "the release is committed before the assignment";
}

TEST_F(BrokerWorkflowTest, InvalidWorkflowIsRejectedAndNothingIsStored) {
  struct Case {
    std::vector<json::object> nodes;
    std::string message;
  };
  json::object nameless = node("x");
  nameless["nodename"] = "";
  const Case cases[] = {
      {{node("a"), nameless}, "functionspecs[1] (funcname 'fn-x') has no nodename"},
      {{node("a"), node("a")}, "duplicate node name 'a'"},
      {{node("a"), node("b", {"zz"})}, "unknown dependencies: 'zz' (needed by 'b')"},
      {{node("a"), node("b", {"a", "c"}), node("c", {"b"})}, "dependency cycle: b -> c -> b"},
  };
  for (const auto& c : cases) {
    auto r = submit_workflow(c.nodes);
    EXPECT_EQ(r.status, 400) << describe(r);
    EXPECT_NE(error_message(r).find(c.message), std::string::npos) << error_message(r);
  }
  json::object greedy = node("g");
  greedy["priority"] = 50001;
  auto r = submit_workflow({greedy});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(error_message(r).find("node 'g': priority 50001"), std::string::npos) << error_message(r);
  h_.flush();
  EXPECT_TRUE(h_.store().list_process_graphs({.colonyname = colony_.name}).value().empty());
  EXPECT_TRUE(h_.store().list_processes({.colonyname = colony_.name}).value().empty());
  EXPECT_EQ(h_.broker().counters().active_processes, 0u);
}

TEST_F(BrokerWorkflowTest, AFailedNodeFailsTheGraphAndItsWaitingNodesWhileRunningSiblingsFinish) {
  // r -> x -> z, r -> y -> w
  submit_graph({node("r"), node("x", {"r"}), node("y", {"r"}), node("z", {"x"}), node("w", {"y"})});
  ASSERT_EQ(assign_node(), "r");
  ASSERT_EQ(close("r", {"R"}).status, 200);
  assign_node();
  assign_node();
  ASSERT_EQ(close_failed("x", "boom").status, 200);
  EXPECT_EQ(graph_state(), 3) << "FAILED at once";
  auto z = node_process("z");
  EXPECT_EQ(z.at("state").to_number<int>(), 3);
  EXPECT_EQ(z.at("errors").as_array().back().as_string(), "parent 'x' (process " + ids_["x"] + ") failed");
  auto w = node_process("w");
  EXPECT_EQ(w.at("state").to_number<int>(), 3);
  EXPECT_EQ(w.at("errors").as_array().back().as_string(),
            "workflow stopped: node 'x' (process " + ids_["x"] + ") failed");
  EXPECT_EQ(graph().at("endtime").as_string(), "0001-01-01T00:00:00Z") << "y still runs";
  ASSERT_EQ(close("y", {"Y"}).status, 200) << "a running sibling closes normally";
  EXPECT_EQ(node_process("y").at("out"), (json::array{"Y"}));
  auto g = graph();
  EXPECT_EQ(g.at("state").to_number<int>(), 3);
  EXPECT_NE(g.at("endtime").as_string(), "0001-01-01T00:00:00Z");
  EXPECT_EQ(assign_node(), "");
}

TEST_F(BrokerWorkflowTest, ANodeOutOfRetriesFailsItsDescendants) {
  json::object a = node("a");
  a["maxexectime"] = 10;
  a["maxretries"] = 0;
  submit_graph({a, node("b", {"a"}), node("c", {"b"})});
  ASSERT_EQ(assign_node(), "a");
  h_.advance_and_tick(11);
  EXPECT_EQ(node_process("a").at("state").to_number<int>(), 3);
  EXPECT_EQ(node_process("b").at("errors").as_array().back().as_string(),
            "parent 'a' (process " + ids_["a"] + ") failed");
  EXPECT_EQ(node_process("c").at("errors").as_array().back().as_string(),
            "ancestor 'a' (process " + ids_["a"] + ") failed");
  EXPECT_EQ(graph_state(), 3);
  EXPECT_EQ(h_.broker().counters().active_processes, 0u);
}

TEST_F(BrokerWorkflowTest, MaxWaitTimeCountsFromTheRelease) {
  json::object b = node("b", {"a"});
  b["maxwaittime"] = 10;
  submit_graph({node("a"), b});
  ASSERT_EQ(assign_node(), "a");
  h_.advance_and_tick(30);  // a runs for 30 s; b waits for its parent, not for an executor
  EXPECT_EQ(node_process("b").at("state").to_number<int>(), 0);
  ASSERT_EQ(close("a", {}).status, 200);
  h_.advance_and_tick(11);
  auto failed = node_process("b");
  EXPECT_EQ(failed.at("state").to_number<int>(), 3);
  EXPECT_EQ(failed.at("errors").as_array().back().as_string(), "maximum waiting time (10 s) exceeded");
  EXPECT_EQ(graph_state(), 3);
}

TEST_F(BrokerWorkflowTest, CancelCancelsWaitingAndRunningNodes) {
  submit_graph({node("a"), node("b", {"a"})});
  ASSERT_EQ(assign_node(), "a");
  auto r = h_.call(user_, msg::kCancelProcessGraph, {{"processgraphid", graph_}});
  ASSERT_EQ(r.status, 200) << describe(r);
  EXPECT_EQ(r.payload.at("state").to_number<int>(), 4);
  EXPECT_EQ(r.payload.at("progress").at("cancelled").to_number<int>(), 2);
  EXPECT_EQ(node_process("a").at("state").to_number<int>(), 4);
  EXPECT_EQ(node_process("b").at("state").to_number<int>(), 4);
  EXPECT_EQ(close("a", {}).status, 409) << "the executor learns it on its next close";
  EXPECT_EQ(h_.call(user_, msg::kCancelProcessGraph, {{"processgraphid", graph_}}).status, 409);
  EXPECT_EQ(graph_state(), 4);
}

TEST_F(BrokerWorkflowTest, SingleNodesCannotBeCancelledOrRemoved) {
  submit_graph({node("a"), node("b", {"a"})});
  auto cancel = h_.call(user_, msg::kCancelProcess, {{"processid", ids_["b"]}});
  EXPECT_EQ(cancel.status, 400);
  EXPECT_NE(error_message(cancel).find("cancelprocessgraphmsg"), std::string::npos) << error_message(cancel);
  auto remove = h_.call(user_, msg::kRemoveProcess, {{"processid", ids_["b"]}});
  EXPECT_EQ(remove.status, 400);
  EXPECT_NE(error_message(remove).find("removeprocessgraphmsg"), std::string::npos) << error_message(remove);
}

TEST_F(BrokerWorkflowTest, AddChildAppendsANewChildThatRunsAfterTheParent) {
  submit_graph({node("a"), node("b", {"a"})});
  ASSERT_EQ(assign_node(), "a");
  auto added = add_child("a", node("extra"), false);
  ASSERT_EQ(added.status, 200) << describe(added);
  ids_["extra"] = std::string(added.payload.at("processid").as_string());
  EXPECT_EQ(added.payload.at("spec").at("conditions").at("dependencies"), (json::array{"a"}));
  EXPECT_EQ(graph().at("progress").at("total").to_number<int>(), 3);
  EXPECT_EQ(assign_node(), "");
  ASSERT_EQ(close("a", {"A"}).status, 200);
  std::set<std::string> got{assign_node(), assign_node()};
  EXPECT_EQ(got, (std::set<std::string>{"b", "extra"}));
  EXPECT_EQ(node_process("extra").at("in"), (json::array{"A"}));
}

TEST_F(BrokerWorkflowTest, AddChildBeforeAnExistingChildMakesItWaitForTheNewNode) {
  submit_graph({node("a"), node("b", {"a"})});
  ASSERT_EQ(assign_node(), "a");
  auto added = add_child("a", node("n"), false, "b");
  ASSERT_EQ(added.status, 200) << describe(added);
  ids_["n"] = std::string(added.payload.at("processid").as_string());
  ASSERT_EQ(close("a", {"A"}).status, 200);
  EXPECT_EQ(assign_node(), "n");
  EXPECT_EQ(assign_node(), "") << "b waits for n too";
  ASSERT_EQ(close("n", {"N"}).status, 200);
  ASSERT_EQ(assign_node(), "b");
  EXPECT_EQ(last_assigned_.at("in"), (json::array{"A", "N"}));
}

TEST_F(BrokerWorkflowTest, AddChildInsertPutsTheNewNodeBetweenTheParentAndItsChildren) {
  submit_graph({node("a"), node("b", {"a"}), node("c", {"a"})});
  ASSERT_EQ(assign_node(), "a");
  auto added = add_child("a", node("mid"), true);
  ASSERT_EQ(added.status, 200) << describe(added);
  ids_["mid"] = std::string(added.payload.at("processid").as_string());
  EXPECT_EQ(node_process("a").at("children"), (json::array{json::value(ids_["mid"])}));
  EXPECT_EQ(node_process("b").at("parents"), (json::array{json::value(ids_["mid"])}));
  ASSERT_EQ(close("a", {"A"}).status, 200);
  ASSERT_EQ(assign_node(), "mid");
  EXPECT_EQ(last_assigned_.at("in"), (json::array{"A"}));
  EXPECT_EQ(assign_node(), "");
  ASSERT_EQ(close("mid", {"M"}).status, 200);
  std::set<std::string> got{assign_node(), assign_node()};
  EXPECT_EQ(got, (std::set<std::string>{"b", "c"}));
  EXPECT_EQ(node_process("c").at("in"), (json::array{"M"}));
}

TEST_F(BrokerWorkflowTest, AddChildIsOnlyForTheExecutorRunningANodeOfAnActiveGraph) {
  submit_graph({node("a"), node("b", {"a"})});
  auto not_running = add_child("a", node("x"), false);
  EXPECT_EQ(not_running.status, 403) << describe(not_running);
  ASSERT_EQ(assign_node(), "a");
  Identity other = h_.add_executor(colony_, "exec-2");
  auto r = h_.call(other, msg::kAddChild,
                   {{"processgraphid", graph_}, {"parentprocessid", ids_["a"]}, {"spec", node("x")}, {"insert", false}});
  EXPECT_EQ(r.status, 403) << describe(r);
  auto duplicate = add_child("a", node("b"), false);
  EXPECT_EQ(duplicate.status, 400);
  EXPECT_NE(error_message(duplicate).find("node name 'b' is already used"), std::string::npos);
  auto both = add_child("a", node("x"), true, "b");
  EXPECT_EQ(both.status, 400) << describe(both);
  const std::string standalone = submit();
  ASSERT_EQ(id_of(h_.assign(executor_, colony_.name)), standalone);
  auto outside = h_.call(executor_, msg::kAddChild,
                         {{"parentprocessid", standalone}, {"spec", node("x")}, {"insert", false}});
  EXPECT_EQ(outside.status, 400);
  EXPECT_NE(error_message(outside).find("not part of a workflow"), std::string::npos);
}

TEST_F(BrokerWorkflowTest, AHalfDoneGraphSurvivesARestartAndFinishes) {
  submit_graph({node("a"), node("b", {"a"}), node("c", {"a"}), node("d", {"b", "c"})});
  ASSERT_EQ(assign_node(), "a");
  ASSERT_EQ(close("a", {"A"}).status, 200);
  ASSERT_FALSE(assign_node().empty());  // b or c is now RUNNING
  const std::string running = std::string(last_assigned_.at("spec").at("nodename").as_string());
  const std::string queued = running == "b" ? "c" : "b";
  auto restarted = h_.restart();
  auto& h = *restarted;
  ASSERT_EQ(h.call(executor_, msg::kCloseSuccessful, {{"processid", ids_[running]}, {"out", json::array{running}}}).status,
            200);
  auto next = h.assign(executor_, colony_.name);
  ASSERT_EQ(next.status, 200);
  EXPECT_EQ(next.payload.at("processid").as_string(), ids_[queued]);
  EXPECT_EQ(next.payload.at("in"), (json::array{"A"}));
  EXPECT_EQ(h.assign(executor_, colony_.name).status, 404) << "d still waits for " << queued;
  ASSERT_EQ(h.call(executor_, msg::kCloseSuccessful, {{"processid", ids_[queued]}, {"out", json::array{queued}}}).status,
            200);
  auto d = h.assign(executor_, colony_.name);
  ASSERT_EQ(d.status, 200);
  EXPECT_EQ(d.payload.at("in"), (json::array{"b", "c"}));
  ASSERT_EQ(h.call(executor_, msg::kCloseSuccessful, {{"processid", ids_["d"]}, {"out", json::array{}}}).status, 200);
  auto g = h.call(user_, msg::kGetProcessGraph, {{"processgraphid", graph_}});
  ASSERT_EQ(g.status, 200);
  EXPECT_EQ(g.payload.at("state").to_number<int>(), 2);
  EXPECT_EQ(g.payload.at("progress").at("successful").to_number<int>(), 4);
}

TEST_F(BrokerWorkflowTest, StatisticsCountWorkflowsByState) {
  submit_graph({node("a")});
  ASSERT_EQ(assign_node(), "a");
  ASSERT_EQ(close("a", {}).status, 200);
  submit_graph({node("b")});
  auto s = h_.call(user_, msg::kGetColonyStats, {{"colonyname", colony_.name}});
  ASSERT_EQ(s.status, 200) << describe(s);
  EXPECT_EQ(s.payload.at("successfulworkflows").to_number<int>(), 1);
  EXPECT_EQ(s.payload.at("waitingworkflows").to_number<int>(), 1);
  auto server = h_.call(h_.server_owner(), msg::kGetStatistics, {});
  EXPECT_EQ(server.payload.at("successfulworkflows").to_number<int>(), 1);
}

TEST_F(BrokerWorkflowTest, ListsGraphsWithLiveProgress) {
  submit_graph({node("a"), node("b", {"a"})});
  ASSERT_EQ(assign_node(), "a");
  ASSERT_EQ(close("a", {}).status, 200);
  auto r = h_.call(user_, msg::kGetProcessGraphs, {{"colonyname", colony_.name}, {"count", 10}, {"state", -1}});
  ASSERT_EQ(r.status, 200) << describe(r);
  ASSERT_EQ(r.payload.as_array().size(), 1u);
  EXPECT_EQ(r.payload.as_array()[0].at("progress").at("successful").to_number<int>(), 1);
  auto too_many = h_.call(user_, msg::kGetProcessGraphs, {{"colonyname", colony_.name}, {"count", 101}});
  EXPECT_EQ(too_many.status, 400);
}

TEST_F(BrokerWorkflowTest, RemovesAGraphUnlessANodeRuns) {
  submit_graph({node("a"), node("b", {"a"})});
  const std::string waiting_graph = graph_;
  const auto waiting_ids = ids_;
  submit_graph({node("c")});
  ASSERT_EQ(assign_node(), "a");
  auto refused = h_.call(user_, msg::kRemoveProcessGraph, {{"processgraphid", waiting_graph}});
  EXPECT_EQ(refused.status, 409) << describe(refused);
  auto removed = h_.call(user_, msg::kRemoveProcessGraph, {{"processgraphid", graph_}});
  ASSERT_EQ(removed.status, 200) << describe(removed);
  EXPECT_EQ(h_.call(user_, msg::kGetProcessGraph, {{"processgraphid", graph_}}).status, 404);
  EXPECT_EQ(h_.get_process(user_, ids_["c"]).status, 404);
  EXPECT_EQ(assign_node(), "");
  // Once finished it can go, with its processes.
  ASSERT_EQ(close("a", {}).status, 200);
  ids_ = waiting_ids;
  ASSERT_EQ(assign_node(), "b");
  ASSERT_EQ(close("b", {}).status, 200);
  ASSERT_EQ(h_.call(colony_.owner, msg::kRemoveAllProcessGraphs, {{"colonyname", colony_.name}, {"state", 2}}).status,
            200);
  EXPECT_EQ(h_.call(user_, msg::kGetProcessGraph, {{"processgraphid", waiting_graph}}).status, 404);
  EXPECT_EQ(h_.get_process(user_, ids_["a"]).status, 404);
}

TEST_F(BrokerWorkflowTest, RemoveAllKeepsRunningGraphs) {
  submit_graph({node("done")});
  const std::string finished = graph_;
  ASSERT_EQ(assign_node(), "done");
  ASSERT_EQ(close("done", {}).status, 200);
  submit_graph({node("run"), node("after", {"run"})});
  const std::string running = graph_;
  ASSERT_EQ(assign_node(), "run");
  submit_graph({node("wait")});
  const std::string waiting = graph_;
  auto r = h_.call(colony_.owner, msg::kRemoveAllProcessGraphs, {{"colonyname", colony_.name}, {"state", -1}});
  ASSERT_EQ(r.status, 200) << describe(r);
  EXPECT_EQ(h_.call(user_, msg::kGetProcessGraph, {{"processgraphid", finished}}).status, 404);
  EXPECT_EQ(h_.call(user_, msg::kGetProcessGraph, {{"processgraphid", waiting}}).status, 404);
  EXPECT_EQ(h_.call(user_, msg::kGetProcessGraph, {{"processgraphid", running}}).status, 200);
  EXPECT_EQ(h_.call(colony_.owner, msg::kRemoveAllProcessGraphs, {{"colonyname", colony_.name}, {"state", 1}}).status,
            400);
}

TEST_F(BrokerWorkflowTest, RemovingTheColonyRemovesItsGraphs) {
  submit_graph({node("a"), node("b", {"a"})});
  ASSERT_EQ(h_.call(h_.server_owner(), msg::kRemoveColony, {{"colonyname", colony_.name}}).status, 200);
  h_.flush();
  EXPECT_FALSE(h_.store().get_process_graph(graph_).value());
  EXPECT_EQ(h_.broker().counters().active_processes, 0u);
}

}  // namespace
}  // namespace colonies::server::api
