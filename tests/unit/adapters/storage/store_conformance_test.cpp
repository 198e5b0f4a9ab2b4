// The Store port's conformance suite: every behaviour the server relies on, run against every
// Store implementation (SqliteStore on a temporary file, MemoryStore). Log queries are in
// store_log_conformance_test.cpp; adapter-specific behaviour (reopen, migrations, file errors)
// is in sqlite_store_test.cpp.
#include <atomic>
#include <memory>
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/memory_store.hpp"
#include "tests/unit/adapters/storage/store_test_fixture.hpp"

namespace colonies::storage::test {
namespace {

namespace m = ports::mutation;

// --- server id, colonies and the small entities ---

TEST_P(StoreTest, LoadsEmptySnapshotFromNewStore) {
  auto s = load();
  EXPECT_FALSE(s.server_id);
  EXPECT_TRUE(s.colonies.empty());
  EXPECT_TRUE(s.users.empty());
  EXPECT_TRUE(s.executors.empty());
  EXPECT_TRUE(s.locations.empty());
  EXPECT_TRUE(s.functions.empty());
  EXPECT_TRUE(s.active_processes.empty());
  EXPECT_TRUE(s.paused_colonies.empty());
}

TEST_P(StoreTest, RoundTripsServerIdAndReplacesIt) {
  apply({m::SetServerId{hex_id(1)}});
  EXPECT_EQ(load().server_id, hex_id(1));
  apply({m::SetServerId{hex_id(2)}});
  EXPECT_EQ(load().server_id, hex_id(2));
}

TEST_P(StoreTest, RoundTripsEveryFieldOfTheSmallEntities) {
  auto colony = make_colony("c1");
  auto user = make_user("c1", "alice");
  auto executor = make_executor("c1", "exec-1");
  auto location = make_location("c1", "lumi");
  auto function = make_function("c1", hex_id(9));
  apply({m::PutColony{colony}, m::PutUser{user}, m::PutExecutor{executor}, m::PutLocation{location},
         m::PutFunction{function}});

  auto s = load();
  ASSERT_EQ(s.colonies.size(), 1u);
  EXPECT_EQ(as_json(s.colonies[0]), as_json(colony));
  ASSERT_EQ(s.users.size(), 1u);
  EXPECT_EQ(as_json(s.users[0]), as_json(user));
  ASSERT_EQ(s.executors.size(), 1u);
  EXPECT_EQ(as_json(s.executors[0]), as_json(executor));
  ASSERT_EQ(s.locations.size(), 1u);
  EXPECT_EQ(as_json(s.locations[0]), as_json(location));
  ASSERT_EQ(s.functions.size(), 1u);
  EXPECT_EQ(as_json(s.functions[0]), as_json(function));
}

TEST_P(StoreTest, PutReplacesEntitiesByTheirKeys) {
  auto colony = make_colony("c1");
  auto user = make_user("c1", "alice");
  auto executor = make_executor("c1", "exec-1");
  auto location = make_location("c1", "lumi");
  auto function = make_function("c1", hex_id(9));
  apply({m::PutColony{colony}, m::PutUser{user}, m::PutExecutor{executor}, m::PutLocation{location},
         m::PutFunction{function}});
  colony.colonyid = hex_id(77);
  user.email = "new@example.org";
  executor.state = model::ExecutorState::Rejected;
  location.description = "moved";
  function.counter = 8;
  apply({m::PutColony{colony}, m::PutUser{user}, m::PutExecutor{executor}, m::PutLocation{location},
         m::PutFunction{function}});

  auto s = load();
  ASSERT_EQ(s.colonies.size(), 1u);
  EXPECT_EQ(s.colonies[0].colonyid, hex_id(77));
  ASSERT_EQ(s.users.size(), 1u);
  EXPECT_EQ(s.users[0].email, "new@example.org");
  ASSERT_EQ(s.executors.size(), 1u);
  EXPECT_EQ(s.executors[0].state, model::ExecutorState::Rejected);
  ASSERT_EQ(s.locations.size(), 1u);
  EXPECT_EQ(s.locations[0].description, "moved");
  ASSERT_EQ(s.functions.size(), 1u);
  EXPECT_EQ(s.functions[0].counter, 8);
}

TEST_P(StoreTest, KeysSmallEntitiesByColonyAndName) {
  apply({m::PutUser{make_user("c1", "alice")}, m::PutUser{make_user("c2", "alice")},
         m::PutExecutor{make_executor("c1", "e")}, m::PutExecutor{make_executor("c2", "e")},
         m::PutLocation{make_location("c1", "l")}, m::PutLocation{make_location("c2", "l")}});
  apply({m::RemoveUser{"c1", "alice"}, m::RemoveExecutor{"c1", "e"}, m::RemoveLocation{"c1", "l"}});

  auto s = load();
  ASSERT_EQ(s.users.size(), 1u);
  EXPECT_EQ(s.users[0].colonyname, "c2");
  ASSERT_EQ(s.executors.size(), 1u);
  EXPECT_EQ(s.executors[0].colonyname, "c2");
  ASSERT_EQ(s.locations.size(), 1u);
  EXPECT_EQ(s.locations[0].colonyname, "c2");
}

TEST_P(StoreTest, RemovesFunctionById) {
  apply({m::PutFunction{make_function("c1", hex_id(1))}, m::PutFunction{make_function("c1", hex_id(2))}});
  apply({m::RemoveFunction{hex_id(1)}});
  auto s = load();
  ASSERT_EQ(s.functions.size(), 1u);
  EXPECT_EQ(s.functions[0].functionid, hex_id(2));
}

TEST_P(StoreTest, RemovingWhatDoesNotExistSucceeds) {
  apply({m::RemoveColony{"none"}, m::RemoveUser{"none", "x"}, m::RemoveExecutor{"none", "x"},
         m::RemoveLocation{"none", "x"}, m::RemoveFunction{hex_id(1)}, m::RemoveProcess{hex_id(1)},
         m::RemoveProcesses{"none", std::nullopt}, m::SetPaused{"none", false}});
}

TEST_P(StoreTest, SetPausedAddsAndClearsThePauseFlag) {
  apply({m::SetPaused{"c1", true}, m::SetPaused{"c2", true}, m::SetPaused{"c2", true}});
  EXPECT_EQ(load().paused_colonies, (std::vector<std::string>{"c1", "c2"}));
  apply({m::SetPaused{"c1", false}});
  EXPECT_EQ(load().paused_colonies, (std::vector<std::string>{"c2"}));
}

TEST_P(StoreTest, AppliesMutationsInBatchOrder) {
  apply({m::PutColony{make_colony("gone")}, m::RemoveColony{"gone"}, m::RemoveColony{"kept"},
         m::PutColony{make_colony("kept")}});
  auto s = load();
  ASSERT_EQ(s.colonies.size(), 1u);
  EXPECT_EQ(s.colonies[0].name, "kept");
}

TEST_P(StoreTest, AcceptsAnEmptyBatch) { apply({}); }

// --- processes and attributes ---

TEST_P(StoreTest, RoundTripsEveryFieldOfAProcess) {
  auto p = make_process("c1", hex_id(1), ProcessState::Running);
  apply({m::PutProcess{p}});
  auto got = get(hex_id(1));
  ASSERT_TRUE(got);
  EXPECT_EQ(as_json(*got), as_json(p));
}

TEST_P(StoreTest, ReturnsNoProcessOrAttributeForUnknownIds) {
  EXPECT_FALSE(get(hex_id(1)));
  auto a = store().get_attribute("nope");
  ASSERT_TRUE(a);
  EXPECT_FALSE(*a);
}

TEST_P(StoreTest, DoesNotStoreWaitReason) {
  auto p = make_process("c1", hex_id(1));
  p.waitreason = "no executor of type slurm";
  apply({m::PutProcess{p}});
  auto got = get(hex_id(1));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->waitreason, "");
}

TEST_P(StoreTest, PutProcessReplacesTheProcessAndItsAttributes) {
  auto p = make_process("c1", hex_id(1));
  apply({m::PutProcess{p}});
  p.state = ProcessState::Success;
  p.attributes = {make_attribute("new", hex_id(1), "c1", "k")};
  apply({m::PutProcess{p}});

  auto got = get(hex_id(1));
  ASSERT_TRUE(got);
  EXPECT_EQ(as_json(*got), as_json(p));
  auto old = store().get_attribute(hex_id(1) + "-a1");
  ASSERT_TRUE(old);
  EXPECT_FALSE(*old);
  auto fresh = store().get_attribute("new");
  ASSERT_TRUE(fresh && *fresh);
  EXPECT_EQ(as_json(**fresh), as_json(p.attributes[0]));
}

TEST_P(StoreTest, RemoveProcessRemovesItsAttributes) {
  apply({m::PutProcess{make_process("c1", hex_id(1))}, m::PutProcess{make_process("c1", hex_id(2))}});
  apply({m::RemoveProcess{hex_id(1)}});
  EXPECT_FALSE(get(hex_id(1)));
  EXPECT_TRUE(get(hex_id(2)));
  auto removed = store().get_attribute(hex_id(1) + "-a1");
  ASSERT_TRUE(removed);
  EXPECT_FALSE(*removed);
  auto kept = store().get_attribute(hex_id(2) + "-a1");
  ASSERT_TRUE(kept);
  EXPECT_TRUE(*kept);
}

// make_process fills every field, processgraphid included; RemoveProcesses leaves the processes
// of workflows to their graphs (store_graph_conformance_test.cpp), so these are standalone.
model::Process standalone(const std::string& colony, const std::string& id, ProcessState state) {
  auto p = make_process(colony, id, state);
  p.processgraphid.clear();
  return p;
}

TEST_P(StoreTest, RemoveProcessesWithStateRemovesOnlyThatStateInThatColony) {
  apply({m::PutProcess{standalone("c1", hex_id(1), ProcessState::Success)},
         m::PutProcess{standalone("c1", hex_id(2), ProcessState::Failed)},
         m::PutProcess{standalone("c2", hex_id(3), ProcessState::Success)}});
  apply({m::RemoveProcesses{"c1", ProcessState::Success}});
  EXPECT_FALSE(get(hex_id(1)));
  EXPECT_TRUE(get(hex_id(2)));
  EXPECT_TRUE(get(hex_id(3)));
  auto attribute = store().get_attribute(hex_id(1) + "-a1");
  ASSERT_TRUE(attribute);
  EXPECT_FALSE(*attribute);
}

TEST_P(StoreTest, RemoveProcessesWithoutStateRemovesAllOfTheColony) {
  apply({m::PutProcess{standalone("c1", hex_id(1), ProcessState::Waiting)},
         m::PutProcess{standalone("c1", hex_id(2), ProcessState::Failed)},
         m::PutProcess{standalone("c2", hex_id(3), ProcessState::Success)}});
  apply({m::RemoveProcesses{"c1", std::nullopt}});
  EXPECT_FALSE(get(hex_id(1)));
  EXPECT_FALSE(get(hex_id(2)));
  EXPECT_TRUE(get(hex_id(3)));
  EXPECT_EQ(count("c1", ProcessState::Waiting) + count("c1", ProcessState::Failed), 0);
}

TEST_P(StoreTest, LoadReturnsOnlyWaitingAndRunningProcesses) {
  apply({m::PutProcess{make_process("c1", hex_id(1), ProcessState::Waiting)},
         m::PutProcess{make_process("c1", hex_id(2), ProcessState::Running)},
         m::PutProcess{make_process("c1", hex_id(3), ProcessState::Success)},
         m::PutProcess{make_process("c2", hex_id(4), ProcessState::Failed)},
         m::PutProcess{make_process("c2", hex_id(5), ProcessState::Cancelled)},
         m::PutProcess{make_process("c2", hex_id(6), ProcessState::Waiting)}});
  std::vector<std::string> ids;
  for (const auto& p : load().active_processes) ids.push_back(p.processid);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{hex_id(1), hex_id(2), hex_id(6)}));
}

