// Broker behaviours driven by time, with a FakeClock and tick() instead of sleeps: maxwaittime,
// maxexectime with retries (bounded and unlimited), limits of zero or below meaning none, and
// deadlines that must not fire once a process is closed.
#include "tests/unit/server/broker_fixture.hpp"

namespace colonies::server::api {
namespace {

using testing::describe;

json::object limited(json::object s, std::int64_t maxwait, std::int64_t maxexec, int maxretries) {
  s["maxwaittime"] = maxwait;
  s["maxexectime"] = maxexec;
  s["maxretries"] = maxretries;
  return s;
}

TEST_F(BrokerTest, MaxWaitTimeFailsAProcessNobodyAssigned) {
  const std::string id = submit(limited(spec(), 5, 0, 0));
  h_.advance_and_tick(4);
  EXPECT_EQ(state_of(id), 0);
  h_.advance_and_tick(1);
  auto p = process(id);
  EXPECT_EQ(p.at("state").to_number<int>(), 3);
  EXPECT_FALSE(p.at("errors").as_array().empty()) << "the failure says why";
  EXPECT_EQ(h_.assign(executor_, colony_.name).status, 404) << "a failed process is not assignable";
}

TEST_F(BrokerTest, MaxWaitTimeStopsCountingOnceAssigned) {
  const std::string id = submit(limited(spec(), 5, 0, 0));
  ASSERT_EQ(h_.assign(executor_, colony_.name).status, 200);
  h_.advance_and_tick(60);
  EXPECT_EQ(state_of(id), 1);
}

TEST_F(BrokerTest, MaxExecTimeRequeuesWithARetryThenFailsAfterMaxRetries) {
  const std::string id = submit(limited(spec(), 0, 10, 2));
  for (int round = 1; round <= 2; ++round) {
    SCOPED_TRACE(round);
    ASSERT_EQ(id_of(h_.assign(executor_, colony_.name)), id);
    h_.advance_and_tick(9);
    EXPECT_EQ(state_of(id), 1);
    h_.advance_and_tick(1);
    auto p = process(id);
    EXPECT_EQ(p.at("state").to_number<int>(), 0) << "back to WAITING";
    EXPECT_EQ(p.at("retries").to_number<int>(), round);
    EXPECT_EQ(p.at("assignedexecutorid").as_string(), "");
  }
  ASSERT_EQ(id_of(h_.assign(executor_, colony_.name)), id);
  h_.advance_and_tick(10);
  auto p = process(id);
  EXPECT_EQ(p.at("state").to_number<int>(), 3) << "FAILED once maxretries (2) are used up";
  EXPECT_EQ(p.at("retries").to_number<int>(), 2);
  EXPECT_EQ(h_.close_successful(executor_, id).status, 409) << "the late executor learns it lost the process";
}

TEST_F(BrokerTest, MaxRetriesZeroFailsAtTheFirstExpiry) {
  const std::string id = submit(limited(spec(), 0, 10, 0));
  ASSERT_EQ(id_of(h_.assign(executor_, colony_.name)), id);
  h_.advance_and_tick(10);
  EXPECT_EQ(state_of(id), 3);
}

TEST_F(BrokerTest, MaxRetriesMinusOneRetriesForever) {
  const std::string id = submit(limited(spec(), 0, 10, -1));
  for (int round = 1; round <= 5; ++round) {
    SCOPED_TRACE(round);
    ASSERT_EQ(id_of(h_.assign(executor_, colony_.name)), id);
    h_.advance_and_tick(10);
    EXPECT_EQ(state_of(id), 0);
    EXPECT_EQ(retries_of(id), round);
  }
  ASSERT_EQ(id_of(h_.assign(executor_, colony_.name)), id);
  EXPECT_EQ(h_.close_successful(executor_, id).status, 200);
  EXPECT_EQ(state_of(id), 2);
}

TEST_F(BrokerTest, RequeuedProcessGoesToAParkedWaiter) {
  const std::string id = submit(limited(spec(), 0, 10, 3));
  ASSERT_EQ(id_of(h_.assign(executor_, colony_.name)), id);
  Identity other = h_.add_executor(colony_, "exec-2");
  auto poll = h_.send(other, msg::kAssignProcess, {{"colonyname", colony_.name}, {"timeout", 60}});
  h_.advance_and_tick(10);
  auto r = h_.wait(poll);
  ASSERT_EQ(r.status, 200) << describe(r);
  EXPECT_EQ(id_of(r), id);
  EXPECT_EQ(r.payload.at("retries").to_number<int>(), 1);
}

TEST_F(BrokerTest, ZeroOrNegativeLimitsMeanNoLimit) {
  const std::string zero_wait = submit(limited(spec(), 0, 0, 0));
  const std::string negative_wait = submit(limited(spec(), -5, -5, 0));
  h_.advance_and_tick(30 * 86'400);
  EXPECT_EQ(state_of(zero_wait), 0);
  EXPECT_EQ(state_of(negative_wait), 0);

  ASSERT_EQ(id_of(h_.assign(executor_, colony_.name)), zero_wait);
  ASSERT_EQ(id_of(h_.assign(executor_, colony_.name)), negative_wait);
  h_.advance_and_tick(30 * 86'400);
  EXPECT_EQ(state_of(zero_wait), 1);
  EXPECT_EQ(state_of(negative_wait), 1);
  EXPECT_EQ(retries_of(negative_wait), 0);
}

TEST_F(BrokerTest, ClosedProcessDeadlineDoesNotFire) {
  const std::string id = submit(limited(spec(), 0, 10, 3));
  ASSERT_EQ(id_of(h_.assign(executor_, colony_.name)), id);
  ASSERT_EQ(h_.close_successful(executor_, id).status, 200);
  h_.advance_and_tick(60);
  EXPECT_EQ(state_of(id), 2);
}

TEST_F(BrokerTest, ExecDeadlineIsReportedInTheProcess) {
  const std::string id = submit(limited(spec(), 0, 10, 3));
  auto r = h_.assign(executor_, colony_.name);
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.payload.at("execdeadline").as_string(), "0001-01-01T00:00:00Z");
  EXPECT_EQ(process(id).at("execdeadline"), r.payload.at("execdeadline"));
}

}  // namespace
}  // namespace colonies::server::api
