// High availability end to end: one etcd (tests/support/etcd_test_server.hpp), one PostgreSQL
// (tests/support/postgres_cluster.hpp) and three real coloniesd (--cluster etcd --lease-ttl 2),
// driven through the followers with the C++ SDK. The leader is killed with SIGKILL in the middle
// of a load of submits and assigns: work resumes within seconds, nothing acknowledged is lost,
// nothing is handed out twice; pause state and crons carry over to the next leader; subscriptions
// on a follower see changes made through another and carry on after a failover. Measured
// timings are printed, and asserted only against generous bounds.
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "adapters/transport/http/http_client.hpp"
#include "core/model/workflow.hpp"
#include "tests/integration/server/colony_setup.hpp"
#include "tests/integration/server/server_process.hpp"
#include "tests/support/etcd_test_server.hpp"
#include "tests/support/postgres_cluster.hpp"

namespace colonies::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kType = "worker";
constexpr int kServers = 3;

long ms_between(Clock::time_point from, Clock::time_point to) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count());
}

class HaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto conninfo = PostgresCluster::shared().fresh_schema_conninfo();
    for (int i = 0; i < kServers; ++i) {
      ServerProcess::Options options;
      options.binary = COLONIESD_BINARY;
      options.data_dir = dir_.path() / ("data-" + std::to_string(i));
      options.log_file = dir_.path() / ("coloniesd-" + std::to_string(i) + ".log");
      options.server_id = server_owner_.id;
      options.grpc = true;
      options.extra_args = {"--db-type",      "postgresql",     "--postgres",    conninfo,
                            "--cluster",      "etcd",           "--etcd-endpoints", etcd_.endpoint(),
                            "--lease-ttl",    "2",              "--cluster-name", "node-" + std::to_string(i),
                            "--etcd-prefix",  "/ha"};
      servers_.push_back(std::make_unique<ServerProcess>(options));
      ASSERT_TRUE(servers_.back()->start(60s)) << servers_.back()->error();
    }
    ASSERT_TRUE(eventually([&] { return leader_index() >= 0; }, 20s)) << "no leader elected";
    const int leader = leader_index();
    for (int i = 0; i < kServers; ++i) {
      if (i != leader) followers_.push_back(i);
    }
    ASSERT_NO_FATAL_FAILURE(create_colony(port(followers_[0]), server_owner_, setup_));
  }
  void TearDown() override {
    if (HasFailure()) {
      for (auto& s : servers_) std::fprintf(stderr, "---- coloniesd log:\n%s\n", s->log_tail(3000).c_str());
    }
    for (auto& s : servers_) {
      if (s->running()) s->kill9();
    }
  }

  std::uint16_t port(int i) const { return servers_[i]->port(); }

  // GET /health of server i; an empty object when it does not answer.
  boost::json::object health(int i) const {
    transport::HttpClientOptions options;
    options.port = port(i);
    transport::HttpClient http(options);
    auto reply = http.get("/health", 2000ms);
    if (!reply || reply->status != 200) return {};
    auto body = boost::json::parse(reply->body);
    return body.is_object() ? body.as_object() : boost::json::object{};
  }
  // A string field of /health ("" when absent).
  std::string health_field(int i, const char* key) const {
    auto h = health(i);
    const auto* v = h.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
  }
  // The running server whose /health says it leads; -1 when none does (yet).
  int leader_index() const {
    for (int i = 0; i < kServers; ++i) {
      if (!servers_[i]->running()) continue;
      if (health_field(i, "role") == "leader") return i;
    }
    return -1;
  }

  template <class F>
  static bool eventually(F&& condition, std::chrono::milliseconds limit = 60s) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      if (condition()) return true;
      std::this_thread::sleep_for(20ms);
    }
    return condition();
  }

  client::ClusterInfo cluster_info(int via) {
    auto owner = connect(port(via), server_owner_);
    auto info = owner.cluster_info();
    EXPECT_TRUE(info) << info.error().message;
    return info ? *info : client::ClusterInfo{};
  }

  void subscriptions_carry_on_after_a_failover(client::TransportKind transport);

  EtcdServer etcd_;
  TempDir dir_;
  Key server_owner_ = new_key();
  ColonySetup setup_;
  std::vector<std::unique_ptr<ServerProcess>> servers_;
  std::vector<int> followers_;  // the servers that did not lead at first
};

