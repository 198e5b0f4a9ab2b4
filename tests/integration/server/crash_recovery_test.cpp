// kill -9 durability of coloniesd: while clients submit and a simulated executor assigns and
// closes, the server is SIGKILLed at three different moments and restarted on the same data
// directory. Every acknowledged submit must exist once, every acknowledged close must be SUCCESS,
// processes held RUNNING must still be RUNNING, and in the end everything drains to SUCCESS.
// A second test does the same to a 20,000-process batched run, killed ten times at random moments.
#include <atomic>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>

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

// ---- 20,000 processes, ten kills.
// Two submitters each send a batch of kBatch specs (brief replies) every kSubmitPeriod, so the
// 20,000 take about as long as the ten rounds and every kill lands in the middle of the run; two
// executors of their own assign batches and close them as fast as they can. Each round runs the
// stream for a random time and ends with a SIGKILL;
// after the restart every acknowledged submit must exist and every acknowledged close be
// SUCCESS. After the tenth restart the run goes on until kRunTotal submits were acknowledged and
// everything is drained: then each acknowledged process is SUCCESS, none was acknowledged closed
// twice, and there are no more processes than specs sent. The seed is printed;
// COLONIES_KILL_SEED=N replays one.
constexpr int kRunTotal = 20000;
constexpr int kBatch = 100;
constexpr auto kSubmitPeriod = std::chrono::milliseconds(100);  // 2 x 1,000 submits a second
constexpr int kKills = 10;

struct RunLedger {
  std::mutex mu;
  std::set<std::string> submitted;           // acknowledged submits
  std::unordered_map<std::string, int> closes;  // acknowledged closes per process
  std::int64_t sent = 0;                     // specs sent, acknowledged or not
  std::size_t acknowledged() {
    std::lock_guard lock(mu);
    return submitted.size();
  }
};

class Kill9RunTest : public CrashRecoveryTest {
 protected:
  void submit_batches(const std::atomic<bool>& stop) {
    auto c = connect(server_->port(), setup_.user);
    auto next = std::chrono::steady_clock::now();
    while (!stop) {
      std::this_thread::sleep_until(next);  // pacing, not synchronisation
      next += kSubmitPeriod;
      const std::size_t have = run_.acknowledged();
      if (have >= static_cast<std::size_t>(kRunTotal)) return;
      const int n = static_cast<int>(std::min<std::size_t>(kBatch, kRunTotal - have));
      std::vector<model::FunctionSpec> specs(n, make_spec(setup_.colony, kWorkerType, "work", kWorkerExecTime));
      {
        std::lock_guard lock(run_.mu);
        run_.sent += n;
      }
      auto r = c.submit_batch_ids(specs);
      if (!r) continue;  // the server is down until the round ends
      std::lock_guard lock(run_.mu);
      for (const auto& item : *r) {
        if (item) run_.submitted.insert(*item);
      }
    }
  }

  void work_batches(const Key& key, const std::atomic<bool>& stop) {
    auto c = connect(server_->port(), key);
    while (!stop) {
      auto got = c.assign_batch(setup_.colony, kBatch, 1);
      if (!got) {
        if (got.error().code != ErrorCode::Timeout) std::this_thread::sleep_for(20ms);
        continue;
      }
      std::vector<client::ProcessClose> closes;
      for (const auto& p : *got) closes.push_back(client::ProcessClose{p.processid});
      auto r = c.close_batch_ids(closes);
      if (!r) continue;
      std::lock_guard lock(run_.mu);
      for (const auto& item : *r) {
        if (item) ++run_.closes[*item];
      }
    }
  }

  // State of every process of the colony, read in history pages.
  std::unordered_map<std::string, model::ProcessState> all_states() {
    auto c = connect(server_->port(), setup_.user);
    std::unordered_map<std::string, model::ProcessState> states;
    client::HistoryQuery q;
    q.colonyname = setup_.colony;
    q.seconds = 24 * 3600;
    q.count = 10000;
    auto status = c.for_each_history_page(q, [&](std::vector<model::Process>& page) -> Status {
      for (const auto& p : page) states.emplace(p.processid, p.state);
      return {};
    });
    EXPECT_TRUE(status.has_value()) << status.error().message;
    return states;
  }

