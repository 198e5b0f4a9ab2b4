// The per-identity request rate limit in the broker (coloniesd --rate-limit/--rate-burst): a
// refused request gets 429 and changes nothing, other identities keep their own budget, the
// budget refills with the (fake) clock, a parked long-poll is charged once, unsigned calls are
// not charged.
#include <gtest/gtest.h>

#include "tests/unit/server/broker_fixture.hpp"

namespace colonies::server::api {
namespace {

using namespace std::chrono_literals;

class BrokerRateLimitTest : public ::testing::Test {
 protected:
  static BrokerHarness::Options limited() {
    BrokerHarness::Options options;
    options.broker.request_rate = {1, 3};  // 3 at once, then one per second
    return options;
  }
  BrokerRateLimitTest() : colony_(h_.add_colony("alpha")) {
    executor_ = h_.add_executor(colony_, "exec");
    user_ = h_.add_user(colony_, "user");
    h_.clock().advance(10s);  // the set-up's calls are forgotten: every bucket is full again
  }
  std::size_t stored_processes() {
    h_.flush();
    return h_.store().load()->active_processes.size();
  }

  BrokerHarness h_{limited()};
  BrokerHarness::Colony colony_;
  Identity executor_;
  Identity user_;
};

TEST_F(BrokerRateLimitTest, RefusedRequestIs429AndChangesNothing) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(h_.call(user_, msg::kSubmitFunctionSpec, {{"spec", BrokerHarness::spec("alpha")}}).status, 200) << i;
  auto refused = h_.call(user_, msg::kSubmitFunctionSpec, {{"spec", BrokerHarness::spec("alpha")}});
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.payloadtype, "error");
  const std::string message(refused.payload.at("message").as_string());
  EXPECT_NE(message.find("rate limit exceeded: at most 1 requests/s with bursts of 3 per identity"), std::string::npos)
      << message;
  EXPECT_NE(message.find("retry in 1000 ms"), std::string::npos) << message;
  EXPECT_EQ(stored_processes(), 3u) << "the refused submission must not be queued";
  EXPECT_EQ(h_.broker().counters().queued_processes, 3u);
  EXPECT_EQ(h_.broker().counters().rate_limited, 1u);
}

TEST_F(BrokerRateLimitTest, OtherIdentitiesKeepTheirOwnBudget) {
  for (int i = 0; i < 4; ++i) h_.call(user_, msg::kGetProcesses, {{"colonyname", "alpha"}, {"state", 0}, {"count", 10}});
  EXPECT_EQ(h_.call(user_, msg::kGetProcesses, {{"colonyname", "alpha"}, {"state", 0}, {"count", 10}}).status, 429);
  EXPECT_EQ(h_.assign(executor_, "alpha").status, 404) << "the executor was not charged for the user's calls";
  EXPECT_EQ(h_.call(h_.server_owner(), msg::kGetColonies).status, 200);
}

TEST_F(BrokerRateLimitTest, BudgetRefillsWithTheClock) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(h_.assign(executor_, "alpha").status, 404);
  EXPECT_EQ(h_.assign(executor_, "alpha").status, 429);
  h_.clock().advance(999ms);
  EXPECT_EQ(h_.assign(executor_, "alpha").status, 429);
  h_.clock().advance(1ms);
  EXPECT_EQ(h_.assign(executor_, "alpha").status, 404);
  EXPECT_EQ(h_.assign(executor_, "alpha").status, 429);
}

TEST_F(BrokerRateLimitTest, ParkedLongPollIsChargedOnce) {
  auto parked = h_.send(executor_, msg::kAssignProcess, {{"colonyname", "alpha"}, {"timeout", 60}});
  ASSERT_FALSE(BrokerHarness::ready(parked));
  h_.submit(user_, BrokerHarness::spec("alpha"));  // wakes the long-poll
  auto assigned = h_.wait(parked);
  ASSERT_EQ(assigned.status, 200) << testing::describe(assigned);
  // One token for the long-poll, however long it waited: two are left of the burst of 3.
  const std::string id(assigned.payload.at("processid").as_string());
  EXPECT_EQ(h_.close_successful(executor_, id).status, 200);
  EXPECT_EQ(h_.assign(executor_, "alpha").status, 404);
  EXPECT_EQ(h_.assign(executor_, "alpha").status, 429);
}

TEST_F(BrokerRateLimitTest, UnsignedCallsAreNotCharged) {
  for (int i = 0; i < 10; ++i) ASSERT_EQ(h_.call_unsigned(msg::kVersion).status, 200) << i;
  EXPECT_EQ(h_.broker().counters().rate_limited, 0u);
}

TEST(BrokerRateLimitOffTest, NoLimitUnlessConfigured) {
  BrokerHarness h;  // BrokerOptions' default: off (coloniesd sets its own default)
  auto colony = h.add_colony("alpha");
  Identity user = h.add_user(colony, "user");
  for (int i = 0; i < 200; ++i) ASSERT_EQ(h.call(user, msg::kGetColony, {{"colonyname", "alpha"}}).status, 200) << i;
}

}  // namespace
}  // namespace colonies::server::api
