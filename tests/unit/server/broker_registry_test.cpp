// Broker behaviours around the registry and persistence: function statistics, logs, locations
// per colony, statistics, and a restart that rebuilds active processes and deadlines from the
// store (a second Broker over the same MemoryStore).
#include "tests/unit/server/broker_fixture.hpp"

namespace colonies::server::api {
namespace {

using testing::describe;

TEST_F(BrokerTest, FunctionStatisticsAverageIsATrueMean) {
  auto added = h_.call(executor_, msg::kAddFunction,
                       {{"fun", json::object{{"executorname", "exec"}, {"colonyname", colony_.name}, {"funcname", "fn"}}}});
  ASSERT_EQ(added.status, 200) << describe(added);
  const std::int64_t waits[] = {1, 2, 6};
  const std::int64_t execs[] = {3, 4, 8};
  for (int i = 0; i < 3; ++i) {
    const std::string id = submit(spec("fn"));
    h_.clock().advance_s(waits[i]);
    ASSERT_EQ(id_of(h_.assign(executor_, colony_.name)), id);
    h_.clock().advance_s(execs[i]);
    ASSERT_EQ(h_.close_successful(executor_, id).status, 200);
  }
  auto functions = h_.call(user_, msg::kGetFunctions, {{"colonyname", colony_.name}, {"executorname", "exec"}});
  ASSERT_EQ(functions.status, 200) << describe(functions);
  ASSERT_EQ(functions.payload.as_array().size(), 1u);
  const auto& f = functions.payload.as_array()[0].as_object();
  EXPECT_EQ(f.at("counter").to_number<int>(), 3);
  EXPECT_DOUBLE_EQ(f.at("avgwaittime").to_number<double>(), 3.0);
  EXPECT_DOUBLE_EQ(f.at("avgexectime").to_number<double>(), 5.0);
  EXPECT_DOUBLE_EQ(f.at("minwaittime").to_number<double>(), 1.0);
  EXPECT_DOUBLE_EQ(f.at("maxwaittime").to_number<double>(), 6.0);
  EXPECT_DOUBLE_EQ(f.at("minexectime").to_number<double>(), 3.0);
  EXPECT_DOUBLE_EQ(f.at("maxexectime").to_number<double>(), 8.0);
}

TEST_F(BrokerTest, FailedProcessesDoNotCountInFunctionStatistics) {
  ASSERT_EQ(h_.call(executor_, msg::kAddFunction,
                    {{"fun", json::object{{"executorname", "exec"}, {"colonyname", colony_.name}, {"funcname", "fn"}}}})
                .status,
            200);
  const std::string id = submit(spec("fn"));
  ASSERT_EQ(id_of(h_.assign(executor_, colony_.name)), id);
  ASSERT_EQ(h_.call(executor_, msg::kCloseFailed, {{"processid", id}, {"errors", json::array{"x"}}}).status, 200);
  auto functions = h_.call(user_, msg::kGetFunctions, {{"colonyname", colony_.name}, {"executorname", ""}});
  ASSERT_EQ(functions.payload.as_array().size(), 1u);
  EXPECT_EQ(functions.payload.as_array()[0].at("counter").to_number<int>(), 0);
}

TEST_F(BrokerTest, LogsAreAddedAndReadBackInOrder) {
  const std::string id = submit();
  ASSERT_EQ(h_.assign(executor_, colony_.name).status, 200);
  for (const char* line : {"starting", "halfway", "done"}) {
    h_.clock().advance_s(1);
    auto r = h_.call(executor_, msg::kAddLog, {{"processid", id}, {"message", line}});
    ASSERT_EQ(r.status, 200) << describe(r);
  }
  auto logs = h_.call(user_, msg::kGetLogs, {{"colonyname", colony_.name}, {"processid", id}, {"count", 10}});
  ASSERT_EQ(logs.status, 200) << describe(logs);
  const auto& list = logs.payload.as_array();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].at("message").as_string(), "starting");
  EXPECT_EQ(list[2].at("message").as_string(), "done");
  EXPECT_EQ(list[1].at("executorname").as_string(), "exec");

  auto latest = h_.call(user_, msg::kGetLogs,
                        {{"colonyname", colony_.name}, {"processid", id}, {"count", 1}, {"latest", true}});
  ASSERT_EQ(latest.payload.as_array().size(), 1u);
  EXPECT_EQ(latest.payload.as_array()[0].at("message").as_string(), "done");
  EXPECT_EQ(h_.call(user_, msg::kGetLogs, {{"colonyname", colony_.name}, {"processid", id}, {"count", 501}}).status,
            400);
}

TEST_F(BrokerTest, LogsOfAProcessNotRunningOnTheCallerAreRefused) {
  const std::string id = submit();
  auto r = h_.call(executor_, msg::kAddLog, {{"processid", id}, {"message", "not mine"}});
  EXPECT_EQ(r.status, 403) << describe(r);
}

TEST_F(BrokerTest, ExecutorLogsAreFoundByExecutorName) {
  ASSERT_EQ(h_.call(executor_, msg::kAddExecutorLog,
                    {{"colonyname", colony_.name}, {"executorname", "exec"}, {"message", "node up"}})
                .status,
            200);
  auto logs = h_.call(user_, msg::kGetLogs, {{"colonyname", colony_.name}, {"executorname", "exec"}, {"count", 10}});
  ASSERT_EQ(logs.status, 200) << describe(logs);
  ASSERT_EQ(logs.payload.as_array().size(), 1u);
  EXPECT_EQ(logs.payload.as_array()[0].at("message").as_string(), "node up");
}

