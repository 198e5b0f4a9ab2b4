// The Store conformance suite for process graphs (workflows): round trip, listing and counts,
// the active graphs and their finished processes in load(), and the removals (one graph, by
// state, with the colony), run against every Store implementation.
#include <algorithm>

#include <gtest/gtest.h>

#include "tests/unit/adapters/storage/store_test_fixture.hpp"

namespace colonies::storage::test {
namespace {

namespace m = ports::mutation;

model::ProcessGraph make_graph(const std::string& colony, const std::string& id, ProcessState state,
                               model::TimeNs submitted = kT0, bool ended = true) {
  model::ProcessGraph g;
  g.processgraphid = id;
  g.initiatorid = hex_id(6000);
  g.initiatorname = "alice";
  g.colonyname = colony;
  g.rootprocessids = {id + "-n1"};
  g.state = state;
  g.submissiontime = submitted;
  g.starttime = submitted + 10;
  g.endtime = ended ? submitted + 20 : 0;
  g.processids = {id + "-n1", id + "-n2"};
  g.progress = {.total = 2, .waiting = 0, .running = 0, .successful = 1, .failed = 1, .cancelled = 0};
  return g;
}

model::Process node(const std::string& colony, const std::string& graphid, const std::string& id, ProcessState state) {
  auto p = make_process(colony, id, state);
  p.processgraphid = graphid;
  return p;
}

class StoreGraphTest : public StoreTest {
 protected:
  std::optional<model::ProcessGraph> get_graph(const std::string& id) {
    auto g = store().get_process_graph(id);
    EXPECT_TRUE(g) << g.error().message;
    return g ? *g : std::nullopt;
  }
  std::vector<std::string> graph_ids(ports::ProcessGraphFilter filter) {
    auto listed = store().list_process_graphs(filter);
    EXPECT_TRUE(listed) << listed.error().message;
    std::vector<std::string> ids;
    if (listed) {
      for (const auto& g : *listed) ids.push_back(g.processgraphid);
    }
    return ids;
  }
  std::int64_t graph_count(const std::string& colony, ProcessState state) {
    auto counts = store().count_process_graphs(colony);
    EXPECT_TRUE(counts) << counts.error().message;
    return counts ? (*counts)[state] : -1;
  }
  using V = std::vector<std::string>;
};

TEST_P(StoreGraphTest, RoundTripsEveryFieldAndReplacesById) {
  auto g = make_graph("c1", hex_id(1), ProcessState::Running, kT0, false);
  apply({m::PutProcessGraph{g}});
  auto stored = get_graph(hex_id(1));
  ASSERT_TRUE(stored);
  EXPECT_EQ(model::to_json(*stored), model::to_json(g));
  g.state = ProcessState::Success;
  g.endtime = kT0 + 99;
  apply({m::PutProcessGraph{g}});
  EXPECT_EQ(model::to_json(*get_graph(hex_id(1))), model::to_json(g));
  EXPECT_FALSE(get_graph(hex_id(2)));
}

TEST_P(StoreGraphTest, ListsNewestFirstByStateWithinTheColonyUpToCount) {
  apply({m::PutProcessGraph{make_graph("c1", hex_id(1), ProcessState::Success, kT0 + 1)},
         m::PutProcessGraph{make_graph("c1", hex_id(2), ProcessState::Failed, kT0 + 2)},
         m::PutProcessGraph{make_graph("c1", hex_id(3), ProcessState::Success, kT0 + 3)},
         m::PutProcessGraph{make_graph("c2", hex_id(4), ProcessState::Success, kT0 + 4)}});
  EXPECT_EQ(graph_ids({.colonyname = "c1"}), (V{hex_id(3), hex_id(2), hex_id(1)}));
  EXPECT_EQ(graph_ids({.colonyname = "c1", .state = ProcessState::Success}), (V{hex_id(3), hex_id(1)}));
  EXPECT_EQ(graph_ids({.colonyname = "c1", .count = 1}), (V{hex_id(3)}));
  EXPECT_EQ(graph_ids({.colonyname = "c3"}), V{});
  EXPECT_EQ(graph_count("c1", ProcessState::Success), 2);
  EXPECT_EQ(graph_count("c1", ProcessState::Failed), 1);
  EXPECT_EQ(graph_count("", ProcessState::Success), 3);
  EXPECT_EQ(graph_count("c1", ProcessState::Waiting), 0);
}

TEST_P(StoreGraphTest, LoadReturnsActiveGraphsWithTheFinishedProcessesOfThem) {
  apply({m::PutProcessGraph{make_graph("c1", hex_id(1), ProcessState::Running, kT0, /*ended=*/false)},
         m::PutProcessGraph{make_graph("c1", hex_id(2), ProcessState::Success, kT0, /*ended=*/true)},
         m::PutProcess{node("c1", hex_id(1), hex_id(11), ProcessState::Success)},
         m::PutProcess{node("c1", hex_id(1), hex_id(12), ProcessState::Waiting)},
         m::PutProcess{node("c1", hex_id(2), hex_id(21), ProcessState::Success)}});
  auto s = load();
  ASSERT_EQ(s.active_graphs.size(), 1u);
  EXPECT_EQ(s.active_graphs[0].processgraphid, hex_id(1));
  ASSERT_EQ(s.finished_graph_processes.size(), 1u);
  EXPECT_EQ(s.finished_graph_processes[0].processid, hex_id(11));
  ASSERT_EQ(s.active_processes.size(), 1u);
  EXPECT_EQ(s.active_processes[0].processid, hex_id(12));
}

TEST_P(StoreGraphTest, RemoveProcessGraphRemovesItsProcessesAndAttributes) {
  apply({m::PutProcessGraph{make_graph("c1", hex_id(1), ProcessState::Success)},
         m::PutProcessGraph{make_graph("c1", hex_id(2), ProcessState::Success)},
         m::PutProcess{node("c1", hex_id(1), hex_id(11), ProcessState::Success)},
         m::PutProcess{node("c1", hex_id(2), hex_id(21), ProcessState::Success)}});
  apply({m::RemoveProcessGraph{hex_id(1)}});
  EXPECT_FALSE(get_graph(hex_id(1)));
  EXPECT_FALSE(get(hex_id(11)));
  auto attribute = store().get_attribute(hex_id(11) + "-a1");
  ASSERT_TRUE(attribute);
  EXPECT_FALSE(*attribute);
  EXPECT_TRUE(get_graph(hex_id(2)));
  EXPECT_TRUE(get(hex_id(21)));
}

TEST_P(StoreGraphTest, RemoveProcessGraphsRemovesOnlyFinishedGraphsOfThatStateAndColony) {
  apply({m::PutProcessGraph{make_graph("c1", hex_id(1), ProcessState::Success)},
         m::PutProcessGraph{make_graph("c1", hex_id(2), ProcessState::Failed)},
         // FAILED but a node still runs: not finished, so kept.
         m::PutProcessGraph{make_graph("c1", hex_id(3), ProcessState::Failed, kT0, /*ended=*/false)},
         m::PutProcessGraph{make_graph("c2", hex_id(4), ProcessState::Failed)},
         m::PutProcess{node("c1", hex_id(2), hex_id(21), ProcessState::Failed)},
         m::PutProcess{node("c1", hex_id(3), hex_id(31), ProcessState::Running)}});
  apply({m::RemoveProcessGraphs{"c1", ProcessState::Failed}});
  EXPECT_TRUE(get_graph(hex_id(1)));
  EXPECT_FALSE(get_graph(hex_id(2)));
  EXPECT_FALSE(get(hex_id(21)));
  EXPECT_TRUE(get_graph(hex_id(3)));
  EXPECT_TRUE(get(hex_id(31)));
  EXPECT_TRUE(get_graph(hex_id(4)));
  apply({m::RemoveProcessGraphs{"c1", std::nullopt}});
  EXPECT_FALSE(get_graph(hex_id(1)));
  EXPECT_TRUE(get_graph(hex_id(3)));
}

TEST_P(StoreGraphTest, RemoveProcessesLeavesTheProcessesOfWorkflows) {
  auto standalone = make_process("c1", hex_id(1), ProcessState::Success);
  standalone.processgraphid.clear();
  apply({m::PutProcess{standalone}, m::PutProcess{node("c1", hex_id(9), hex_id(2), ProcessState::Success)}});
  apply({m::RemoveProcesses{"c1", std::nullopt}});
  EXPECT_FALSE(get(hex_id(1)));
  EXPECT_TRUE(get(hex_id(2)));
}

TEST_P(StoreGraphTest, RemoveColonyRemovesItsGraphs) {
  apply({m::PutProcessGraph{make_graph("doomed", hex_id(1), ProcessState::Running, kT0, false)},
         m::PutProcessGraph{make_graph("kept", hex_id(2), ProcessState::Success)}});
  apply({m::RemoveColony{"doomed"}});
  EXPECT_FALSE(get_graph(hex_id(1)));
  EXPECT_TRUE(get_graph(hex_id(2)));
  EXPECT_TRUE(load().active_graphs.empty());
}

// Retention (PurgeFinished): finished standalone processes submitted before the cutoff and
// graphs that ended before it go, with their processes and attributes; active graphs, unfinished
// processes, newer work and newer logs stay.
TEST_P(StoreGraphTest, PurgeFinishedRemovesOnlyFinishedWorkOlderThanTheCutoff) {
  const model::TimeNs cutoff = kT0 + 1000;
  auto standalone = [](const std::string& colony, const std::string& id, ProcessState state, model::TimeNs submitted) {
    auto p = make_process(colony, id, state, submitted);
    p.processgraphid.clear();
    return p;
  };
  apply({m::PutProcess{standalone("c1", hex_id(1), ProcessState::Success, kT0)},     // old, done: goes
         m::PutProcess{standalone("c2", hex_id(2), ProcessState::Failed, kT0)},      // other colony: goes too
         m::PutProcess{standalone("c1", hex_id(3), ProcessState::Running, kT0)},     // old, running: stays
         m::PutProcess{standalone("c1", hex_id(4), ProcessState::Success, cutoff)},  // new enough: stays
         m::PutProcessGraph{make_graph("c1", hex_id(10), ProcessState::Success, kT0)},  // ended kT0+20: goes
         m::PutProcess{node("c1", hex_id(10), hex_id(11), ProcessState::Success)},
         m::PutProcessGraph{make_graph("c1", hex_id(20), ProcessState::Running, kT0, /*ended=*/false)},  // active
         m::PutProcess{node("c1", hex_id(20), hex_id(21), ProcessState::Success)},
         m::PutProcessGraph{make_graph("c1", hex_id(30), ProcessState::Failed, cutoff)},  // ended after: stays
         m::AppendLog{make_log("c1", hex_id(1), "exec-1", kT0, "old")},
         m::AppendLog{make_log("c1", hex_id(3), "exec-1", cutoff + 1, "new")}});
  apply({m::PurgeFinished{cutoff}});
  EXPECT_FALSE(get(hex_id(1)));
  EXPECT_FALSE(get(hex_id(2)));
  EXPECT_TRUE(get(hex_id(3)));
  EXPECT_TRUE(get(hex_id(4)));
  EXPECT_FALSE(get_graph(hex_id(10)));
  EXPECT_FALSE(get(hex_id(11)));
  auto attribute = store().get_attribute(hex_id(11) + "-a1");
  ASSERT_TRUE(attribute);
  EXPECT_FALSE(*attribute);
  EXPECT_TRUE(get_graph(hex_id(20)));
  EXPECT_TRUE(get(hex_id(21)));
  EXPECT_TRUE(get_graph(hex_id(30)));
  EXPECT_TRUE(log_messages({.colonyname = "c1", .processid = hex_id(1)}).empty());
  EXPECT_EQ(log_messages({.colonyname = "c1", .processid = hex_id(3)}), (std::vector<std::string>{"new"}));
  // A cutoff at or before 1970 is refused rather than taken as "delete nothing" or "everything".
  ports::Mutation bad = m::PurgeFinished{0};
  EXPECT_FALSE(store().apply(std::span<const ports::Mutation>(&bad, 1)));
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreGraphTest, ::testing::ValuesIn(store_kinds()),
                         store_kind_name);

}  // namespace
}  // namespace colonies::storage::test
