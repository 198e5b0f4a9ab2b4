// EtcdCluster on a real etcd 3.4: who leads, who follows, how fast the lead moves on a graceful
// stop, and that a leader that can no longer renew its lease stops leading before anyone else
// can be elected. Each test starts its own etcd.
#include "adapters/cluster/etcd_cluster.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "tests/support/etcd_test_server.hpp"

namespace colonies::cluster {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

template <class Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout) {
  const auto give_up = Clock::now() + timeout;
  while (Clock::now() < give_up) {
    if (predicate()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return predicate();
}

long ms_since(Clock::time_point start) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

class EtcdClusterTest : public ::testing::Test {
 protected:
  EtcdOptions options_for(const std::string& name, std::chrono::milliseconds ttl = 2000ms) {
    EtcdOptions o;
    o.endpoints = {etcd_.endpoint()};
    o.prefix = "/test";
    o.lease_ttl = ttl;
    o.member_name = name;
    o.member_url = "http://127.0.0.1:" + std::to_string(10000 + name.size() * 7 + name.back());
    o.start_timeout = 5s;
    return o;
  }
  std::unique_ptr<EtcdCluster> start(const std::string& name, std::chrono::milliseconds ttl = 2000ms) {
    auto started = EtcdCluster::start(options_for(name, ttl));
    EXPECT_TRUE(started) << started.error().message;
    return started ? std::move(*started) : nullptr;
  }
  // Starts `name` and waits until it leads.
  std::unique_ptr<EtcdCluster> start_leader(const std::string& name, std::chrono::milliseconds ttl = 2000ms) {
    auto member = start(name, ttl);
    EXPECT_TRUE(member && eventually([&] { return member->is_leader(); }, 5s));
    return member;
  }
  // Starts `name` and waits until it sees `leader` lead.
  std::unique_ptr<EtcdCluster> start_follower(const std::string& name, const std::string& leader,
                                              std::chrono::milliseconds ttl = 2000ms) {
    auto member = start(name, ttl);
    EXPECT_TRUE(member && eventually([&] { return member->leader() && member->leader()->name == leader; }, 5s));
    return member;
  }

  testing::EtcdServer etcd_;
};

TEST_F(EtcdClusterTest, LoneMemberLeadsWithPositiveEpoch) {
  const auto started = Clock::now();
  auto a = start_leader("a");
  ASSERT_TRUE(a);
  std::printf("  lone member elected %ld ms after start\n", ms_since(started));
  EXPECT_GT(a->epoch(), 0);
  auto leader = a->leader();
  ASSERT_TRUE(leader);
  EXPECT_EQ(leader->name, "a");
  EXPECT_EQ(leader->url, options_for("a").member_url);
  EXPECT_TRUE(leader->leader);
}

TEST_F(EtcdClusterTest, SecondMemberFollows) {
  auto a = start_leader("a");
  auto b = start_follower("b", "a");
  ASSERT_TRUE(a && b);
  std::this_thread::sleep_for(1s);  // several polls and keepalives
  EXPECT_TRUE(a->is_leader());
  EXPECT_FALSE(b->is_leader());
  EXPECT_EQ(b->epoch(), 0);
  EXPECT_EQ(b->leader()->url, options_for("a").member_url);
}

TEST_F(EtcdClusterTest, MembersListsEveryoneWithTheLeaderFlagged) {
  auto a = start_leader("a");
  auto b = start_follower("b", "a");
  ASSERT_TRUE(a && b);
  auto members = b->members();
  ASSERT_TRUE(members) << members.error().message;
  std::sort(members->begin(), members->end(), [](const auto& x, const auto& y) { return x.name < y.name; });
  ASSERT_EQ(members->size(), 2u);
  EXPECT_EQ((*members)[0].name, "a");
  EXPECT_TRUE((*members)[0].leader);
  EXPECT_EQ((*members)[1].name, "b");
  EXPECT_FALSE((*members)[1].leader);
  EXPECT_EQ((*members)[1].url, options_for("b").member_url);
}

TEST_F(EtcdClusterTest, GracefulStopHandsOverWellUnderTheTtl) {
  auto a = start_leader("a", 3000ms);
  auto b = start_follower("b", "a", 3000ms);
  ASSERT_TRUE(a && b);
  const auto old_epoch = a->epoch();
  const auto stopped = Clock::now();
  a.reset();  // revokes the lease
  const auto revoked_ms = ms_since(stopped);
  ASSERT_TRUE(eventually([&] { return b->is_leader(); }, 3000ms));
  const auto handover_ms = ms_since(stopped);
  std::printf("  graceful hand-over (TTL 3 s): revoke took %ld ms, successor leads %ld ms after the stop\n", revoked_ms,
              handover_ms);
  EXPECT_LT(handover_ms, 1500) << "a graceful stop must not wait for the lease to expire";
  EXPECT_GT(b->epoch(), old_epoch);
  // b's view of the leader key follows its own election by one watch event.
  EXPECT_TRUE(eventually([&] {
    auto leader = b->leader();
    return leader && leader->name == "b";
  }, 3000ms));
}

TEST_F(EtcdClusterTest, AbandonedLeaderStopsLeadingBeforeTheNextIsElected) {
  auto a = start_leader("a");
  auto b = start_follower("b", "a");
  ASSERT_TRUE(a && b);
  const auto old_epoch = a->epoch();
  const auto killed = Clock::now();
  a->abandon_for_test();  // no more keepalives, no revoke: a killed process
  Clock::time_point a_stopped{}, b_elected{};
  while (Clock::now() - killed < 10s && (a_stopped == Clock::time_point{} || b_elected == Clock::time_point{})) {
    const auto now = Clock::now();
    if (a_stopped == Clock::time_point{} && !a->is_leader()) a_stopped = now;
    if (b_elected == Clock::time_point{} && b->is_leader()) b_elected = now;
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_NE(a_stopped, Clock::time_point{}) << "the abandoned leader kept leading";
  ASSERT_NE(b_elected, Clock::time_point{}) << "no successor within 10 s";
  auto ms = [&](Clock::time_point t) { return std::chrono::duration_cast<std::chrono::milliseconds>(t - killed).count(); };
  std::printf("  after abandon (TTL 2 s): old leader stops at %ld ms, successor elected at %ld ms\n",
              static_cast<long>(ms(a_stopped)), static_cast<long>(ms(b_elected)));
  EXPECT_LT(a_stopped, b_elected);
  EXPECT_LE(ms(a_stopped), 2000) << "the old leader must stop within the TTL";
  EXPECT_EQ(a->epoch(), 0);
  EXPECT_GT(b->epoch(), old_epoch);
}

TEST_F(EtcdClusterTest, LeaderStopsLeadingWithinTheTtlWhenEtcdDies) {
  auto a = start_leader("a");
  ASSERT_TRUE(a);
  const auto old_epoch = a->epoch();
  const auto killed = Clock::now();
  etcd_.kill();
  ASSERT_TRUE(eventually([&] { return !a->is_leader(); }, 5s));
  const auto stopped_ms = ms_since(killed);
  std::printf("  etcd killed (TTL 2 s): leader stops leading after %ld ms\n", stopped_ms);
  EXPECT_LE(stopped_ms, 2000);
  EXPECT_EQ(a->epoch(), 0);

  // etcd back: the old leader key lives until its lease runs out again, then `a` wins anew.
  etcd_.start();
  const auto restarted = Clock::now();
  ASSERT_TRUE(eventually([&] { return a->is_leader(); }, 15s));
  std::printf("  etcd restarted: leading again after %ld ms, epoch %lld -> %lld\n", ms_since(restarted),
              static_cast<long long>(old_epoch), static_cast<long long>(a->epoch()));
  EXPECT_GT(a->epoch(), old_epoch);
}

TEST_F(EtcdClusterTest, RefusesBadOptions) {
  auto refused = [&](EtcdOptions o) {
    auto started = EtcdCluster::start(std::move(o));
    EXPECT_FALSE(started);
    return started ? std::string() : started.error().message;
  };
  auto o = options_for("a");
  o.lease_ttl = 1500ms;
  EXPECT_EQ(refused(o), "etcd lease TTL must be a whole number of seconds, at least 2 s (got 1500 ms)");
  o = options_for("a");
  o.lease_ttl = 1000ms;
  EXPECT_NE(refused(o).find("at least 2 s"), std::string::npos);
  o = options_for("a");
  o.endpoints.clear();
  EXPECT_EQ(refused(o), "no etcd endpoint given (expected http://host:port, ...)");
  o = options_for("a");
  o.endpoints = {"127.0.0.1:2379"};
  EXPECT_NE(refused(o).find("etcd endpoint"), std::string::npos);
  o.endpoints = {"https://127.0.0.1:2379"};
  EXPECT_NE(refused(o).find("https://127.0.0.1:2379"), std::string::npos);
  o = options_for("a");
  o.member_url = "not a url";
  EXPECT_NE(refused(o).find("cluster member URL"), std::string::npos);
  o = options_for("a/b");
  EXPECT_NE(refused(o).find("no '/'"), std::string::npos);
}

TEST_F(EtcdClusterTest, UnreachableEtcdFailsAfterTheStartTimeout) {
  auto o = options_for("a");
  etcd_.kill();
  o.start_timeout = 1s;
  const auto started = Clock::now();
  auto cluster = EtcdCluster::start(o);
  ASSERT_FALSE(cluster);
  EXPECT_EQ(cluster.error().code, ErrorCode::Unavailable);
  EXPECT_NE(cluster.error().message.find("cannot reach etcd at " + etcd_.endpoint()), std::string::npos)
      << cluster.error().message;
  EXPECT_LT(ms_since(started), 5000);
}

TEST_F(EtcdClusterTest, FailsOverToAnEndpointThatAnswers) {
  auto o = options_for("a");
  o.endpoints = {"http://127.0.0.1:1", etcd_.endpoint()};  // nothing listens on port 1
  auto started = EtcdCluster::start(o);
  ASSERT_TRUE(started) << started.error().message;
  EXPECT_TRUE(eventually([&] { return (*started)->is_leader(); }, 5s));
}

}  // namespace
}  // namespace colonies::cluster
