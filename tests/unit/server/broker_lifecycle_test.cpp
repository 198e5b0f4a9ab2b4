// Broker behaviours of the process lifecycle over the harness (MemoryStore, FakeClock): submit,
// assign (try-once and long-poll), close, cancel, pause/resume, why a process waits, and an
// executor's removal. Time-based limits are broker_deadlines_test.cpp.
#include <set>

#include "tests/unit/server/broker_fixture.hpp"

namespace colonies::server::api {
namespace {

using testing::describe;

TEST_F(BrokerTest, SubmitAssignCloseSuccessful) {
  json::object s = spec();
  s["args"] = json::array{"x", 1};
  const std::string id = submit(std::move(s));
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(state_of(id), 0);

  auto assigned = h_.assign(executor_, colony_.name);
  ASSERT_EQ(assigned.status, 200) << describe(assigned);
  EXPECT_EQ(id_of(assigned), id);
  EXPECT_EQ(assigned.payload.at("state").to_number<int>(), 1);
  EXPECT_EQ(assigned.payload.at("assignedexecutorid").as_string(), executor_.id);
  EXPECT_EQ(assigned.payload.at("spec").at("args").as_array().size(), 2u);

  auto closed = h_.call(executor_, msg::kCloseSuccessful, {{"processid", id}, {"out", json::array{"result"}}});
  ASSERT_EQ(closed.status, 200) << describe(closed);
  auto p = process(id);
  EXPECT_EQ(p.at("state").to_number<int>(), 2);
  EXPECT_EQ(p.at("out").as_array(), (json::array{"result"}));
  EXPECT_EQ(p.at("initiatorname").as_string(), "user");
}

TEST_F(BrokerTest, CloseFailedKeepsTheErrors) {
  const std::string id = submit();
  ASSERT_EQ(h_.assign(executor_, colony_.name).status, 200);
  auto failed = h_.call(executor_, msg::kCloseFailed, {{"processid", id}, {"errors", json::array{"segfault"}}});
  ASSERT_EQ(failed.status, 200) << describe(failed);
  auto p = process(id);
  EXPECT_EQ(p.at("state").to_number<int>(), 3);
  EXPECT_EQ(p.at("errors").as_array(), (json::array{"segfault"}));
}

TEST_F(BrokerTest, ClosingTwiceIsAConflict) {
  const std::string id = submit();
  ASSERT_EQ(h_.assign(executor_, colony_.name).status, 200);
  ASSERT_EQ(h_.close_successful(executor_, id).status, 200);
  auto again = h_.close_successful(executor_, id);
  EXPECT_EQ(again.status, 409) << describe(again);
  auto failed = h_.call(executor_, msg::kCloseFailed, {{"processid", id}, {"errors", json::array{}}});
  EXPECT_EQ(failed.status, 409) << describe(failed);
  EXPECT_EQ(state_of(id), 2);
}

TEST_F(BrokerTest, ClosingAProcessYouDoNotHoldIsForbidden) {
  Identity other = h_.add_executor(colony_, "other-exec");
  const std::string running = submit();
  ASSERT_EQ(h_.assign(executor_, colony_.name).status, 200);
  const std::string waiting = submit();

  auto r = h_.close_successful(other, running);
  EXPECT_EQ(r.status, 403) << describe(r);
  r = h_.close_successful(executor_, waiting);
  EXPECT_EQ(r.status, 403) << describe(r) << " (a WAITING process is held by nobody)";
  r = h_.close_successful(user_, running);
  EXPECT_EQ(r.status, 403) << describe(r);
  EXPECT_EQ(state_of(running), 1);
  EXPECT_EQ(state_of(waiting), 0);
}

TEST_F(BrokerTest, ClosingAnUnknownProcessIsNotFound) {
  auto r = h_.close_successful(executor_, std::string(64, 'e'));
  EXPECT_EQ(r.status, 404) << describe(r);
}

TEST_F(BrokerTest, TryOnceAssignWithNothingQueuedIsNotFound) {
  auto r = h_.assign(executor_, colony_.name, -1);
  EXPECT_EQ(r.status, 404) << describe(r);
  EXPECT_EQ(h_.broker().counters().parked_assigns, 0u);
}

TEST_F(BrokerTest, AssignTimeoutZeroOrBelowMinusOneIsBadRequest) {
  EXPECT_EQ(h_.assign(executor_, colony_.name, 0).status, 400);
  EXPECT_EQ(h_.assign(executor_, colony_.name, -2).status, 400);
}

TEST_F(BrokerTest, AssignGivesHigherPriorityFirst) {
  const std::string low = submit();
  json::object urgent = spec();
  urgent["priority"] = 10;
  const std::string high = submit(std::move(urgent));
  EXPECT_EQ(id_of(h_.assign(executor_, colony_.name)), high);
  EXPECT_EQ(id_of(h_.assign(executor_, colony_.name)), low);
}

TEST_F(BrokerTest, AssignRespectsTheOfferedAvailability) {
  json::object s = spec();
  s["conditions"].as_object()["cpu"] = "4";
  s["conditions"].as_object()["mem"] = "8Gi";
  const std::string id = submit(std::move(s));
  auto r = h_.assign(executor_, colony_.name, -1, {{"availablecpu", "2"}, {"availablemem", "16Gi"}});
  EXPECT_EQ(r.status, 404) << describe(r);
  r = h_.assign(executor_, colony_.name, -1, {{"availablecpu", "4000m"}, {"availablemem", "4Gi"}});
  EXPECT_EQ(r.status, 404) << describe(r);
  r = h_.assign(executor_, colony_.name, -1, {{"availablecpu", "4"}, {"availablemem", "8Gi"}});
  ASSERT_EQ(r.status, 200) << describe(r);
  EXPECT_EQ(id_of(r), id);
}

TEST_F(BrokerTest, LocationIsMatchedCaseInsensitively) {
  Identity located = h_.add_executor(colony_, "located", "site-worker", true, {}, "Lab-A");
  json::object elsewhere = BrokerHarness::spec(colony_.name, "site-worker");
  elsewhere["conditions"].as_object()["locationname"] = "lab-b";
  const std::string other = submit(std::move(elsewhere));
  json::object here = BrokerHarness::spec(colony_.name, "site-worker");
  here["conditions"].as_object()["locationname"] = "LAB-a";
  const std::string id = submit(std::move(here));
  auto r = h_.assign(located, colony_.name);
  ASSERT_EQ(r.status, 200) << describe(r);
  EXPECT_EQ(id_of(r), id);
  EXPECT_EQ(h_.assign(located, colony_.name).status, 404) << "lab-b is not Lab-A";
  auto p = process(other);
  ASSERT_TRUE(p.contains("waitreason"));
  EXPECT_NE(std::string(p.at("waitreason").as_string()).find("lab-b"), std::string::npos) << p.at("waitreason");
}

TEST_F(BrokerTest, ExecutorNamesAndTypeRestrictTheAssignment) {
  Identity second = h_.add_executor(colony_, "exec-2");
  json::object named = spec();
  named["conditions"].as_object()["executornames"] = json::array{"exec-2"};
  const std::string id = submit(std::move(named));
  EXPECT_EQ(h_.assign(executor_, colony_.name).status, 404);
  EXPECT_EQ(id_of(h_.assign(second, colony_.name)), id);
  Identity gpu = h_.add_executor(colony_, "gpu-exec", "gpu");
  submit();
  EXPECT_EQ(h_.assign(gpu, colony_.name).status, 404) << "a worker process is not for a gpu executor";
}

TEST_F(BrokerTest, LongPollIsServedByALaterSubmitToExactlyOneWaiter) {
  Identity second = h_.add_executor(colony_, "exec-2");
  auto first_poll = h_.send(executor_, msg::kAssignProcess, {{"colonyname", colony_.name}, {"timeout", 30}});
  auto second_poll = h_.send(second, msg::kAssignProcess, {{"colonyname", colony_.name}, {"timeout", 30}});
  EXPECT_EQ(h_.broker().counters().parked_assigns, 2u);
  EXPECT_FALSE(BrokerHarness::ready(first_poll));

  const std::string id = submit();
  auto served = h_.wait(first_poll);  // waiters are served first-in, first-out
  ASSERT_EQ(served.status, 200) << describe(served);
  EXPECT_EQ(id_of(served), id);
  EXPECT_EQ(served.payload.at("assignedexecutorid").as_string(), executor_.id);
  EXPECT_EQ(h_.broker().counters().parked_assigns, 1u);
  EXPECT_FALSE(BrokerHarness::ready(second_poll)) << "one process goes to one waiter";
  EXPECT_EQ(state_of(id), 1);

  h_.advance_and_tick(31);
  auto expired = h_.wait(second_poll);
  EXPECT_EQ(expired.status, 408) << describe(expired);
}

TEST_F(BrokerTest, LongPollSkipsAWaiterThatCannotRunTheProcess) {
  model::Capabilities small;
  model::Hardware hw;
  hw.cpu = "1";
  small.hardware.push_back(hw);
  Identity tiny = h_.add_executor(colony_, "tiny", "worker", true, small);
  auto tiny_poll = h_.send(tiny, msg::kAssignProcess, {{"colonyname", colony_.name}, {"timeout", 30}});
  auto big_poll = h_.send(executor_, msg::kAssignProcess, {{"colonyname", colony_.name}, {"timeout", 30}});
  json::object s = spec();
  s["conditions"].as_object()["cpu"] = "2";
  const std::string id = submit(std::move(s));
  auto served = h_.wait(big_poll);
  EXPECT_EQ(id_of(served), id);
  EXPECT_FALSE(BrokerHarness::ready(tiny_poll));
}

TEST_F(BrokerTest, LongPollExpiresWith408OnceTheClockPassesItsTimeout) {
  auto poll = h_.send(executor_, msg::kAssignProcess, {{"colonyname", colony_.name}, {"timeout", 10}});
  h_.advance_and_tick(9);
  EXPECT_FALSE(BrokerHarness::ready(poll)) << "not expired before its timeout";
  EXPECT_EQ(h_.broker().counters().parked_assigns, 1u);
  h_.advance_and_tick(1);
  auto r = h_.wait(poll);
  EXPECT_EQ(r.status, 408) << describe(r);
  EXPECT_EQ(h_.broker().counters().parked_assigns, 0u);
  // A process submitted afterwards stays queued for the next assign.
  const std::string id = submit();
  EXPECT_EQ(state_of(id), 0);
}

TEST_F(BrokerTest, PausedColonyRefusesTryOnceAssignWith503) {
  submit();
  ASSERT_EQ(h_.call(colony_.owner, msg::kPauseAssignments, {{"colonyname", colony_.name}}).status, 200);
  auto r = h_.assign(executor_, colony_.name, -1);
  EXPECT_EQ(r.status, 503) << describe(r);
  auto status = h_.call(user_, msg::kGetPauseStatus, {{"colonyname", colony_.name}});
  ASSERT_EQ(status.status, 200) << describe(status);
  EXPECT_EQ(status.payloadtype, "pausestatusreplymsg");
  EXPECT_TRUE(status.payload.at("ispaused").as_bool());
}

TEST_F(BrokerTest, ResumeServesParkedWaiters) {
  ASSERT_EQ(h_.call(colony_.owner, msg::kPauseAssignments, {{"colonyname", colony_.name}}).status, 200);
  auto poll = h_.send(executor_, msg::kAssignProcess, {{"colonyname", colony_.name}, {"timeout", 60}});
  const std::string id = submit();
  EXPECT_FALSE(BrokerHarness::ready(poll)) << "a paused colony hands out nothing";
  EXPECT_EQ(state_of(id), 0);
  ASSERT_EQ(h_.call(colony_.owner, msg::kResumeAssignments, {{"colonyname", colony_.name}}).status, 200);
  auto r = h_.wait(poll);
  ASSERT_EQ(r.status, 200) << describe(r);
  EXPECT_EQ(id_of(r), id);
  auto status = h_.call(user_, msg::kGetPauseStatus, {{"colonyname", colony_.name}});
  EXPECT_FALSE(status.payload.at("ispaused").as_bool());
}

TEST_F(BrokerTest, ProcessOfAnUnknownExecutorTypeHasAWaitReason) {
  const std::string id = submit(BrokerHarness::spec(colony_.name, "quantum"));
  auto p = process(id);
  ASSERT_TRUE(p.contains("waitreason")) << json::serialize(p);
  EXPECT_NE(std::string(p.at("waitreason").as_string()).find("quantum"), std::string::npos)
      << p.at("waitreason").as_string();
}

TEST_F(BrokerTest, ProcessBeyondEveryExecutorsCapabilitiesHasAWaitReason) {
  model::Capabilities caps;
  model::Hardware hw;
  hw.cpu = "2";
  caps.hardware.push_back(hw);
  h_.add_executor(colony_, "small", "small-type", true, caps);
  json::object s = BrokerHarness::spec(colony_.name, "small-type");
  s["conditions"].as_object()["cpu"] = "4";
  const std::string id = submit(std::move(s));
  auto p = process(id);
  ASSERT_TRUE(p.contains("waitreason")) << json::serialize(p);
  const std::string why(p.at("waitreason").as_string());
  EXPECT_NE(why.find("cpu"), std::string::npos) << why;
  EXPECT_NE(why.find("small"), std::string::npos) << why;
}

TEST_F(BrokerTest, AssignableProcessHasNoWaitReason) {
  const std::string id = submit();
  EXPECT_FALSE(process(id).contains("waitreason"));
}

TEST_F(BrokerTest, RemovingAnExecutorRequeuesItsRunningProcess) {
  Identity other = h_.add_executor(colony_, "exec-2");
  const std::string id = submit();
  ASSERT_EQ(h_.assign(executor_, colony_.name).status, 200);
  auto removed = h_.call(colony_.owner, msg::kRemoveExecutor, {{"colonyname", colony_.name}, {"executorname", "exec"}});
  ASSERT_EQ(removed.status, 200) << describe(removed);
  auto p = process(id);
  EXPECT_EQ(p.at("state").to_number<int>(), 0);
  EXPECT_EQ(p.at("retries").to_number<int>(), 0) << "a removed executor is not the process's fault";
  EXPECT_EQ(p.at("assignedexecutorid").as_string(), "");
  auto r = h_.assign(other, colony_.name);
  EXPECT_EQ(id_of(r), id);
  EXPECT_EQ(h_.close_successful(executor_, id).status, 403) << "the removed executor no longer holds it";
}

TEST_F(BrokerTest, RemovingAnExecutorEndsItsLongPoll) {
  auto poll = h_.send(executor_, msg::kAssignProcess, {{"colonyname", colony_.name}, {"timeout", 60}});
  ASSERT_EQ(h_.call(colony_.owner, msg::kRemoveExecutor, {{"colonyname", colony_.name}, {"executorname", "exec"}}).status,
            200);
  auto r = h_.wait(poll);
  EXPECT_NE(r.status, 200) << describe(r);
  EXPECT_EQ(h_.broker().counters().parked_assigns, 0u);
}

TEST_F(BrokerTest, CancelledWaitingProcessIsNotAssigned) {
  const std::string id = submit();
  auto r = h_.call(user_, msg::kCancelProcess, {{"processid", id}});
  ASSERT_EQ(r.status, 200) << describe(r);
  EXPECT_EQ(state_of(id), 4);
  EXPECT_EQ(h_.assign(executor_, colony_.name).status, 404);
  EXPECT_EQ(h_.call(user_, msg::kCancelProcess, {{"processid", id}}).status, 409);
}

TEST_F(BrokerTest, SubmitRefusesAnInvalidSpecWith400) {
  json::object s = spec();
  s["priority"] = 50001;
  EXPECT_EQ(h_.call(user_, msg::kSubmitFunctionSpec, {{"spec", s}}).status, 400);
  s = spec();
  s["conditions"].as_object()["cpu"] = "lots";
  EXPECT_EQ(h_.call(user_, msg::kSubmitFunctionSpec, {{"spec", s}}).status, 400);
  EXPECT_EQ(h_.call(user_, msg::kSubmitFunctionSpec, {}).status, 400);
}

TEST_F(BrokerTest, GetProcessesListsByState) {
  const std::string running = submit();
  ASSERT_EQ(h_.assign(executor_, colony_.name).status, 200);
  submit();
  submit();
  auto waiting = h_.call(user_, msg::kGetProcesses, {{"colonyname", colony_.name}, {"state", 0}, {"count", 10}});
  ASSERT_EQ(waiting.status, 200) << describe(waiting);
  EXPECT_EQ(waiting.payload.as_array().size(), 2u);
  auto run = h_.call(user_, msg::kGetProcesses, {{"colonyname", colony_.name}, {"state", 1}, {"count", 10}});
  ASSERT_EQ(run.payload.as_array().size(), 1u);
  EXPECT_EQ(run.payload.as_array()[0].at("processid").as_string(), running);
  EXPECT_EQ(h_.call(user_, msg::kGetProcesses, {{"colonyname", colony_.name}, {"count", 101}}).status, 400);
  EXPECT_EQ(h_.call(user_, msg::kGetProcesses, {{"colonyname", colony_.name}, {"state", 7}}).status, 400);
}

TEST_F(BrokerTest, ProcessHistoryPagesWithTheLastProcessidAsCursor) {
  std::set<std::string> submitted;
  for (int i = 0; i < 5; ++i) submitted.insert(submit());
  auto page = [&](int count, const std::string& before) {
    json::object q{{"colonyname", colony_.name}, {"seconds", 3600}, {"count", count}};
    if (!before.empty()) q["before"] = before;
    return h_.call(user_, msg::kGetProcessHistory, std::move(q));
  };
  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  for (;; ++pages) {
    auto reply = page(2, cursor);
    ASSERT_EQ(reply.status, 200) << describe(reply);
    const auto& list = reply.payload.as_array();
    for (const auto& p : list) EXPECT_TRUE(seen.insert(std::string(p.at("processid").as_string())).second);
    if (list.size() < 2) break;
    cursor = std::string(list.back().at("processid").as_string());
  }
  EXPECT_EQ(seen, submitted);
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(page(10001, "").status, 400);
  // A cursor that no longer exists is a 404, not a silently empty page.
  auto gone = page(2, std::string(64, 'a'));
  EXPECT_EQ(gone.status, 404) << describe(gone);
}

}  // namespace
}  // namespace colonies::server::api
