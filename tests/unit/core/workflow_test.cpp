// validate_workflow: every rejection names the offending node(s) and the edges come out in
// dependency order; derive_graph_state; the JSON codecs round-trip.
#include <gtest/gtest.h>

#include "core/model/workflow.hpp"

namespace colonies::model {
namespace {

FunctionSpec node(const std::string& name, std::vector<std::string> deps = {}) {
  FunctionSpec s;
  s.nodename = name;
  s.funcname = "fn";
  s.conditions.executortype = "worker";
  s.conditions.dependencies = std::move(deps);
  return s;
}

WorkflowSpec workflow(std::vector<FunctionSpec> nodes) { return WorkflowSpec{"alpha", std::move(nodes)}; }

std::string error_of(WorkflowSpec spec) {
  auto validated = validate_workflow(std::move(spec));
  if (validated) return "(accepted)";
  EXPECT_EQ(validated.error().code, ErrorCode::BadRequest);
  return validated.error().message;
}

TEST(WorkflowValidationTest, AcceptsADiamondWithParentsInDependencyOrder) {
  auto v = validate_workflow(workflow({node("a"), node("b", {"a"}), node("c", {"a"}), node("d", {"c", "b"})}));
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->roots, (std::vector<std::size_t>{0}));
  EXPECT_EQ(v->parents[3], (std::vector<std::size_t>{2, 1}));  // d's input: c's out, then b's
  EXPECT_EQ(v->children[0], (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(v->requirements.size(), 4u);
}

TEST(WorkflowValidationTest, SetsTheWorkflowColonyAndNormalisesLimits) {
  auto a = node("a");
  a.conditions.colonyname = "elsewhere";
  auto v = validate_workflow(workflow({a}));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->spec.functionspecs[0].conditions.colonyname, "alpha");
  EXPECT_EQ(v->spec.functionspecs[0].maxexectime, -1);
  EXPECT_EQ(v->spec.functionspecs[0].maxwaittime, -1);
}

TEST(WorkflowValidationTest, RejectsAnEmptyWorkflowOrOneWithoutColony) {
  EXPECT_NE(error_of(workflow({})).find("at least one node"), std::string::npos);
  EXPECT_NE(error_of(WorkflowSpec{"", {node("a")}}).find("colonyname"), std::string::npos);
}

TEST(WorkflowValidationTest, RejectsAMissingNodeName) {
  auto unnamed = node("");
  unnamed.funcname = "train";
  EXPECT_EQ(error_of(workflow({node("a"), unnamed})),
            "functionspecs[1] (funcname 'train') has no nodename: every node of a workflow needs a unique nodename");
}

TEST(WorkflowValidationTest, RejectsDuplicateNodeNames) {
  EXPECT_EQ(error_of(workflow({node("a"), node("b"), node("a")})),
            "duplicate node name 'a' (functionspecs[0] and functionspecs[2])");
}

TEST(WorkflowValidationTest, RejectsUnknownDependenciesNamingEachOne) {
  EXPECT_EQ(error_of(workflow({node("a"), node("b", {"a", "x"}), node("c", {"y"})})),
            "unknown dependencies: 'x' (needed by 'b'), 'y' (needed by 'c') is not a node of this workflow");
}

TEST(WorkflowValidationTest, RejectsARepeatedDependency) {
  EXPECT_EQ(error_of(workflow({node("a"), node("b", {"a", "a"})})), "node 'b' lists dependency 'a' more than once");
}

TEST(WorkflowValidationTest, RejectsACycleNamingItsNodes) {
  EXPECT_EQ(error_of(workflow({node("root"), node("a", {"root", "c"}), node("b", {"a"}), node("c", {"b"})})),
            "dependency cycle: a -> b -> c -> a");
}

TEST(WorkflowValidationTest, RejectsASelfDependency) {
  EXPECT_EQ(error_of(workflow({node("a", {"a"})})), "dependency cycle: a -> a");
}

TEST(WorkflowValidationTest, AppliesTheFunctionSpecChecksToEveryNode) {
  auto greedy = node("greedy", {"a"});
  greedy.priority = 60000;
  EXPECT_EQ(error_of(workflow({node("a"), greedy})), "node 'greedy': priority 60000 is outside [-50000, 50000]");
  auto typeless = node("typeless");
  typeless.conditions.executortype.clear();
  EXPECT_NE(error_of(workflow({typeless})).find("node 'typeless': spec.conditions.executortype is required"),
            std::string::npos);
}

TEST(WorkflowValidationTest, ValidatesTenThousandNodesFanOutFanIn) {
  std::vector<FunctionSpec> nodes{node("root")};
  std::vector<std::string> middle;
  for (int i = 0; i < 9998; ++i) {
    middle.push_back("m" + std::to_string(i));
    nodes.push_back(node(middle.back(), {"root"}));
  }
  nodes.push_back(node("sink", middle));
  auto v = validate_workflow(workflow(std::move(nodes)));
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->children[0].size(), 9998u);
  EXPECT_EQ(v->parents[9999].size(), 9998u);
}

TEST(GraphStateTest, DerivesFromProgress) {
  EXPECT_EQ(derive_graph_state({.total = 3, .waiting = 3}), ProcessState::Waiting);
  EXPECT_EQ(derive_graph_state({.total = 3, .waiting = 2, .running = 1}), ProcessState::Running);
  EXPECT_EQ(derive_graph_state({.total = 3, .waiting = 2, .successful = 1}), ProcessState::Running);
  EXPECT_EQ(derive_graph_state({.total = 3, .successful = 3}), ProcessState::Success);
  EXPECT_EQ(derive_graph_state({.total = 3, .running = 1, .successful = 1, .failed = 1}), ProcessState::Failed);
  EXPECT_EQ(derive_graph_state({.total = 3, .successful = 1, .failed = 1, .cancelled = 1}), ProcessState::Failed);
  EXPECT_EQ(derive_graph_state({.total = 3, .successful = 1, .cancelled = 2}), ProcessState::Cancelled);
}

TEST(WorkflowCodecTest, RoundTripsSpecAndGraph) {
  auto spec = workflow({node("a"), node("b", {"a"})});
  auto decoded = workflow_spec_from_json(to_json(spec));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(to_json(*decoded), to_json(spec));

  ProcessGraph g;
  g.processgraphid = "g";
  g.colonyname = "alpha";
  g.rootprocessids = {"p1"};
  g.processids = {"p1", "p2"};
  g.state = ProcessState::Running;
  g.submissiontime = 1'700'000'000'000'000'000;
  g.progress = {.total = 2, .waiting = 1, .running = 1};
  auto back = process_graph_from_json(to_json(g));
  ASSERT_TRUE(back);
  EXPECT_EQ(to_json(*back), to_json(g));
}

TEST(WorkflowCodecTest, NamesTheBadFieldOfANode) {
  json::value v = json::parse(R"({"colonyname":"alpha","functionspecs":[{"nodename":"a"},{"nodename":7}]})");
  auto decoded = workflow_spec_from_json(v);
  ASSERT_FALSE(decoded);
  EXPECT_NE(decoded.error().message.find("spec.functionspecs[1].nodename"), std::string::npos) << decoded.error().message;
}

}  // namespace
}  // namespace colonies::model