TEST_F(HaTest, HealthAndClusterInfoNameTheLeader) {
  const int leader = leader_index();
  ASSERT_GE(leader, 0);
  for (int i = 0; i < kServers; ++i) {
    EXPECT_EQ(health_field(i, "role"), i == leader ? "leader" : "follower") << i;
    EXPECT_EQ(health_field(i, "leadername"), "node-" + std::to_string(leader)) << i;
  }
  auto info = cluster_info(followers_[1]);
  EXPECT_EQ(info.leader, "node-" + std::to_string(leader));
  EXPECT_GT(info.epoch, 0);
  std::set<std::string> names;
  for (const auto& m : info.members) {
    names.insert(m.name);
    EXPECT_EQ(m.leader, m.name == info.leader) << m.name;
    EXPECT_EQ(m.url.rfind("http://127.0.0.1:", 0), 0u) << m.url;
  }
  EXPECT_EQ(names, (std::set<std::string>{"node-0", "node-1", "node-2"}));
}

TEST_F(HaTest, GracefulStopOfTheLeaderHandsOverWithoutWaitingForTheLease) {
  auto worker = add_executor(port(followers_[0]), setup_, "worker-0", kType);
  // A long-poll relayed to the leader is open while it stops.
  std::thread poller([&] {
    auto c = connect(port(followers_[0]), worker);
    (void)c.assign(setup_.colony, 3);
  });
  std::this_thread::sleep_for(300ms);
  const int old_leader = leader_index();
  const auto old_epoch = cluster_info(followers_[0]).epoch;
  const auto stopped_at = Clock::now();
  auto exit_code = servers_[old_leader]->terminate(30s);
  const long exit_ms = ms_between(stopped_at, Clock::now());
  EXPECT_EQ(exit_code, 0) << servers_[old_leader]->log_tail();
  ASSERT_TRUE(eventually([&] { return leader_index() >= 0; }, 15s)) << "no new leader";
  const long elected_ms = ms_between(stopped_at, Clock::now());
  std::printf("  SIGTERM to leader node-%d: it exited after %ld ms, node-%d leads after %ld ms (by /health)\n",
              old_leader, exit_ms, leader_index(), elected_ms);
  // The lease is revoked on the way out. Waiting for it to expire instead would take at least
  // 2/3 of the TTL (1333 ms) after the exit: the last keepalive is at most TTL/3 old.
  EXPECT_LT(elected_ms - exit_ms, 1200);
  EXPECT_GT(cluster_info(followers_[0]).epoch, old_epoch);
  poller.join();
}

TEST_F(HaTest, TheAuditLedgerStaysOneChainAcrossAFailover) {
  // Requests through a follower before and after the leader stops: the next leader continues
  // the chain from the stored head, and the client-side check finds one intact chain.
  auto user = connect(port(followers_[0]), setup_.user);
  ASSERT_TRUE(user.submit(make_spec(setup_.colony, kType, "before")));
  auto owner = connect(port(followers_[0]), server_owner_);
  auto before = owner.get_audit_head();
  ASSERT_TRUE(before) << before.error().message;
  const int old_leader = leader_index();
  ASSERT_EQ(servers_[old_leader]->terminate(30s), 0) << servers_[old_leader]->log_tail();
  ASSERT_TRUE(eventually([&] { return leader_index() >= 0; }, 15s)) << "no new leader";
  const int via = followers_[0] == leader_index() ? followers_[1] : followers_[0];
  auto after_user = connect(port(via), setup_.user);
  ASSERT_TRUE(eventually([&] { return after_user.submit(make_spec(setup_.colony, kType, "after")).has_value(); }, 15s));
  auto after_owner = connect(port(via), server_owner_);
  auto verified = after_owner.verify_audit();
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_TRUE(verified->intact()) << verified->bad_seq << ": " << verified->problem;
  EXPECT_GT(verified->head.seq, before->head.seq);
  auto after = after_owner.get_audit({.after_seq = before->head.seq});
  ASSERT_TRUE(after) << after.error().message;
  ASSERT_FALSE(after->empty());
  EXPECT_EQ(after->front().prevhash, before->head.hash);
}