TEST_P(StoreTest, RemoveColonyCascadesToEverythingInIt) {
  for (const std::string colony : {"doomed", "kept"}) {
    int base = colony == "doomed" ? 100 : 200;
    apply({m::PutColony{make_colony(colony)}, m::PutUser{make_user(colony, "alice")},
           m::PutExecutor{make_executor(colony, "exec-1")}, m::PutLocation{make_location(colony, "lumi")},
           m::PutFunction{make_function(colony, hex_id(base))},
           m::PutProcess{make_process(colony, hex_id(base + 1), ProcessState::Waiting)},
           m::PutProcess{make_process(colony, hex_id(base + 2), ProcessState::Success)},
           m::AppendLog{make_log(colony, hex_id(base + 1), "exec-1", kT0, "hello")},
           m::SetPaused{colony, true}});
  }
  apply({m::RemoveColony{"doomed"}});

  auto s = load();
  auto only_kept = [](const auto& items, auto colony_of) {
    return items.size() == 1 && colony_of(items[0]) == "kept";
  };
  EXPECT_TRUE(only_kept(s.colonies, [](const auto& c) { return c.name; }));
  EXPECT_TRUE(only_kept(s.users, [](const auto& u) { return u.colonyname; }));
  EXPECT_TRUE(only_kept(s.executors, [](const auto& e) { return e.colonyname; }));
  EXPECT_TRUE(only_kept(s.locations, [](const auto& l) { return l.colonyname; }));
  EXPECT_TRUE(only_kept(s.functions, [](const auto& f) { return f.colonyname; }));
  EXPECT_TRUE(only_kept(s.active_processes, [](const auto& p) { return p.spec.conditions.colonyname; }));
  EXPECT_EQ(s.paused_colonies, (std::vector<std::string>{"kept"}));
  EXPECT_FALSE(get(hex_id(101)));
  EXPECT_FALSE(get(hex_id(102)));
  EXPECT_TRUE(get(hex_id(202)));
  auto attribute = store().get_attribute(hex_id(102) + "-a1");
  ASSERT_TRUE(attribute);
  EXPECT_FALSE(*attribute);
  EXPECT_TRUE(log_messages({.colonyname = "doomed", .processid = hex_id(101)}).empty());
  EXPECT_EQ(log_messages({.colonyname = "kept", .processid = hex_id(201)}), (std::vector<std::string>{"hello"}));
  EXPECT_EQ(count("doomed", ProcessState::Success), 0);
  EXPECT_EQ(count("kept", ProcessState::Success), 1);
}