  // Acknowledged submits exist; acknowledged closes are SUCCESS and were acknowledged once.
  void check_acknowledged(const std::unordered_map<std::string, model::ProcessState>& states) {
    std::lock_guard lock(run_.mu);
    int lost = 0;
    int not_success = 0;
    for (const auto& id : run_.submitted) {
      if (!states.contains(id) && ++lost <= 5) ADD_FAILURE() << "acknowledged submit " << id << " is lost";
    }
    for (const auto& [id, n] : run_.closes) {
      EXPECT_EQ(n, 1) << id << " was acknowledged closed " << n << " times";
      auto it = states.find(id);
      if (it != states.end() && it->second != model::ProcessState::Success && ++not_success <= 5) {
        ADD_FAILURE() << "acknowledged close of " << id << " is state " << static_cast<int>(it->second);
      }
    }
    EXPECT_EQ(lost, 0) << "acknowledged submits lost";
    EXPECT_EQ(not_success, 0) << "acknowledged closes undone";
    EXPECT_LE(static_cast<std::int64_t>(states.size()), run_.sent) << "more processes than specs sent";
  }

  RunLedger run_;
};

TEST_F(Kill9RunTest, TwentyThousandProcessesSurviveTenRandomKills) {
  const char* env_seed = std::getenv("COLONIES_KILL_SEED");
  const unsigned seed = env_seed ? static_cast<unsigned>(std::strtoul(env_seed, nullptr, 10)) : std::random_device{}();
  std::cout << "kill seed " << seed << " (COLONIES_KILL_SEED to replay)\n";
  std::mt19937 rng(seed);
  // Rounds of 0.2-1.5 s at ~2,000 submits a second: the ten kills land across the first
  // ~17,000 of the 20,000 (while submitting, assigning, closing, and recovering from the last).
  std::uniform_int_distribution<int> run_ms(200, 1500);
  const Key worker2 = add_executor(server_->port(), setup_, "worker-2", kWorkerType);

  auto run_round = [&](std::optional<std::chrono::milliseconds> kill_after) {
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    threads.emplace_back([&] { submit_batches(stop); });
    threads.emplace_back([&] { submit_batches(stop); });
    threads.emplace_back([&] { work_batches(worker_, stop); });
    threads.emplace_back([&] { work_batches(worker2, stop); });
    if (kill_after) {
      std::this_thread::sleep_for(*kill_after);
      server_->kill9();
    } else {
      // No kill: until every submit is in and nothing is WAITING or RUNNING (orphans of the
      // kills come back after their maxexectime).
      auto c = connect(server_->port(), setup_.user);
      const auto until = std::chrono::steady_clock::now() + 240s;
      while (std::chrono::steady_clock::now() < until) {
        if (run_.acknowledged() >= static_cast<std::size_t>(kRunTotal)) {
          auto stats = c.colony_statistics(setup_.colony);
          if (stats && stats->waitingprocesses == 0 && stats->runningprocesses == 0) break;
        }
        std::this_thread::sleep_for(200ms);
      }
    }
    stop = true;
    for (auto& t : threads) t.join();
  };

  for (int kill = 0; kill < kKills; ++kill) {
    const auto after = std::chrono::milliseconds(run_ms(rng));
    run_round(after);
    ASSERT_TRUE(server_->start()) << server_->error();
    SCOPED_TRACE("after kill #" + std::to_string(kill + 1) + " at " + std::to_string(after.count()) + " ms");
    check_acknowledged(all_states());
    if (HasFailure()) return;
    std::cout << "kill #" << (kill + 1) << " after " << after.count() << " ms: " << run_.acknowledged()
              << " submits acknowledged\n";
  }
  run_round(std::nullopt);

  const auto states = all_states();
  check_acknowledged(states);
  std::lock_guard lock(run_.mu);
  EXPECT_GE(run_.submitted.size(), static_cast<std::size_t>(kRunTotal));
  std::size_t unfinished = 0;
  for (const auto& [id, state] : states) {
    if (state != model::ProcessState::Success) ++unfinished;
  }
  EXPECT_EQ(unfinished, 0u) << "processes not SUCCESS after the drain";
  std::cout << "sent " << run_.sent << " specs, " << run_.submitted.size() << " acknowledged, " << states.size()
            << " stored, " << run_.closes.size() << " closes acknowledged\n";
  RecordProperty("kill_seed", static_cast<int>(seed));
  RecordProperty("specs_sent", static_cast<int>(run_.sent));
  RecordProperty("processes_stored", static_cast<int>(states.size()));
}

}  // namespace
}  // namespace colonies::testing