TEST_F(HaTest, KillingTheLeaderMidLoadLosesNothingAndAssignsNothingTwice) {
  constexpr int kSubmits = 300;
  constexpr int kKillAfter = 100;  // acknowledged submits
  // Executors long-poll on the followers (two on each).
  std::vector<Key> executors;
  for (int i = 0; i < 4; ++i) {
    executors.push_back(add_executor(port(followers_[0]), setup_, "worker-" + std::to_string(i), kType));
  }
  const int old_leader = leader_index();
  const auto old_epoch = cluster_info(followers_[0]).epoch;

  std::mutex mu;
  std::set<std::string> acknowledged;
  std::map<std::string, int> assigned;  // process id -> times an executor received it
  std::map<std::string, int> closed;    // process id -> successful closes
  std::vector<Clock::time_point> assign_times;
  std::atomic<int> submit_errors{0};
  std::atomic<bool> stop{false};

  std::vector<std::thread> workers;
  for (std::size_t e = 0; e < executors.size(); ++e) {
    workers.emplace_back([&, e] {
      auto c = connect(port(followers_[e % 2]), executors[e]);
      while (!stop) {
        auto p = c.assign(setup_.colony, 1);
        if (!p) {
          if (p.error().code != ErrorCode::Timeout) std::this_thread::sleep_for(50ms);
          continue;
        }
        {
          std::lock_guard lock(mu);
          ++assigned[p->processid];
          assign_times.push_back(Clock::now());
        }
        // Close until it is recorded: a close whose reply was lost with the leader is repeated,
        // and a repeat of one that did land is refused as a conflict.
        for (int attempt = 0; attempt < 200; ++attempt) {
          auto done = c.close_successful(p->processid);
          if (done) {
            std::lock_guard lock(mu);
            ++closed[p->processid];
            break;
          }
          if (done.error().code == ErrorCode::Conflict) {
            auto p_now = c.get_process(p->processid);
            if (p_now && p_now->state == model::ProcessState::Success) {
              std::lock_guard lock(mu);
              ++closed[p->processid];
            }
            break;
          }
          std::this_thread::sleep_for(100ms);
        }
      }
    });
  }

  Clock::time_point killed_at{};
  const auto load_started = Clock::now();
  std::thread submitter([&] {
    auto c = connect(port(followers_[0]), setup_.user);
    for (int i = 0; i < kSubmits;) {
      auto p = c.submit(make_spec(setup_.colony, kType, "load", 30));
      if (!p) {
        ++submit_errors;  // 503 while there is no leader, or an outcome lost with the leader
        std::this_thread::sleep_for(50ms);
        continue;
      }
      std::size_t count = 0;
      {
        std::lock_guard lock(mu);
        acknowledged.insert(p->processid);
        count = acknowledged.size();
      }
      ++i;
      if (count == kKillAfter) {
        killed_at = Clock::now();
        servers_[old_leader]->kill9();
      }
      std::this_thread::sleep_for(5ms);
    }
  });
  submitter.join();
  const auto submitted_at = Clock::now();
  ASSERT_NE(killed_at, Clock::time_point{});

  // Every acknowledged submit gets assigned and closed.
  const bool all_closed = eventually([&] {
    std::lock_guard lock(mu);
    for (const auto& id : acknowledged) {
      if (!closed.contains(id)) return false;
    }
    return true;
  }, 90s);
  std::printf("  %d submits took %ld ms; the last acknowledged one closed %ld ms after that\n", kSubmits,
              ms_between(load_started, submitted_at), ms_between(submitted_at, Clock::now()));
  stop = true;
  for (auto& t : workers) t.join();

  std::lock_guard lock(mu);
  EXPECT_TRUE(all_closed) << "acknowledged submits never closed";
  // The gap: from the kill to the first assignment received afterwards.
  Clock::time_point resumed{};
  for (auto t : assign_times) {
    if (t > killed_at && (resumed == Clock::time_point{} || t < resumed)) resumed = t;
  }
  ASSERT_NE(resumed, Clock::time_point{}) << "no assignment after the kill";
  const long gap_ms = ms_between(killed_at, resumed);
  std::printf("  leader node-%d killed after %d submits: assignments resumed %ld ms later; %zu acknowledged, "
              "%zu assigned, %d submit errors during the failover\n",
              old_leader, kKillAfter, gap_ms, acknowledged.size(), assigned.size(), submit_errors.load());
  EXPECT_LT(gap_ms, 5000);
  for (const auto& [id, times] : assigned) EXPECT_EQ(times, 1) << id << " was assigned " << times << " times";
  for (const auto& [id, times] : closed) EXPECT_EQ(times, 1) << id << " was closed " << times << " times";

  // Every acknowledged process is in the store, closed successfully.
  auto user = connect(port(followers_[0]), setup_.user);
  for (const auto& id : acknowledged) {
    auto p = user.get_process(id);
    ASSERT_TRUE(p) << id << ": " << p.error().message;
    EXPECT_EQ(p->state, model::ProcessState::Success) << id;
  }

  // The new leader is one of the followers, in a larger epoch; health and cluster info agree.
  const int new_leader = leader_index();
  ASSERT_GE(new_leader, 0);
  EXPECT_NE(new_leader, old_leader);
  auto info = cluster_info(followers_[0]);
  EXPECT_EQ(info.leader, "node-" + std::to_string(new_leader));
  EXPECT_GT(info.epoch, old_epoch);
  EXPECT_EQ(info.members.size(), 2u);
  std::printf("  epoch %lld -> %lld\n", static_cast<long long>(old_epoch), static_cast<long long>(info.epoch));
  for (int i : followers_) {
    EXPECT_EQ(health_field(i, "role"), i == new_leader ? "leader" : "follower");
  }
}