// --- list and count ---

TEST_P(StoreTest, ListsMostRecentFirstLimitedByCount) {
  std::vector<ports::Mutation> batch;
  for (int i = 1; i <= 5; ++i) batch.push_back(m::PutProcess{make_process("c1", hex_id(i), ProcessState::Waiting, kT0 + i)});
  apply(batch);
  EXPECT_EQ(list_ids({.colonyname = "c1", .count = 3}), (std::vector<std::string>{hex_id(5), hex_id(4), hex_id(3)}));
  EXPECT_EQ(list_ids({.colonyname = "c1", .count = 100}).size(), 5u);
  EXPECT_TRUE(list_ids({.colonyname = "c1", .count = 0}).empty());
  EXPECT_TRUE(list_ids({.colonyname = "other"}).empty());
}

TEST_P(StoreTest, PagesWithACursorWithoutSkippingOrRepeatingProcessesOfTheSameSubmissionTime) {
  // Five processes, three of them submitted in the same nanosecond: the cursor's processid
  // breaks the tie, so a page boundary inside the tie loses and repeats nothing.
  std::vector<ports::Mutation> batch;
  for (int i = 1; i <= 5; ++i) batch.push_back(m::PutProcess{make_process("c1", hex_id(i), ProcessState::Success, i <= 3 ? kT0 : kT0 + i)});
  apply(batch);
  std::vector<std::string> all;
  ports::ProcessFilter filter{.colonyname = "c1", .count = 2};
  for (int page = 0; page < 10; ++page) {
    auto listed = list(filter);
    if (listed.empty()) break;
    for (const auto& p : listed) all.push_back(p.processid);
    filter.before = {.submissiontime = listed.back().submissiontime, .processid = listed.back().processid};
  }
  EXPECT_EQ(all, (std::vector<std::string>{hex_id(5), hex_id(4), hex_id(3), hex_id(2), hex_id(1)}));
  // The cursor combines with the other filters.
  EXPECT_EQ(list_ids({.colonyname = "c1", .submitted_after = kT0 - 1, .count = 10,
                      .before = {.submissiontime = kT0, .processid = hex_id(2)}}),
            (std::vector<std::string>{hex_id(1)}));
}

