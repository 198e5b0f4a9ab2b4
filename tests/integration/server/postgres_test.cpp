// coloniesd on PostgreSQL: the real binary (--db-type postgresql) on a fresh schema of the test
// binary's throwaway PostgreSQL 15 (tests/support/postgres_cluster.hpp). State survives a server
// restart; and while PostgreSQL itself is stopped and started again during a load of submits,
// requests get 503, the server reconnects by itself, and no acknowledged submit is lost.
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "tests/integration/server/colony_setup.hpp"
#include "tests/integration/server/server_process.hpp"
#include "tests/support/postgres_cluster.hpp"

namespace colonies::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kType = "worker";

class PostgresServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerProcess::Options options;
    options.binary = COLONIESD_BINARY;
    options.data_dir = dir_.path() / "data";  // unused by the PostgreSQL store
    options.server_id = server_owner_.id;
    options.extra_args = {"--db-type", "postgresql", "--postgres", PostgresCluster::shared().fresh_schema_conninfo()};
    server_ = std::make_unique<ServerProcess>(options);
    ASSERT_TRUE(server_->start(60s)) << server_->error();
    ASSERT_NO_FATAL_FAILURE(create_colony(server_->port(), server_owner_, setup_));
    worker_ = add_executor(server_->port(), setup_, "worker-1", kType);
  }
  void TearDown() override {
    if (server_ && server_->running()) server_->kill9();
  }

  // Polls `condition` with a generous limit (a loaded machine, real PostgreSQL restarts).
  template <class F>
  static bool eventually(F&& condition, std::chrono::seconds limit = 60s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (condition()) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  TempDir dir_;
  Key server_owner_ = new_key();
  ColonySetup setup_;
  Key worker_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(PostgresServerTest, SubmitAssignCloseAndTheStateSurvivesARestart) {
  auto user = connect(server_->port(), setup_.user);
  auto first = user.submit(make_spec(setup_.colony, kType, "first"));
  ASSERT_TRUE(first) << first.error().message;
  auto second = user.submit(make_spec(setup_.colony, kType, "second"));
  ASSERT_TRUE(second) << second.error().message;
  {
    auto worker = connect(server_->port(), worker_);
    auto assigned = worker.assign(setup_.colony, 5);
    ASSERT_TRUE(assigned) << assigned.error().message;
    EXPECT_EQ(assigned->processid, first->processid);  // oldest first
    ASSERT_TRUE(worker.close_successful(first->processid, boost::json::array{"done"}));
  }

  ASSERT_EQ(server_->terminate(30s), 0) << server_->log_tail();
  ASSERT_TRUE(server_->start(60s)) << server_->error();

  user = connect(server_->port(), setup_.user);
  auto done = user.get_process(first->processid);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(done->state, model::ProcessState::Success);
  ASSERT_EQ(done->out.size(), 1u);
  EXPECT_EQ(done->out[0], boost::json::value("done"));
  // The waiting one is still queued and assignable after the restart.
  auto worker = connect(server_->port(), worker_);
  auto next = worker.assign(setup_.colony, 5);
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->processid, second->processid);
}

TEST_F(PostgresServerTest, LosingPostgresDuringSubmitsGives503AndLosesNoAcknowledgedSubmit) {
  std::mutex mu;
  std::set<std::string> acknowledged;
  std::int64_t attempts = 0;
  std::atomic<int> unavailable{0};
  std::atomic<int> timeouts{0};  // outcome unknown to the client: neither acknowledged nor an error
  std::atomic<int> other_errors{0};
  std::atomic<bool> stop{false};
  std::string last_other_error;
  auto submit_loop = [&] {
    auto c = connect(server_->port(), setup_.user);
    while (!stop) {
      {
        std::lock_guard lock(mu);
        ++attempts;
      }
      auto p = c.submit(make_spec(setup_.colony, kType, "work"));
      if (p) {
        std::lock_guard lock(mu);
        acknowledged.insert(p->processid);
      } else if (p.error().code == ErrorCode::Unavailable) {
        ++unavailable;
        std::this_thread::sleep_for(20ms);  // a client backing off, not synchronisation
      } else if (p.error().message.find("timed out") != std::string::npos) {
        ++timeouts;  // queued before the outage was noticed and still waiting for the database
      } else {
        ++other_errors;
        std::lock_guard lock(mu);
        last_other_error = p.error().message;
      }
    }
  };
  auto acknowledged_count = [&] {
    std::lock_guard lock(mu);
    return acknowledged.size();
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) threads.emplace_back(submit_loop);

  ASSERT_TRUE(eventually([&] { return acknowledged_count() >= 30; })) << "no load before the outage";
  PostgresCluster::shared().stop();
  // The loops' requests in flight wait for the database; a new request is refused at once once
  // the server has noticed the outage (its first failed commit).
  auto probe = connect(server_->port(), setup_.user);
  const bool saw_503 = eventually([&] {
    auto p = probe.submit(make_spec(setup_.colony, kType, "probe"));
    std::lock_guard lock(mu);
    ++attempts;
    if (p) acknowledged.insert(p->processid);
    if (!p && p.error().code == ErrorCode::Unavailable) ++unavailable;
    return !p && p.error().code == ErrorCode::Unavailable;
  });
  const std::size_t during = acknowledged_count();
  PostgresCluster::shared().start();
  // The server reconnects by itself: submits are acknowledged again.
  const bool recovered = eventually([&] { return acknowledged_count() >= during + 30; }, 90s);
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_TRUE(saw_503) << "no request was refused while PostgreSQL was down";
  ASSERT_TRUE(recovered) << "submits did not resume after PostgreSQL came back\n" << server_->log_tail();
  EXPECT_EQ(other_errors.load(), 0) << last_other_error;

  // Every acknowledged submit is there, once; nothing was invented.
  auto c = connect(server_->port(), setup_.user);
  std::lock_guard lock(mu);
  int missing = 0;
  for (const auto& id : acknowledged) {
    auto p = c.get_process(id);
    if (!p) {
      ++missing;
      ADD_FAILURE() << "acknowledged submit " << id << " is lost: " << p.error().message;
    }
  }
  EXPECT_EQ(missing, 0);
  auto stats = c.colony_statistics(setup_.colony);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_GE(stats->waitingprocesses, static_cast<std::int64_t>(acknowledged.size()));
  EXPECT_LE(stats->waitingprocesses, attempts);
  RecordProperty("acknowledged_submits", static_cast<int>(acknowledged.size()));
  RecordProperty("refused_with_503", unavailable.load());
  RecordProperty("client_timeouts", timeouts.load());

  // And the state is in PostgreSQL, not only in memory: a restarted server has all of it.
  ASSERT_EQ(server_->terminate(30s), 0) << server_->log_tail();
  ASSERT_TRUE(server_->start(60s)) << server_->error();
  auto after = connect(server_->port(), setup_.user);
  auto restarted = after.colony_statistics(setup_.colony);
  ASSERT_TRUE(restarted) << restarted.error().message;
  EXPECT_EQ(restarted->waitingprocesses, stats->waitingprocesses);
}

}  // namespace
}  // namespace colonies::testing