TEST_F(HaTest, ALeaderCutOffFromEtcdStepsDownAndTheClusterRecovers) {
  const int old_leader = leader_index();
  const auto old_epoch = cluster_info(followers_[0]).epoch;
  const auto cut_at = Clock::now();
  etcd_.kill();
  std::optional<int> code;
  ASSERT_TRUE(eventually([&] { return (code = servers_[old_leader]->exit_code()).has_value(); }, 10s))
      << "the leader kept running without etcd";
  const long stepped_down_ms = ms_between(cut_at, Clock::now());
  EXPECT_EQ(code, 3) << servers_[old_leader]->log_tail();
  for (int i : followers_) {
    EXPECT_TRUE(servers_[i]->running());
    EXPECT_EQ(health_field(i, "role"), "follower");
  }

  etcd_.start();
  const auto back_at = Clock::now();
  ASSERT_TRUE(eventually([&] { return leader_index() >= 0; }, 30s)) << "no leader after etcd came back";
  std::printf("  etcd killed: leader node-%d exited with code 3 after %ld ms; etcd back: node-%d leads after %ld ms\n",
              old_leader, stepped_down_ms, leader_index(), ms_between(back_at, Clock::now()));
  // The deposed leader, started again as its supervisor would, rejoins as a follower.
  ASSERT_TRUE(servers_[old_leader]->start(60s)) << servers_[old_leader]->error();
  EXPECT_TRUE(eventually([&] { return health_field(old_leader, "role") == "follower"; }, 10s));
  auto info = cluster_info(old_leader);
  EXPECT_GT(info.epoch, old_epoch);
  EXPECT_TRUE(eventually([&] { return cluster_info(old_leader).members.size() == 3; }, 10s));
}

TEST_F(HaTest, PauseAndCronsCarryOverToTheNextLeader) {
  auto worker = add_executor(port(followers_[0]), setup_, "worker-0", kType);
  auto owner = connect(port(followers_[0]), setup_.owner);
  auto user = connect(port(followers_[1]), setup_.user);

  // A cron every second, whose processes nobody takes (executor type "ticker").
  model::Cron cron;
  cron.colonyname = setup_.colony;
  cron.name = "tick";
  cron.interval = 1;
  auto tick = make_spec(setup_.colony, "ticker", "tick");
  tick.nodename = "tick";
  cron.workflowspec = boost::json::serialize(model::to_json(model::WorkflowSpec{setup_.colony, {tick}}));
  auto added = user.add_cron(cron);
  ASSERT_TRUE(added) << added.error().message;
  auto ticks = [&] {
    client::ProcessQuery q;
    q.colonyname = setup_.colony;
    q.executortype = "ticker";
    q.count = 100;
    auto waiting = user.get_processes(q);
    return waiting ? static_cast<int>(waiting->size()) : -1;
  };
  ASSERT_TRUE(eventually([&] { return ticks() >= 2; }, 15s)) << "the cron does not run";

  // Paused through a follower: a submitted process is not handed out.
  ASSERT_TRUE(owner.pause_assignments(setup_.colony));
  auto paused = user.pause_status(setup_.colony);
  ASSERT_TRUE(paused) << paused.error().message;
  EXPECT_TRUE(paused->ispaused);
  auto submitted = user.submit(make_spec(setup_.colony, kType, "after-pause"));
  ASSERT_TRUE(submitted) << submitted.error().message;
  auto executor = connect(port(followers_[1]), worker);
  EXPECT_FALSE(executor.assign(setup_.colony, 1));

  const int old_leader = leader_index();
  const auto killed_at = Clock::now();
  servers_[old_leader]->kill9();
  ASSERT_TRUE(eventually([&] { return leader_index() >= 0; }, 15s)) << "no new leader";
  std::printf("  leader node-%d killed: node-%d leads after %ld ms (by /health)\n", old_leader, leader_index(),
              ms_between(killed_at, Clock::now()));

  // Still paused under the new leader.
  paused = user.pause_status(setup_.colony);
  ASSERT_TRUE(paused) << paused.error().message;
  EXPECT_TRUE(paused->ispaused);
  EXPECT_FALSE(executor.assign(setup_.colony, 1));
  // The cron keeps running.
  const int before = ticks();
  EXPECT_TRUE(eventually([&] { return ticks() >= before + 2; }, 15s)) << "the cron stopped with the old leader";
  // Resumed: the process submitted while paused is handed out.
  ASSERT_TRUE(owner.resume_assignments(setup_.colony));
  auto assigned = executor.assign(setup_.colony, 10);
  ASSERT_TRUE(assigned) << assigned.error().message;
  EXPECT_EQ(assigned->processid, submitted->processid);
}