TEST_P(StoreTest, ListReturnsFullProcesses) {
  auto p = make_process("c1", hex_id(1));
  apply({m::PutProcess{p}});
  auto listed = list({.colonyname = "c1"});
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(as_json(listed[0]), as_json(p));
}

TEST_P(StoreTest, ListFiltersByEveryGivenField) {
  auto base = [](int n, ProcessState state) { return make_process("c1", hex_id(n), state, kT0 + n); };
  auto typed = base(2, ProcessState::Waiting);
  typed.spec.conditions.executortype = "k8s";
  auto labelled = base(3, ProcessState::Waiting);
  labelled.spec.label = "weekly";
  auto by_bob = base(4, ProcessState::Waiting);
  by_bob.initiatorname = "bob";
  auto assigned = base(5, ProcessState::Running);
  assigned.assignedexecutorid = hex_id(42);
  apply({m::PutProcess{base(1, ProcessState::Success)}, m::PutProcess{typed}, m::PutProcess{labelled},
         m::PutProcess{by_bob}, m::PutProcess{assigned}});

  using V = std::vector<std::string>;
  EXPECT_EQ(list_ids({.colonyname = "c1", .state = ProcessState::Success}), V{hex_id(1)});
  EXPECT_EQ(list_ids({.colonyname = "c1", .executortype = "k8s"}), V{hex_id(2)});
  EXPECT_EQ(list_ids({.colonyname = "c1", .label = "weekly"}), V{hex_id(3)});
  EXPECT_EQ(list_ids({.colonyname = "c1", .initiatorname = "bob"}), V{hex_id(4)});
  EXPECT_EQ(list_ids({.colonyname = "c1", .assignedexecutorid = hex_id(42)}), V{hex_id(5)});
  EXPECT_EQ(list_ids({.colonyname = "c1", .submitted_after = kT0 + 3}), (V{hex_id(5), hex_id(4)}));
  EXPECT_EQ(list_ids({.colonyname = "c1", .state = ProcessState::Waiting, .initiatorname = "alice"}),
            (V{hex_id(3), hex_id(2)}));
  EXPECT_TRUE(list_ids({.colonyname = "c1", .state = ProcessState::Failed}).empty());
}

