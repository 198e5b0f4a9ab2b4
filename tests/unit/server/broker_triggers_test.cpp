// Crons and generators through the broker, on the fake clock: validation at add, a cron starting
// its workflow when due (interval, expression, random), waitforprevprocessgraph (and a cancelled
// previous run not blocking), leaves' outputs passed to the next run, runcronmsg checking the
// caller first, generator release in pack order (full batches, timeout), leader-only, restart.
#include <gtest/gtest.h>

#include "tests/unit/server/broker_fixture.hpp"

namespace colonies::server::api {
namespace {

using testing::describe;
using testing::error_message;

class BrokerTriggersTest : public BrokerTest {
 protected:
  static json::object node(const std::string& name, std::vector<std::string> deps = {}) {
    json::array d;
    for (auto& dep : deps) d.emplace_back(dep);
    return json::object{{"nodename", name},
                        {"funcname", "fn-" + name},
                        {"args", json::array{"spec-arg"}},
                        {"conditions", json::object{{"executortype", "worker"}, {"dependencies", std::move(d)}}}};
  }
  // A two-node workflow: "first" then "second".
  std::string chain() const {
    return json::serialize(json::object{{"colonyname", colony_.name}, {"functionspecs", json::array{node("first"), node("second", {"first"})}}});
  }
  ApiReply add_cron(json::object fields) {
    fields["colonyname"] = colony_.name;
    if (!fields.contains("name")) fields["name"] = "nightly";
    if (!fields.contains("workflowspec")) fields["workflowspec"] = chain();
    return h_.call(user_, msg::kAddCron, {{"cron", std::move(fields)}});
  }
  std::string add_cron_ok(json::object fields) {
    auto r = add_cron(std::move(fields));
    EXPECT_EQ(r.status, 200) << describe(r);
    return r.status == 200 ? std::string(r.payload.at("cronid").as_string()) : std::string();
  }
  json::object cron(const std::string& id) {
    auto r = h_.call(user_, msg::kGetCron, {{"cronid", id}});
    EXPECT_EQ(r.status, 200) << describe(r);
    return r.payload.is_object() ? r.payload.as_object() : json::object{};
  }
  std::string prev_graph(const std::string& cronid) { return std::string(cron(cronid).at("prevprocessgraphid").as_string()); }
  // Runs (assigns and closes successful) every process the executor can get; returns how many.
  int run_all() {
    int ran = 0;
    for (;;) {
      auto r = h_.assign(executor_, colony_.name);
      if (r.status != 200) return ran;
      ++ran;
      EXPECT_EQ(h_.close_successful(executor_, id_of(r)).status, 200);
    }
  }
  json::object assign() {
    auto r = h_.assign(executor_, colony_.name);
    return r.status == 200 ? r.payload.as_object() : json::object{};
  }
  ApiReply close(const json::object& p, json::array out) {
    return h_.call(executor_, msg::kCloseSuccessful, {{"processid", p.at("processid")}, {"out", std::move(out)}});
  }
  int graph_count() {
    auto r = h_.call(user_, msg::kGetProcessGraphs, {{"colonyname", colony_.name}, {"count", 100}});
    EXPECT_EQ(r.status, 200) << describe(r);
    return r.payload.is_array() ? static_cast<int>(r.payload.as_array().size()) : -1;
  }
};

TEST_F(BrokerTriggersTest, AddRefusesBadTimingAndBadWorkflowsWithClearErrors) {
  struct Case {
    json::object fields;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {{{"interval", 0}}, "interval"},
      {{{"interval", -1}, {"cronexpression", "* * *"}}, "expected 6 fields"},
      {{{"interval", -1}, {"cronexpression", "0 * * * * *"}, {"random", true}}, "random"},
      {{{"interval", 10}, {"workflowspec", "{not json"}}, "not valid JSON"},
      {{{"interval", 10}, {"workflowspec", json::serialize(json::object{{"colonyname", colony_.name}, {"functionspecs", json::array{node("a", {"ghost"})}}})}},
       "ghost"},
      {{{"interval", 10}, {"workflowspec", json::serialize(json::object{{"colonyname", "other"}, {"functionspecs", json::array{node("a")}}})}},
       "other"},
  };
  for (const auto& c : cases) {
    auto r = add_cron(c.fields);
    EXPECT_EQ(r.status, 400) << json::serialize(c.fields) << " -> " << describe(r);
    EXPECT_NE(error_message(r).find(c.message_part), std::string::npos) << error_message(r);
  }
  add_cron_ok({{"interval", 10}});
  auto dup = add_cron({{"interval", 10}});
  EXPECT_EQ(dup.status, 409) << describe(dup);
}

TEST_F(BrokerTriggersTest, AnIntervalCronStartsItsWorkflowWhenDueAndReschedules) {
  const std::string id = add_cron_ok({{"interval", 60}});
  h_.advance_and_tick(59);
  EXPECT_EQ(graph_count(), 0);
  h_.advance_and_tick(2);
  EXPECT_EQ(graph_count(), 1);
  auto c = cron(id);
  EXPECT_FALSE(std::string(c.at("prevprocessgraphid").as_string()).empty());
  EXPECT_NE(c.at("lastrun").as_string(), "0001-01-01T00:00:00Z");
  // The next run is an interval after this start, not after the original due time.
  h_.advance_and_tick(59);
  EXPECT_EQ(graph_count(), 1);
  h_.advance_and_tick(2);
  EXPECT_EQ(graph_count(), 2);
}

TEST_F(BrokerTriggersTest, AnExpressionCronRunsOnItsSchedule) {
  add_cron_ok({{"cronexpression", "*/30 * * * * *"}});  // every 30 s, on :00 and :30
  int started = 0;
  for (int s = 0; s < 120; ++s) {
    h_.advance_and_tick(1);
  }
  started = graph_count();
  EXPECT_GE(started, 3);
  EXPECT_LE(started, 5);
}

TEST_F(BrokerTriggersTest, ARandomCronDrawsEachWaitFromTheRandomSource) {
  h_.random().push(5);
  h_.random().push(50);
  add_cron_ok({{"interval", 60}, {"random", true}});
  h_.advance_and_tick(4);
  EXPECT_EQ(graph_count(), 0);
  h_.advance_and_tick(2);  // 6 s: the first draw was 5
  EXPECT_EQ(graph_count(), 1);
  h_.advance_and_tick(48);
  EXPECT_EQ(graph_count(), 1);
  h_.advance_and_tick(3);  // the second draw was 50 s after the start
  EXPECT_EQ(graph_count(), 2);
  for (const auto& [lo, hi] : h_.random().requests()) {
    EXPECT_EQ(lo, 1);
    EXPECT_EQ(hi, 60);
  }
}

TEST_F(BrokerTriggersTest, WaitForPreviousHoldsADueCronUntilThePreviousRunEnded) {
  const std::string id = add_cron_ok({{"interval", 10}, {"waitforprevprocessgraph", true}});
  h_.advance_and_tick(11);
  ASSERT_EQ(graph_count(), 1);
  h_.advance_and_tick(11);
  EXPECT_EQ(graph_count(), 1) << "the previous run is still waiting";
  auto run = h_.call(user_, msg::kRunCron, {{"cronid", id}});
  EXPECT_EQ(run.status, 409) << describe(run);
  EXPECT_EQ(graph_count(), 1);
  EXPECT_EQ(run_all(), 2);
  h_.advance_and_tick(1);
  EXPECT_EQ(graph_count(), 2) << "a due cron starts at the first check after its previous run ended";
}

TEST_F(BrokerTriggersTest, ACancelledPreviousRunDoesNotBlockTheCron) {
  const std::string id = add_cron_ok({{"interval", 10}, {"waitforprevprocessgraph", true}});
  h_.advance_and_tick(11);
  ASSERT_EQ(graph_count(), 1);
  auto cancelled = h_.call(user_, msg::kCancelProcessGraph, {{"processgraphid", prev_graph(id)}});
  ASSERT_EQ(cancelled.status, 200) << describe(cancelled);
  h_.advance_and_tick(11);
  EXPECT_EQ(graph_count(), 2);
}

TEST_F(BrokerTriggersTest, TheRootsOfARunReceiveTheLeafOutputsOfThePreviousRun) {
  const std::string id = add_cron_ok({{"interval", 3600}});
  auto first_run = h_.call(user_, msg::kRunCron, {{"cronid", id}});
  ASSERT_EQ(first_run.status, 200) << describe(first_run);
  auto root = assign();
  ASSERT_FALSE(root.empty());
  EXPECT_TRUE(root.at("in").as_array().empty());
  ASSERT_EQ(close(root, {"from-first"}).status, 200);
  auto leaf = assign();
  ASSERT_FALSE(leaf.empty());
  ASSERT_EQ(close(leaf, {"leaf-out-1", "leaf-out-2"}).status, 200);
  ASSERT_EQ(h_.call(user_, msg::kRunCron, {{"cronid", id}}).status, 200);
  auto next_root = assign();
  ASSERT_FALSE(next_root.empty());
  EXPECT_EQ(json::serialize(next_root.at("in")), R"(["leaf-out-1","leaf-out-2"])");
  // The output survives a restart of the server between the runs too.
  ASSERT_EQ(close(next_root, {}).status, 200);
  auto next_leaf = assign();
  ASSERT_EQ(close(next_leaf, {"after-restart"}).status, 200);
  h_.flush();
  auto restarted = h_.restart();
  auto again = restarted->call(user_, msg::kRunCron, {{"cronid", id}});
  ASSERT_EQ(again.status, 200) << describe(again);
  auto r = restarted->assign(executor_, colony_.name);
  ASSERT_EQ(r.status, 200) << describe(r);
  EXPECT_EQ(json::serialize(r.payload.at("in")), R"(["after-restart"])");
}

TEST_F(BrokerTriggersTest, RunCronChecksTheCallerBeforeStartingAnything) {
  const std::string id = add_cron_ok({{"interval", 3600}});
  auto stranger_colony = h_.add_colony("beta");
  auto stranger = h_.add_user(stranger_colony, "stranger");
  auto r = h_.call(stranger, msg::kRunCron, {{"cronid", id}});
  EXPECT_EQ(r.status, 403) << describe(r);
  EXPECT_EQ(graph_count(), 0);
}

TEST_F(BrokerTriggersTest, ACronStopsStartingWorkOnceItsInitiatorLeftTheColony) {
  add_cron_ok({{"interval", 10}});
  ASSERT_EQ(h_.call(colony_.owner, msg::kRemoveUser, {{"colonyname", colony_.name}, {"name", "user"}}).status, 200);
  h_.advance_and_tick(11);
  auto r = h_.call(executor_, msg::kGetProcessGraphs, {{"colonyname", colony_.name}, {"count", 100}});
  ASSERT_EQ(r.status, 200) << describe(r);
  EXPECT_TRUE(r.payload.as_array().empty());
}

// Key rotation keeps ownership: the cron acts for the user, whatever key the user signs with now.
TEST_F(BrokerTriggersTest, ACronKeepsStartingWorkAfterItsInitiatorChangedKeys) {
  const std::string id = add_cron_ok({{"interval", 10}});
  Identity rotated = h_.new_identity("user");
  auto r = h_.call(user_, msg::kChangeUserId, {{"colonyname", colony_.name}, {"userid", rotated.id}});
  ASSERT_EQ(r.status, 200) << describe(r);
  user_ = rotated;
  EXPECT_EQ(cron(id).at("initiatorid").as_string(), rotated.id);
  h_.advance_and_tick(11);
  EXPECT_EQ(graph_count(), 1) << "the cron stopped when its initiator changed keys";
  auto p = assign();
  ASSERT_FALSE(p.empty());
  EXPECT_EQ(p.at("initiatorid").as_string(), rotated.id);
  EXPECT_EQ(p.at("initiatorname").as_string(), "user");
}

TEST_F(BrokerTriggersTest, CronsRunOnlyOnTheLeader) {
  add_cron_ok({{"interval", 10}});
  h_.leadership().set_leader(false);
  h_.advance_and_tick(30);
  EXPECT_EQ(graph_count(), 0);
  h_.leadership().set_leader(true);
  h_.advance_and_tick(1);
  EXPECT_EQ(graph_count(), 1);
}

// --- generators ---

class BrokerGeneratorTest : public BrokerTriggersTest {
 protected:
  std::string add_generator(int trigger, int timeout) {
    json::object g{{"colonyname", colony_.name}, {"name", "batcher"}, {"trigger", trigger}, {"timeout", timeout},
                   {"workflowspec", chain()}};
    auto r = h_.call(user_, msg::kAddGenerator, {{"generator", std::move(g)}});
    EXPECT_EQ(r.status, 200) << describe(r);
    return r.status == 200 ? std::string(r.payload.at("generatorid").as_string()) : std::string();
  }
  void pack(const std::string& id, const std::string& arg) {
    auto r = h_.call(user_, msg::kPackGenerator, {{"generatorid", id}, {"arg", arg}});
    EXPECT_EQ(r.status, 200) << describe(r);
  }
  int queued(const std::string& id) {
    auto r = h_.call(user_, msg::kGetGenerator, {{"generatorid", id}});
    EXPECT_EQ(r.status, 200) << describe(r);
    return r.payload.at("queuesize").to_number<int>();
  }
  // The args of the roots assigned now, one entry per started workflow.
  std::vector<std::string> root_args() {
    std::vector<std::string> out;
    for (;;) {
      auto p = assign();
      if (p.empty()) return out;
      if (p.at("spec").at("nodename") == "first") out.push_back(json::serialize(p.at("spec").at("args")));
      EXPECT_EQ(close(p, {}).status, 200);
    }
  }
};

TEST_F(BrokerGeneratorTest, AGeneratorKeepsReleasingAfterItsInitiatorChangedKeys) {
  const std::string id = add_generator(1, 0);
  Identity rotated = h_.new_identity("user");
  ASSERT_EQ(h_.call(user_, msg::kChangeUserId, {{"colonyname", colony_.name}, {"userid", rotated.id}}).status, 200);
  user_ = rotated;
  pack(id, "after-rotation");
  h_.advance_and_tick(1);
  EXPECT_EQ(root_args(), (std::vector<std::string>{R"(["after-rotation"])"}));
}

TEST_F(BrokerGeneratorTest, AddRefusesATriggerBelowOne) {
  json::object g{{"colonyname", colony_.name}, {"name", "bad"}, {"trigger", 0}, {"workflowspec", chain()}};
  auto r = h_.call(user_, msg::kAddGenerator, {{"generator", std::move(g)}});
  EXPECT_EQ(r.status, 400) << describe(r);
  EXPECT_NE(error_message(r).find("trigger"), std::string::npos);
}

TEST_F(BrokerGeneratorTest, ReleasesOneWorkflowPerTriggerArgsInPackOrder) {
  const std::string id = add_generator(2, 0);
  for (const char* a : {"a1", "a2", "a3", "a4", "a5"}) pack(id, a);
  EXPECT_EQ(queued(id), 5);
  h_.advance_and_tick(1);
  EXPECT_EQ(root_args(), (std::vector<std::string>{R"(["a1","a2"])", R"(["a3","a4"])"}));
  EXPECT_EQ(queued(id), 1);
  // Without a timeout the last one waits for a partner however long it takes (here 5 minutes).
  h_.advance_and_tick(300);
  EXPECT_TRUE(root_args().empty());
  pack(id, "a6");
  h_.advance_and_tick(1);
  EXPECT_EQ(root_args(), (std::vector<std::string>{R"(["a5","a6"])"}));
}

TEST_F(BrokerGeneratorTest, ReleasesFewerArgsOnceTheOldestWaitedTheTimeout) {
  const std::string id = add_generator(10, 30);
  pack(id, "x1");
  h_.advance_and_tick(20);
  pack(id, "x2");
  h_.advance_and_tick(5);
  EXPECT_TRUE(root_args().empty());
  h_.advance_and_tick(6);  // x1 has now waited 31 s
  EXPECT_EQ(root_args(), (std::vector<std::string>{R"(["x1","x2"])"}));
  EXPECT_EQ(queued(id), 0);
}

TEST_F(BrokerGeneratorTest, QueuedArgsSurviveARestartAndAreUsedOnce) {
  const std::string id = add_generator(3, 0);
  pack(id, "p1");
  pack(id, "p2");
  h_.flush();
  auto restarted = h_.restart();
  auto r = restarted->call(user_, msg::kPackGenerator, {{"generatorid", id}, {"arg", "p3"}});
  ASSERT_EQ(r.status, 200) << describe(r);
  restarted->advance_and_tick(1);
  auto p = restarted->assign(executor_, colony_.name);
  ASSERT_EQ(p.status, 200) << describe(p);
  EXPECT_EQ(json::serialize(p.payload.at("spec").at("args")), R"(["p1","p2","p3"])");
  restarted->flush();
  auto again = restarted->restart();
  auto g = again->call(user_, msg::kGetGenerator, {{"generatorid", id}});
  ASSERT_EQ(g.status, 200) << describe(g);
  EXPECT_EQ(g.payload.at("queuesize").to_number<int>(), 0);
}

TEST_F(BrokerGeneratorTest, RemovingTheColonyRemovesItsCronsAndGenerators) {
  const std::string gid = add_generator(3, 0);
  const std::string cid = add_cron_ok({{"interval", 60}});
  ASSERT_EQ(h_.call(h_.server_owner(), msg::kRemoveColony, {{"colonyname", colony_.name}}).status, 200);
  h_.flush();
  auto restarted = h_.restart();
  EXPECT_TRUE(restarted->store().load()->crons.empty());
  EXPECT_TRUE(restarted->store().load()->generators.empty());
  (void)gid, (void)cid;
}

}  // namespace
}  // namespace colonies::server::api
