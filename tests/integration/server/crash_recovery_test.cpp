// kill -9 durability of coloniesd: while clients submit and a simulated executor assigns and
// closes, the server is SIGKILLed at three different moments and restarted on the same data
// directory. Every acknowledged submit must exist once, every acknowledged close must be SUCCESS,
// processes held RUNNING must still be RUNNING, and in the end everything drains to SUCCESS.
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "tests/integration/server/colony_setup.hpp"
#include "tests/integration/server/server_process.hpp"

namespace colonies::testing {
namespace {

using namespace std::chrono_literals;

// Streamed work goes to "worker" executors; "holder" processes are assigned just before a kill
// and never closed, so they are RUNNING when the server dies. Both come back to WAITING after
// their maxexectime once the server is up again, and retry forever.
constexpr const char* kWorkerType = "worker";
constexpr const char* kHolderType = "holder";
constexpr std::int64_t kWorkerExecTime = 3;
constexpr std::int64_t kHolderExecTime = 5;
constexpr int kHeldPerRound = 3;

struct Ledger {
  std::mutex mu;
  std::set<std::string> submitted;  // acknowledged submits
  std::set<std::string> closed;     // acknowledged closes
  std::int64_t attempts = 0;        // submits sent, acknowledged or not
  void add_submitted(const std::string& id) {
    std::lock_guard lock(mu);
    submitted.insert(id);
  }
};

class CrashRecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerProcess::Options options;
    options.binary = COLONIESD_BINARY;
    options.data_dir = dir_.path() / "data";
    options.server_id = server_owner_.id;
    server_ = std::make_unique<ServerProcess>(options);
    ASSERT_TRUE(server_->start()) << server_->error();
    ASSERT_NO_FATAL_FAILURE(create_colony(server_->port(), server_owner_, setup_));
    worker_ = add_executor(server_->port(), setup_, "worker-1", kWorkerType);
    holder_ = add_executor(server_->port(), setup_, "holder-1", kHolderType);
  }
  void TearDown() override {
    if (server_ && server_->running()) server_->kill9();
  }

  // Submits worker processes until `stop`, pacing itself so the ledger stays checkable.
  void submit_loop(const std::atomic<bool>& stop) {
    auto c = connect(server_->port(), setup_.user);
    while (!stop) {
      {
        std::lock_guard lock(ledger_.mu);
        ++ledger_.attempts;
      }
      auto p = c.submit(make_spec(setup_.colony, kWorkerType, "work", kWorkerExecTime));
      if (p) ledger_.add_submitted(p->processid);
      std::this_thread::sleep_for(2ms);  // pacing, not synchronisation
    }
  }

  // Assigns and closes worker processes until `stop`.
  void work_loop(const std::atomic<bool>& stop) {
    auto c = connect(server_->port(), worker_);
    while (!stop) {
      auto p = c.assign(setup_.colony, 1);
      if (!p) continue;
      if (c.close_successful(p->processid)) {
        std::lock_guard lock(ledger_.mu);
        ledger_.closed.insert(p->processid);
      }
    }
  }

  // Submits and assigns `kHeldPerRound` holder processes; returns the acknowledged assigned ids.
  std::vector<std::string> hold_some() {
    auto user = connect(server_->port(), setup_.user);
    auto holder = connect(server_->port(), holder_);
    std::vector<std::string> held;
    for (int i = 0; i < kHeldPerRound; ++i) {
      {
        std::lock_guard lock(ledger_.mu);
        ++ledger_.attempts;
      }
      auto p = user.submit(make_spec(setup_.colony, kHolderType, "hold", kHolderExecTime));
      if (!p) continue;
      ledger_.add_submitted(p->processid);
    }
    for (int i = 0; i < kHeldPerRound; ++i) {
      auto p = holder.assign(setup_.colony, -1);
      if (p) held.push_back(p->processid);
    }
    return held;
  }

