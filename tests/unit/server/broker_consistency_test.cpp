// What the broker keeps in memory and what it commits to the store must agree, also when one
// change triggers another in the same step (a re-queued process handed straight to a parked
// long-poll). Checked through the store (getprocessesmsg and statistics read it) and through a
// restart, which rebuilds memory from the store. Also: executors that are gone get no work.
#include "tests/unit/server/broker_fixture.hpp"

namespace colonies::server::api {
namespace {

using testing::describe;

// The state the store holds for `id` (what a restart would load), or -1.
int stored_state(BrokerHarness& h, const std::string& id) {
  h.flush();
  auto p = h.store().get_process(id);
  if (!p || !*p) return -1;
  return static_cast<int>((*p)->state);
}

TEST_F(BrokerTest, SubmittedProcessHandedToAWaiterIsStoredRunning) {
  auto poll = h_.send(executor_, msg::kAssignProcess, {{"colonyname", colony_.name}, {"timeout", 60}});
  const std::string id = submit();
  ASSERT_EQ(h_.wait(poll).status, 200);
  EXPECT_EQ(stored_state(h_, id), 1);
}

// BUG: Broker::tick() re-queues an expired process into its local `out` batch, dispatch() hands
// it to a parked waiter whose assignment is committed at once, and only then is `out` (the
// WAITING version) committed — so the store ends with WAITING while memory says RUNNING.
TEST_F(BrokerTest, ExecTimeoutRequeueHandedToAWaiterIsStoredRunning) {
  json::object s = spec();
  s["maxexectime"] = 10;
  s["maxretries"] = 3;
  const std::string id = submit(std::move(s));
  ASSERT_EQ(id_of(h_.assign(executor_, colony_.name)), id);
  Identity other = h_.add_executor(colony_, "exec-2");
  auto poll = h_.send(other, msg::kAssignProcess, {{"colonyname", colony_.name}, {"timeout", 60}});
  h_.advance_and_tick(10);
  auto r = h_.wait(poll);
  ASSERT_EQ(r.status, 200) << describe(r);
  EXPECT_EQ(state_of(id), 1) << "memory";
  EXPECT_EQ(stored_state(h_, id), 1) << "store";
  auto running = h_.call(user_, msg::kGetProcesses, {{"colonyname", colony_.name}, {"state", 1}, {"count", 10}});
  EXPECT_EQ(running.payload.as_array().size(), 1u) << "getprocessesmsg reads the store";
  auto restarted = h_.restart();
  auto p = restarted->get_process(user_, id);
  EXPECT_EQ(p.payload.at("state").to_number<int>(), 1) << "after a restart";
  EXPECT_EQ(restarted->close_successful(other, id).status, 200) << "the executor that got it can close it";
}

// BUG: the same ordering in requeue_executor_processes(): removing (or rejecting) an executor
// re-queues its processes into the handler's Outcome, but dispatch() commits the hand-over to a
// parked waiter first; the Outcome's WAITING version is committed after it.
TEST_F(BrokerTest, RemovedExecutorsProcessHandedToAWaiterIsStoredRunning) {
  const std::string id = submit();
  ASSERT_EQ(id_of(h_.assign(executor_, colony_.name)), id);
  Identity other = h_.add_executor(colony_, "exec-2");
  auto poll = h_.send(other, msg::kAssignProcess, {{"colonyname", colony_.name}, {"timeout", 60}});
  ASSERT_EQ(h_.call(colony_.owner, msg::kRemoveExecutor, {{"colonyname", colony_.name}, {"executorname", "exec"}}).status,
            200);
  auto r = h_.wait(poll);
  ASSERT_EQ(r.status, 200) << describe(r);
  EXPECT_EQ(id_of(r), id);
  EXPECT_EQ(state_of(id), 1) << "memory";
  EXPECT_EQ(stored_state(h_, id), 1) << "store";
  auto restarted = h_.restart();
  EXPECT_EQ(restarted->close_successful(other, id).status, 200) << "after a restart";
}

TEST_F(BrokerTest, ExecTimeoutRequeueWithoutWaitersIsStoredWaiting) {
  json::object s = spec();
  s["maxexectime"] = 10;
  s["maxretries"] = 3;
  const std::string id = submit(std::move(s));
  ASSERT_EQ(id_of(h_.assign(executor_, colony_.name)), id);
  h_.advance_and_tick(10);
  EXPECT_EQ(stored_state(h_, id), 0);
  auto restarted = h_.restart();
  EXPECT_EQ(restarted->broker().counters().queued_processes, 1u);
}

// BUG: the stale-executor sweep looks only at lastheardfromtime, which a parked long-poll does
// not refresh; an executor waiting in assign longer than stale_executor_s (600 s by default, the
// poll cap is 3600 s) is unregistered while it waits — and its parked poll still gets work.
TEST_F(BrokerTest, ExecutorParkedInALongPollIsNotExpiredAsStale) {
  auto poll = h_.send(executor_, msg::kAssignProcess, {{"colonyname", colony_.name}, {"timeout", 1200}});
  for (int i = 0; i < 70; ++i) h_.advance_and_tick(10);  // 700 s, ticking as coloniesd does
  auto e = h_.call(user_, msg::kGetExecutor, {{"colonyname", colony_.name}, {"executorname", "exec"}});
  ASSERT_EQ(e.status, 200) << describe(e);
  EXPECT_EQ(e.payload.at("state").to_number<int>(), 1) << "still APPROVED while it is waiting for work";
  const std::string id = submit();
  auto r = h_.wait(poll);
  EXPECT_EQ(r.status, 200) << describe(r);
  EXPECT_EQ(h_.close_successful(executor_, id).status, 200);
}

TEST_F(BrokerTest, IdleExecutorIsExpiredAsStaleAndGetsNoWork) {
  ASSERT_EQ(h_.assign(executor_, colony_.name).status, 404);  // heard from now
  for (int i = 0; i < 70; ++i) h_.advance_and_tick(10);
  auto e = h_.call(user_, msg::kGetExecutor, {{"colonyname", colony_.name}, {"executorname", "exec"}});
  ASSERT_EQ(e.status, 200) << describe(e);
  EXPECT_EQ(e.payload.at("state").to_number<int>(), 3);
  submit();
  EXPECT_EQ(h_.assign(executor_, colony_.name).status, 403);
}

TEST_F(BrokerTest, ChangingTheExecutorIdKeepsItsRunningProcess) {
  const std::string id = submit();
  ASSERT_EQ(id_of(h_.assign(executor_, colony_.name)), id);
  Identity rotated = h_.new_identity("exec");
  auto r = h_.call(executor_, msg::kChangeExecutorId,
                   {{"colonyname", colony_.name}, {"executorname", "exec"}, {"executorid", rotated.id}});
  ASSERT_EQ(r.status, 200) << describe(r);
  EXPECT_EQ(h_.close_successful(executor_, id).status, 403) << "the old key is no longer the executor";
  EXPECT_EQ(h_.close_successful(rotated, id).status, 200);
}

// BUG: a long-poll parked before changeexecutoridmsg keeps the old executorid in its query, so
// the process it is handed is assigned to the old ID and the executor (now signing with the
// new key) cannot close it.
TEST_F(BrokerTest, LongPollParkedBeforeAnIdChangeAssignsToTheNewId) {
  auto poll = h_.send(executor_, msg::kAssignProcess, {{"colonyname", colony_.name}, {"timeout", 60}});
  Identity rotated = h_.new_identity("exec");
  ASSERT_EQ(h_.call(executor_, msg::kChangeExecutorId,
                    {{"colonyname", colony_.name}, {"executorname", "exec"}, {"executorid", rotated.id}})
                .status,
            200);
  const std::string id = submit();
  auto r = h_.wait(poll);
  if (r.status == 200) {
    EXPECT_EQ(r.payload.at("assignedexecutorid").as_string(), rotated.id);
    EXPECT_EQ(h_.close_successful(rotated, id).status, 200);
  }
}

// BUG: removeexecutormsg (and rejectexecutormsg) re-queue the executor's RUNNING processes and
// dispatch them *before* ending that executor's own parked long-polls, so a process can be
// handed straight back to the executor being removed: it stays RUNNING on an UNREGISTERED
// executor that can no longer close it (forever, without a maxexectime).
TEST_F(BrokerTest, RemovedExecutorIsNotHandedBackItsOwnProcess) {
  const std::string id = submit();
  ASSERT_EQ(id_of(h_.assign(executor_, colony_.name)), id);
  auto poll = h_.send(executor_, msg::kAssignProcess, {{"colonyname", colony_.name}, {"timeout", 60}});
  ASSERT_EQ(h_.call(colony_.owner, msg::kRemoveExecutor, {{"colonyname", colony_.name}, {"executorname", "exec"}}).status,
            200);
  auto r = h_.wait(poll);
  EXPECT_NE(r.status, 200) << "the removed executor's long-poll was handed " << id_of(r);
  auto p = process(id);
  EXPECT_EQ(p.at("state").to_number<int>(), 0);
  EXPECT_EQ(p.at("assignedexecutorid").as_string(), "");
  Identity other = h_.add_executor(colony_, "exec-2");
  EXPECT_EQ(id_of(h_.assign(other, colony_.name)), id);
}

TEST_F(BrokerTest, RejectedExecutorsProcessesAreRequeued) {
  const std::string id = submit();
  ASSERT_EQ(id_of(h_.assign(executor_, colony_.name)), id);
  ASSERT_EQ(h_.call(colony_.owner, msg::kRejectExecutor, {{"colonyname", colony_.name}, {"executorname", "exec"}}).status,
            200);
  EXPECT_EQ(state_of(id), 0);
  EXPECT_EQ(h_.assign(executor_, colony_.name).status, 403);
  EXPECT_EQ(h_.close_successful(executor_, id).status, 403);
}

TEST_F(BrokerTest, RemovedExecutorNameCanBeRegisteredAgainWithANewKey) {
  ASSERT_EQ(h_.call(colony_.owner, msg::kRemoveExecutor, {{"colonyname", colony_.name}, {"executorname", "exec"}}).status,
            200);
  Identity again = h_.add_executor(colony_, "exec");
  const std::string id = submit();
  EXPECT_EQ(h_.assign(executor_, colony_.name).status, 403) << "the old key is gone";
  EXPECT_EQ(id_of(h_.assign(again, colony_.name)), id);
}

TEST_F(BrokerTest, LongPollTimeoutIsCappedAtTheServerMaximum) {
  auto poll = h_.send(executor_, msg::kAssignProcess, {{"colonyname", colony_.name}, {"timeout", 1'000'000}});
  h_.advance_and_tick(3599);
  EXPECT_FALSE(BrokerHarness::ready(poll));
  h_.advance_and_tick(1);
  EXPECT_EQ(h_.wait(poll).status, 408);
}

TEST_F(BrokerTest, RemovedColonyTakesItsProcessesAndMembersAlong) {
  const std::string running = submit();
  ASSERT_EQ(id_of(h_.assign(executor_, colony_.name)), running);
  const std::string waiting = submit();
  Identity idle = h_.add_executor(colony_, "idle", "idle-type");
  auto poll = h_.send(idle, msg::kAssignProcess, {{"colonyname", colony_.name}, {"timeout", 60}});
  ASSERT_EQ(h_.call(h_.server_owner(), msg::kRemoveColony, {{"colonyname", colony_.name}}).status, 200);
  EXPECT_NE(h_.wait(poll).status, 200);
  EXPECT_EQ(h_.broker().counters().active_processes, 0u);
  EXPECT_EQ(h_.call(user_, msg::kGetColony, {{"colonyname", colony_.name}}).status, 403);
  EXPECT_EQ(h_.close_successful(executor_, running).status, 404);
  // A new colony of the same name starts empty; the old members are not in it.
  auto again = h_.add_colony(colony_.name);
  EXPECT_EQ(h_.assign(executor_, colony_.name).status, 403);
  auto list = h_.call(again.owner, msg::kGetProcesses, {{"colonyname", colony_.name}});
  EXPECT_EQ(list.status, 403) << "the owner is not a member";
  Identity fresh = h_.add_user(again, "fresh");
  list = h_.call(fresh, msg::kGetProcesses, {{"colonyname", colony_.name}, {"state", 0}});
  ASSERT_EQ(list.status, 200) << describe(list);
  EXPECT_TRUE(list.payload.as_array().empty()) << waiting << " survived its colony";
}

TEST_F(BrokerTest, LogsOfAnotherColonysProcessAreNotReadable) {
  const std::string id = submit();
  ASSERT_EQ(h_.assign(executor_, colony_.name).status, 200);
  ASSERT_EQ(h_.call(executor_, msg::kAddLog, {{"processid", id}, {"message", "secret"}}).status, 200);
  auto beta = h_.add_colony("beta");
  Identity outsider = h_.add_user(beta, "outsider");
  auto r = h_.call(outsider, msg::kGetLogs, {{"colonyname", "beta"}, {"processid", id}, {"count", 10}});
  ASSERT_EQ(r.status, 200) << describe(r);
  EXPECT_TRUE(r.payload.as_array().empty());
  r = h_.call(outsider, msg::kSearchLogs, {{"colonyname", "beta"}, {"text", "secret"}, {"days", 1}, {"count", 10}});
  ASSERT_EQ(r.status, 200) << describe(r);
  EXPECT_TRUE(r.payload.as_array().empty());
}

TEST_F(BrokerTest, FinishedProcessesAreStillGuardedByRole) {
  const std::string id = submit();
  ASSERT_EQ(h_.assign(executor_, colony_.name).status, 200);
  ASSERT_EQ(h_.close_successful(executor_, id).status, 200);
  auto beta = h_.add_colony("beta");
  Identity outsider = h_.add_user(beta, "outsider");
  Identity outside_exec = h_.add_executor(beta, "outside-exec");
  EXPECT_EQ(h_.get_process(outsider, id).status, 403);
  EXPECT_EQ(h_.get_process(colony_.owner, id).status, 403);
  EXPECT_EQ(h_.close_successful(outside_exec, id).status, 403);
  EXPECT_EQ(h_.call(outsider, msg::kCancelProcess, {{"processid", id}}).status, 403);
  EXPECT_EQ(h_.call(outsider, msg::kRemoveProcess, {{"processid", id}}).status, 403);
  EXPECT_EQ(h_.call(user_, msg::kRemoveProcess, {{"processid", id}}).status, 200);
  EXPECT_EQ(h_.get_process(user_, id).status, 404);
}

}  // namespace
}  // namespace colonies::server::api