TEST_P(StoreTest, CountsProcessesPerStateForAColonyAndTheServer) {
  apply({m::PutProcess{make_process("c1", hex_id(1), ProcessState::Waiting)},
         m::PutProcess{make_process("c1", hex_id(2), ProcessState::Waiting)},
         m::PutProcess{make_process("c1", hex_id(3), ProcessState::Running)},
         m::PutProcess{make_process("c2", hex_id(4), ProcessState::Waiting)},
         m::PutProcess{make_process("c2", hex_id(5), ProcessState::Cancelled)}});
  auto c1 = store().count_processes("c1");
  ASSERT_TRUE(c1);
  EXPECT_EQ(*c1, (std::map<ProcessState, std::int64_t>{{ProcessState::Waiting, 2}, {ProcessState::Running, 1},
                                                       {ProcessState::Success, 0}, {ProcessState::Failed, 0},
                                                       {ProcessState::Cancelled, 0}}));
  auto all = store().count_processes("");
  ASSERT_TRUE(all);
  EXPECT_EQ(*all, (std::map<ProcessState, std::int64_t>{{ProcessState::Waiting, 3}, {ProcessState::Running, 1},
                                                        {ProcessState::Success, 0}, {ProcessState::Failed, 0},
                                                        {ProcessState::Cancelled, 1}}));
}

// --- atomicity and concurrency ---

TEST_P(StoreTest, RejectsABatchWithAnInvalidMutationAndAppliesNoneOfIt) {
  apply({m::PutColony{make_colony("before")}});
  std::vector<ports::Mutation> batch{m::PutColony{make_colony("c1")}, m::PutProcess{make_process("c1", hex_id(1))},
                                     m::RemoveColony{"before"}, m::AppendLog{make_log("c1", "p", "e", kT0, "x")},
                                     m::PutUser{make_user("c1", "")}};
  auto applied = store().apply(batch);
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().code, ErrorCode::BadRequest);

  auto s = load();
  ASSERT_EQ(s.colonies.size(), 1u);
  EXPECT_EQ(s.colonies[0].name, "before");
  EXPECT_FALSE(get(hex_id(1)));
  EXPECT_TRUE(search("c1", "x").empty());
  // The store is still usable after the rollback.
  apply({m::PutColony{make_colony("after")}});
  EXPECT_EQ(load().colonies.size(), 2u);
}