  // After a restart: the acknowledged state is all there, once.
  void verify(const std::vector<std::string>& held, int round) {
    SCOPED_TRACE("after kill #" + std::to_string(round + 1));
    auto c = connect(server_->port(), setup_.user);
    // First, while their exec deadlines are still ahead: held processes are still RUNNING.
    for (const auto& id : held) {
      auto p = c.get_process(id);
      ASSERT_TRUE(p.has_value()) << id << ": " << p.error().message;
      EXPECT_EQ(p->state, model::ProcessState::Running) << id;
      EXPECT_EQ(p->assignedexecutorid, holder_.id) << id;
    }
    std::lock_guard lock(ledger_.mu);
    int missing = 0;
    for (const auto& id : ledger_.submitted) {
      auto p = c.get_process(id);
      if (!p) {
        ++missing;
        ADD_FAILURE() << "acknowledged submit " << id << " is lost: " << p.error().message;
        continue;
      }
      if (ledger_.closed.contains(id)) {
        EXPECT_EQ(p->state, model::ProcessState::Success) << id;
      }
    }
    EXPECT_EQ(missing, 0);
    auto stats = c.colony_statistics(setup_.colony);
    ASSERT_TRUE(stats.has_value()) << stats.error().message;
    const std::int64_t total = stats->waitingprocesses + stats->runningprocesses + stats->successfulprocesses +
                               stats->failedprocesses + stats->cancelledprocesses;
    EXPECT_GE(total, static_cast<std::int64_t>(ledger_.submitted.size()));
    EXPECT_LE(total, ledger_.attempts) << "more processes than submissions: some were duplicated";
    EXPECT_EQ(stats->failedprocesses, 0);
    EXPECT_GE(stats->successfulprocesses, static_cast<std::int64_t>(ledger_.closed.size()));
  }

  TempDir dir_;
  Key server_owner_ = new_key();
  ColonySetup setup_;
  Key worker_;
  Key holder_;
  std::unique_ptr<ServerProcess> server_;
  Ledger ledger_;
};

TEST_F(CrashRecoveryTest, AcknowledgedWorkSurvivesKill9AtThreeMoments) {
  const std::chrono::milliseconds kill_after[] = {700ms, 1500ms, 2300ms};
  for (int round = 0; round < 3; ++round) {
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    threads.emplace_back([&] { submit_loop(stop); });
    threads.emplace_back([&] { submit_loop(stop); });
    threads.emplace_back([&] { work_loop(stop); });
    std::this_thread::sleep_for(kill_after[round]);  // where in the stream the kill lands
    const auto held = hold_some();
    EXPECT_EQ(held.size(), static_cast<std::size_t>(kHeldPerRound));
    server_->kill9();
    stop = true;
    for (auto& t : threads) t.join();
    ASSERT_TRUE(server_->start()) << server_->error();
    verify(held, round);
    if (HasFatalFailure()) return;
  }
  {
    std::lock_guard lock(ledger_.mu);
    EXPECT_GT(ledger_.submitted.size(), 50u) << "the stream hardly ran";
    EXPECT_GT(ledger_.closed.size(), 10u);
    RecordProperty("acknowledged_submits", static_cast<int>(ledger_.submitted.size()));
    RecordProperty("acknowledged_closes", static_cast<int>(ledger_.closed.size()));
    RecordProperty("submit_attempts", static_cast<int>(ledger_.attempts));
  }

  // Drain: a worker and a holder that closes what it gets; held and orphaned RUNNING processes
  // come back after their maxexectime.
  std::atomic<bool> stop{false};
  std::thread worker([&] { work_loop(stop); });
  std::thread holder([&] {
    auto c = connect(server_->port(), holder_);
    while (!stop) {
      auto p = c.assign(setup_.colony, 1);
      if (p) (void)c.close_successful(p->processid);
    }
  });
  auto user = connect(server_->port(), setup_.user);
  const auto until = std::chrono::steady_clock::now() + 40s;
  bool drained = false;
  while (!drained && std::chrono::steady_clock::now() < until) {
    auto stats = user.colony_statistics(setup_.colony);
    drained = stats && stats->waitingprocesses == 0 && stats->runningprocesses == 0;
    if (!drained) std::this_thread::sleep_for(100ms);
  }
  stop = true;
  worker.join();
  holder.join();
  ASSERT_TRUE(drained) << "processes left WAITING or RUNNING after 40 s";
  std::lock_guard lock(ledger_.mu);
  for (const auto& id : ledger_.submitted) {
    auto p = user.get_process(id);
    ASSERT_TRUE(p.has_value()) << id << ": " << p.error().message;
    EXPECT_EQ(p->state, model::ProcessState::Success) << id;
  }
}

}  // namespace
}  // namespace colonies::testing