TEST_F(BrokerTest, LocationsAreScopedPerColony) {
  auto beta = h_.add_colony("beta");
  auto location = [](const std::string& colony) {
    return json::object{{"location", json::object{{"name", "lab"}, {"colonyname", colony}, {"description", colony}}}};
  };
  auto r = h_.call(colony_.owner, msg::kAddLocation, location(colony_.name));
  ASSERT_EQ(r.status, 200) << describe(r);
  r = h_.call(beta.owner, msg::kAddLocation, location("beta"));
  ASSERT_EQ(r.status, 200) << "the same name in another colony is fine: " << describe(r);
  r = h_.call(colony_.owner, msg::kAddLocation, location(colony_.name));
  EXPECT_EQ(r.status, 409) << describe(r);

  auto list = h_.call(user_, msg::kGetLocations, {{"colonyname", colony_.name}});
  ASSERT_EQ(list.status, 200) << describe(list);
  ASSERT_EQ(list.payload.as_array().size(), 1u);
  EXPECT_EQ(list.payload.as_array()[0].at("description").as_string(), colony_.name);

  ASSERT_EQ(h_.call(colony_.owner, msg::kRemoveLocation, {{"colonyname", colony_.name}, {"name", "lab"}}).status, 200);
  EXPECT_EQ(h_.call(user_, msg::kGetLocation, {{"colonyname", colony_.name}, {"name", "lab"}}).status, 404);
  Identity beta_user = h_.add_user(beta, "beta-user");
  auto kept = h_.call(beta_user, msg::kGetLocation, {{"colonyname", "beta"}, {"name", "lab"}});
  EXPECT_EQ(kept.status, 200) << "removing alpha's lab leaves beta's: " << describe(kept);
}

TEST_F(BrokerTest, ColonyStatisticsCountProcessesByState) {
  const std::string a = submit();
  submit();
  ASSERT_EQ(id_of(h_.assign(executor_, colony_.name)), a);
  ASSERT_EQ(h_.close_successful(executor_, a).status, 200);
  submit();
  auto stats = h_.call(user_, msg::kGetColonyStats, {{"colonyname", colony_.name}});
  ASSERT_EQ(stats.status, 200) << describe(stats);
  EXPECT_EQ(stats.payload.at("waitingprocesses").to_number<int>(), 2);
  EXPECT_EQ(stats.payload.at("successfulprocesses").to_number<int>(), 1);
  EXPECT_EQ(stats.payload.at("activeexecutors").to_number<int>(), 1);
}

TEST_F(BrokerTest, RestartRestoresActiveProcessesAndDeadlines) {
  json::object running_spec = spec();
  running_spec["maxexectime"] = 30;
  running_spec["maxretries"] = 5;
  const std::string running = submit(std::move(running_spec));
  ASSERT_EQ(id_of(h_.assign(executor_, colony_.name)), running);
  const std::string done = submit();
  ASSERT_EQ(id_of(h_.assign(executor_, colony_.name)), done);
  ASSERT_EQ(h_.close_successful(executor_, done).status, 200);
  json::object waiting_spec = spec();
  waiting_spec["maxwaittime"] = 100;
  const std::string waiting = submit(std::move(waiting_spec));
  ASSERT_EQ(h_.call(colony_.owner, msg::kPauseAssignments, {{"colonyname", colony_.name}}).status, 200);

  auto restarted = h_.restart();
  BrokerHarness& r = *restarted;
  auto counters = r.broker().counters();
  EXPECT_EQ(counters.active_processes, 2u);
  EXPECT_EQ(counters.queued_processes, 1u);
  auto p = r.get_process(user_, running);
  ASSERT_EQ(p.status, 200) << describe(p);
  EXPECT_EQ(p.payload.at("state").to_number<int>(), 1);
  EXPECT_EQ(p.payload.at("assignedexecutorid").as_string(), executor_.id);
  EXPECT_EQ(r.assign(executor_, colony_.name).status, 503) << "the pause survives the restart";
  ASSERT_EQ(r.call(colony_.owner, msg::kResumeAssignments, {{"colonyname", colony_.name}}).status, 200);

  r.advance_and_tick(30);  // the running process's exec deadline, restored
  p = r.get_process(user_, running);
  EXPECT_EQ(p.payload.at("state").to_number<int>(), 0);
  EXPECT_EQ(p.payload.at("retries").to_number<int>(), 1);
  r.advance_and_tick(70);  // the waiting process's wait deadline (100 s after submit)
  p = r.get_process(user_, waiting);
  EXPECT_EQ(p.payload.at("state").to_number<int>(), 3);

  auto assigned = r.assign(executor_, colony_.name);
  ASSERT_EQ(assigned.status, 200) << describe(assigned);
  EXPECT_EQ(id_of(assigned), running);
  EXPECT_EQ(r.close_successful(executor_, running).status, 200);
  EXPECT_EQ(r.close_successful(executor_, done).status, 409);
}

}  // namespace
}  // namespace colonies::server::api