TEST_P(StoreTest, RejectsMutationsWithEmptyKeys) {
  auto nameless = make_process("c1", "");
  auto colonyless = make_process("", hex_id(1));
  auto attributeless = make_process("c1", hex_id(2));
  attributeless.attributes[0].attributeid = "";
  for (const ports::Mutation& bad :
       std::vector<ports::Mutation>{m::SetServerId{""}, m::PutColony{make_colony("")}, m::RemoveColony{""},
                                    m::PutExecutor{make_executor("c1", "")}, m::PutLocation{make_location("", "l")},
                                    m::PutFunction{make_function("c1", "")}, m::PutProcess{nameless},
                                    m::PutProcess{colonyless}, m::PutProcess{attributeless},
                                    m::RemoveProcesses{"", std::nullopt}, m::AppendLog{make_log("", "p", "e", 1, "m")},
                                    m::SetPaused{"", true}, m::PutProcessGraph{model::ProcessGraph{}},
                                    m::RemoveProcessGraph{""}, m::RemoveProcessGraphs{"", std::nullopt}}) {
    auto applied = store().apply(std::span(&bad, 1));
    ASSERT_FALSE(applied) << "mutation index " << bad.index();
    EXPECT_EQ(applied.error().code, ErrorCode::BadRequest);
  }
}

TEST_P(StoreTest, ReadersSeeWholeBatchesWhileApplyRuns) {
  constexpr int kBatches = 40;
  constexpr int kPerBatch = 25;
  std::atomic<bool> done = false;
  std::atomic<int> torn = 0;
  std::atomic<int> errors = 0;
  std::atomic<int> reads = 0;
  auto reader = [&](int which) {
    while (!done.load()) {
      if (which == 0) {
        auto counts = store().count_processes("c1");
        if (!counts) ++errors;
        else if ((*counts)[ProcessState::Waiting] % kPerBatch != 0) ++torn;
      } else if (which == 1) {
        auto s = store().load();
        if (!s) ++errors;
        else if (s->active_processes.size() % kPerBatch != 0) ++torn;
      } else {
        auto listed = store().list_processes({.colonyname = "c1", .count = 10'000});
        if (!listed) ++errors;
        else if (listed->size() % kPerBatch != 0) ++torn;
      }
      ++reads;
    }
  };
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) readers.emplace_back(reader, i);
  for (int b = 0; b < kBatches; ++b) {
    std::vector<ports::Mutation> batch;
    for (int i = 0; i < kPerBatch; ++i) {
      int n = b * kPerBatch + i + 1;
      batch.push_back(m::PutProcess{make_process("c1", hex_id(n), ProcessState::Waiting, kT0 + n)});
    }
    auto applied = store().apply(batch);
    EXPECT_TRUE(applied) << applied.error().message;
    if (!applied) break;  // still join the readers below
  }
  // On a loaded machine the readers may not have been scheduled yet: give each a chance to read
  // at least once (they then see the final, whole state) instead of failing on "no reads".
  for (int i = 0; i < 10'000 && reads.load() < 3; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(torn.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(count("c1", ProcessState::Waiting), kBatches * kPerBatch);
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreTest, ::testing::ValuesIn(store_kinds()), store_kind_name);

// MemoryStore's own test hook, which the server's tests use to simulate a failing disk.
TEST(MemoryStoreTest, FailsTheNextApplyWhenToldAndAppliesNothing) {
  colonies::testing::MemoryStore store;
  store.fail_next_apply();
  std::vector<ports::Mutation> batch{m::PutColony{make_colony("c1")}};
  auto failed = store.apply(batch);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::Unavailable);
  ASSERT_TRUE(store.load());
  EXPECT_TRUE(store.load()->colonies.empty());
  EXPECT_TRUE(store.apply(batch));
  EXPECT_EQ(store.load()->colonies.size(), 1u);
}

}  // namespace
}  // namespace colonies::storage::test
