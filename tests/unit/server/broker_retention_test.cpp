// Retention through the broker: with a policy set, the leader deletes finished work older than
// the policy once per retention period; WAITING work stays; a follower deletes nothing.
#include <gtest/gtest.h>

#include "core/protocol/messages.hpp"
#include "tests/support/broker_harness.hpp"

namespace colonies::server::api {
namespace {

using testing::BrokerHarness;
using testing::describe;

class BrokerRetentionTest : public ::testing::Test {
 protected:
  static BrokerHarness::Options options() {
    BrokerHarness::Options o;
    o.broker.retention_s = 3600;
    o.broker.retention_period_s = 60;
    o.broker.stale_executor_s = 0;
    return o;
  }
  BrokerRetentionTest() : h_(options()), colony_(h_.add_colony("alpha")) {
    executor_ = h_.add_executor(colony_, "exec");
    user_ = h_.add_user(colony_, "user");
  }
  std::string run_one() {
    auto p = h_.submit(user_, BrokerHarness::spec("alpha"));
    auto a = h_.assign(executor_, "alpha");
    EXPECT_EQ(a.status, 200) << describe(a);
    EXPECT_EQ(h_.close_successful(executor_, std::string(p.at("processid").as_string())).status, 200);
    return std::string(p.at("processid").as_string());
  }
  bool stored(const std::string& id) {
    h_.flush();
    auto p = h_.store().get_process(id);
    return p && p->has_value();
  }

  BrokerHarness h_;
  BrokerHarness::Colony colony_;
  testing::Identity executor_, user_;
};

TEST_F(BrokerRetentionTest, TheLeaderDeletesFinishedWorkOlderThanThePolicy) {
  const std::string old_done = run_one();
  const std::string waiting = std::string(h_.submit(user_, BrokerHarness::spec("alpha", "nobody")).at("processid").as_string());
  h_.advance_and_tick(1800);
  const std::string recent_done = run_one();
  h_.advance_and_tick(1801);  // old_done is now 3601 s old, recent_done 1801 s
  EXPECT_FALSE(stored(old_done));
  EXPECT_TRUE(stored(recent_done));
  EXPECT_TRUE(stored(waiting));
  h_.advance_and_tick(1800);
  EXPECT_FALSE(stored(recent_done));
  EXPECT_TRUE(stored(waiting));
}

TEST_F(BrokerRetentionTest, AFollowerDeletesNothing) {
  const std::string done = run_one();
  h_.leadership().set_leader(false);
  h_.advance_and_tick(7200);
  EXPECT_TRUE(stored(done));
  h_.leadership().set_leader(true);
  h_.advance_and_tick(1);
  EXPECT_FALSE(stored(done));
}

}  // namespace
}  // namespace colonies::server::api