// Subscribers on one follower, over `transport`; changes through the other follower.
void HaTest::subscriptions_carry_on_after_a_failover(client::TransportKind transport) {
  auto subscriber_at = [&](int i) {
    return server_at(transport == client::TransportKind::Grpc ? servers_[i]->grpc_port() : port(i), transport);
  };
  auto worker = add_executor(port(followers_[1]), setup_, "worker-0", kType);
  // Changes go through one follower, subscriptions are on the other.
  auto user = connect(port(followers_[1]), setup_.user);
  auto watched = user.submit(make_spec(setup_.colony, kType, "watched"));
  ASSERT_TRUE(watched) << watched.error().message;

  std::mutex mu;
  std::set<std::string> seen;  // probes the subscriber received
  std::atomic<bool> stop{false};
  Status subscribed = ok();
  std::thread subscriber([&] {
    auto c = connect(subscriber_at(followers_[0]), setup_.user);
    subscribed = c.subscribe_processes(setup_.colony, "probe", model::ProcessState::Waiting, 120,
                                       [&](const model::Process& p) {
                                         std::lock_guard lock(mu);
                                         seen.insert(p.processid);
                                         return !stop.load();
                                       });
  });
  std::optional<Result<model::Process>> waited;
  std::thread waiter([&] {
    auto c = connect(subscriber_at(followers_[0]), setup_.user);
    waited = c.wait_for_process(setup_.colony, watched->processid, model::ProcessState::Success, 120);
  });
  // Submits a probe every 200 ms until the subscriber has one of them; returns when it did.
  auto probe_until_seen = [&](std::chrono::milliseconds limit) {
    std::vector<std::string> probes;
    return eventually(
        [&] {
          auto p = user.submit(make_spec(setup_.colony, "probe", "probe"));
          if (p) probes.push_back(p->processid);
          std::this_thread::sleep_for(200ms);
          std::lock_guard lock(mu);
          for (const auto& id : probes) {
            if (seen.contains(id)) return true;
          }
          return false;
        },
        limit);
  };
  ASSERT_TRUE(probe_until_seen(15s)) << "a change made through one follower never reached a subscriber on another";

  const int old_leader = leader_index();
  const auto killed_at = Clock::now();
  servers_[old_leader]->kill9();
  ASSERT_TRUE(probe_until_seen(30s)) << "the subscription did not carry on after the failover";
  std::printf("  leader node-%d killed: the %s subscriber on a follower has new events after %ld ms\n", old_leader,
              transport == client::TransportKind::Grpc ? "gRPC" : "WebSocket", ms_between(killed_at, Clock::now()));

  // The process waited for is finished under the new leader; the waiter, subscribed since before
  // the failover, gets it.
  auto executor = connect(port(followers_[1]), worker);
  Result<model::Process> assigned = fail(ErrorCode::Unavailable, "not tried");
  ASSERT_TRUE(eventually([&] { return (assigned = executor.assign(setup_.colony, 2)).has_value(); }, 30s))
      << assigned.error().message;
  ASSERT_EQ(assigned->processid, watched->processid);
  ASSERT_TRUE(executor.close_successful(watched->processid));
  waiter.join();
  ASSERT_TRUE(waited.has_value());
  ASSERT_TRUE(waited->has_value()) << (*waited).error().message;
  EXPECT_EQ((*waited)->state, model::ProcessState::Success);

  stop = true;
  (void)user.submit(make_spec(setup_.colony, "probe", "last"));  // lets the subscriber return
  subscriber.join();
  EXPECT_TRUE(subscribed.has_value()) << subscribed.error().message;
}

TEST_F(HaTest, SubscriptionsOnAFollowerSeeEveryChangeAndCarryOnAfterAFailover) {
  subscriptions_carry_on_after_a_failover(client::TransportKind::Http);
}

TEST_F(HaTest, GrpcSubscriptionsOnAFollowerCarryOnAfterAFailoverToo) {
  subscriptions_carry_on_after_a_failover(client::TransportKind::Grpc);
}

}  // namespace
}  // namespace colonies::testing
