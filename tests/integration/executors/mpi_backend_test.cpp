// LocalBackend's MPI launch against the real Open MPI mpirun and a real MPI program (mpi_hello),
// without a server: ranks bound to distinct cores, per-rank output, exit codes of failing ranks,
// cancellation and walltime killing every rank, and jobs waiting for cores another job holds.
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include "executors/local/local_backend.hpp"

namespace colonies::executors::local {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct RecordingSink final : JobSink {
  void line(OutputStream stream, std::string_view text) override {
    (stream == OutputStream::Stdout ? out : err).emplace_back(text);
  }
  void finished(JobResult r) override {
    EXPECT_FALSE(result.has_value()) << "finished twice";
    result = std::move(r);
  }
  std::string all_out() const {
    std::string text;
    for (const auto& l : out) text += l + "\n";
    return text;
  }
  std::vector<std::string> out;
  std::vector<std::string> err;
  std::optional<JobResult> result;
};

// A process is gone when /proc has no entry or only its zombie.
bool running(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string content;
  if (!stat || !std::getline(stat, content)) return false;
  auto close = content.rfind(')');
  return close != std::string::npos && close + 2 < content.size() && content[close + 2] != 'Z';
}

class MpiBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    host_ = detect_host_resources();
    if (host_.core_list.size() < 2) GTEST_SKIP() << "needs a host with at least 2 cores";
    work_ = fs::temp_directory_path() / ("colonies-mpi-backend-" + std::to_string(::getpid()));
    config_.workdir = work_;
    config_.kill_grace = 2s;
    config_.host = host_;
    config_.usable_cores = 2;
    config_.mpi.run_as_root = ::geteuid() == 0;
  }
  void TearDown() override {
    backend_.reset();
    fs::remove_all(work_);
  }

  LocalBackend& backend() {
    if (!backend_) {
      auto created = LocalBackend::create(config_);
      EXPECT_TRUE(created) << created.error().message;
      backend_ = std::move(*created);
    }
    return *backend_;
  }

  model::Process mpi_process(const std::string& id, int processes, boost::json::array args = {}) {
    model::Process p;
    p.processid = id;
    p.spec.funcname = MPI_HELLO_PATH;
    p.spec.args = std::move(args);
    p.spec.conditions.colonyname = "lab";
    p.spec.conditions.processes = processes;
    return p;
  }

  // Polls until `done` holds or the limit passes.
  bool poll_until(const std::function<bool()>& done, std::chrono::seconds limit = 60s) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > until) return false;
      EXPECT_TRUE(backend().poll(100ms));
    }
    return true;
  }

  // The pids the ranks printed ("[rank R] rank R pid P").
  static std::vector<pid_t> rank_pids(const RecordingSink& sink) {
    static const std::regex kPid(R"(^\[rank \d+\] rank \d+ pid (\d+)$)");
    std::vector<pid_t> pids;
    for (const auto& line : sink.out) {
      std::smatch m;
      if (std::regex_match(line, m, kPid)) pids.push_back(std::stoi(m[1].str()));
    }
    return pids;
  }

  HostResources host_;
  fs::path work_;
  LocalBackendConfig config_;
  std::unique_ptr<LocalBackend> backend_;
};

TEST_F(MpiBackendTest, RunsEveryRankOnItsOwnCoreWithTaggedOutput) {
  RecordingSink sink;
  ASSERT_TRUE(backend().submit(mpi_process("ok", 2), sink));
  ASSERT_TRUE(poll_until([&] { return sink.result.has_value(); }));
  ASSERT_TRUE(sink.result->success) << ::testing::PrintToString(sink.result->errors) << sink.all_out();
  static const std::regex kRank(R"(^\[rank (\d)\] rank (\d) of 2 on cpu (\d+)$)");
  std::set<int> ranks, cpus;
  for (const auto& line : sink.out) {
    std::smatch m;
    if (!std::regex_match(line, m, kRank)) continue;
    EXPECT_EQ(m[1].str(), m[2].str());
    ranks.insert(std::stoi(m[1].str()));
    cpus.insert(std::stoi(m[3].str()));
  }
  EXPECT_EQ(ranks, (std::set<int>{0, 1})) << sink.all_out();
  EXPECT_EQ(cpus.size(), 2u) << "both ranks ran on the same CPU:\n" << sink.all_out();
  EXPECT_NE(std::find(sink.out.begin(), sink.out.end(), "[rank 0] allreduce sum 1"), sink.out.end()) << sink.all_out();
  // --report-bindings: each rank's binding reaches the log too.
  int bound = 0;
  for (const auto& line : sink.err) bound += line.find("bound to") != std::string::npos;
  EXPECT_EQ(bound, 2) << ::testing::PrintToString(sink.err);
  EXPECT_EQ(sink.result->out.size(), sink.out.size());
}

TEST_F(MpiBackendTest, AFailingRankFailsTheJobWithItsExitCode) {
  RecordingSink sink;
  ASSERT_TRUE(backend().submit(mpi_process("fails", 2, {"--fail-rank", 1, "--code", 4}), sink));
  ASSERT_TRUE(poll_until([&] { return sink.result.has_value(); }));
  ASSERT_FALSE(sink.result->success);
  ASSERT_GE(sink.result->errors.size(), 2u);
  EXPECT_EQ(sink.result->errors[0], "MPI rank 1 exited with code 4");
  EXPECT_EQ(sink.result->errors[1], "exit code 4");
}

TEST_F(MpiBackendTest, ARankKilledByASignalFailsTheJobNamingIt) {
  RecordingSink sink;
  ASSERT_TRUE(backend().submit(mpi_process("killed", 2, {"--kill-rank", 1}), sink));
  ASSERT_TRUE(poll_until([&] { return sink.result.has_value(); }));
  ASSERT_FALSE(sink.result->success);
  ASSERT_GE(sink.result->errors.size(), 2u);
  EXPECT_EQ(sink.result->errors[0], "MPI rank 1 was killed by signal 9 (Killed)");
  EXPECT_EQ(sink.result->errors[1], "exit code 137");
}

TEST_F(MpiBackendTest, CancelKillsEveryRank) {
  RecordingSink sink;
  auto handle = backend().submit(mpi_process("cancelled", 2, {"--sleep", 300}), sink);
  ASSERT_TRUE(handle) << handle.error().message;
  ASSERT_TRUE(poll_until([&] { return rank_pids(sink).size() == 2; })) << sink.all_out();
  const auto pids = rank_pids(sink);
  for (pid_t pid : pids) ASSERT_TRUE(running(pid));
  ASSERT_TRUE(backend().cancel(*handle, "process cancelled"));
  ASSERT_TRUE(poll_until([&] { return sink.result.has_value(); }));
  EXPECT_FALSE(sink.result->success);
  EXPECT_EQ(sink.result->errors.front(), "process cancelled");
  for (pid_t pid : pids) {
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (running(pid) && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(running(pid)) << "rank process " << pid << " survived the cancel";
  }
}

TEST_F(MpiBackendTest, WalltimeKillsEveryRank) {
  RecordingSink sink;
  model::Process p = mpi_process("walltime", 2, {"--sleep", 300});
  p.spec.conditions.walltime = 3;
  ASSERT_TRUE(backend().submit(p, sink));
  ASSERT_TRUE(poll_until([&] { return sink.result.has_value(); }));
  const auto pids = rank_pids(sink);
  ASSERT_EQ(pids.size(), 2u) << sink.all_out();
  EXPECT_EQ(sink.result->errors.front(), "walltime of 3 s exceeded");
  for (pid_t pid : pids) {
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (running(pid) && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(running(pid)) << "rank process " << pid << " survived the walltime";
  }
}

TEST_F(MpiBackendTest, AJobWaitsWhileAnotherHoldsItsCores) {
  RecordingSink first, second;
  auto holder = backend().submit(mpi_process("holder", 2, {"--sleep", 300}), first);
  ASSERT_TRUE(holder);
  ASSERT_TRUE(backend().submit(mpi_process("waiter", 2), second));
  ASSERT_TRUE(poll_until([&] { return rank_pids(first).size() == 2; })) << first.all_out();
  EXPECT_EQ(backend().stats().running, 2);
  // The holder is well under way; the waiter has not started (only the notice, no result).
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(backend().poll(100ms));
  EXPECT_EQ(second.out, (std::vector<std::string>{
                            "[colonies] waiting for 2 free cores: other processes hold them"}));
  EXPECT_FALSE(second.result.has_value());
  ASSERT_TRUE(backend().cancel(*holder, "make room"));
  ASSERT_TRUE(poll_until([&] { return second.result.has_value(); }));
  EXPECT_TRUE(second.result->success) << ::testing::PrintToString(second.result->errors);
  EXPECT_TRUE(first.result.has_value());
}

TEST_F(MpiBackendTest, CancellingAWaitingJobReportsItWithoutStartingIt) {
  RecordingSink first, second;
  auto holder = backend().submit(mpi_process("holder", 2, {"--sleep", 300}), first);
  ASSERT_TRUE(holder);
  auto waiter = backend().submit(mpi_process("waiter", 2), second);
  ASSERT_TRUE(waiter);
  ASSERT_TRUE(backend().cancel(*waiter, "process cancelled"));
  ASSERT_TRUE(poll_until([&] { return second.result.has_value(); }));
  EXPECT_FALSE(second.result->success);
  EXPECT_EQ(second.result->errors, (std::vector<std::string>{"process cancelled"}));
  EXPECT_EQ(second.out.size(), 0u) << "cancelled before its first poll: not even the waiting notice";
  ASSERT_TRUE(backend().cancel(*holder, "done"));
  ASSERT_TRUE(poll_until([&] { return first.result.has_value(); }));
}

TEST_F(MpiBackendTest, MissingMpirunIsRefusedWithWhatToDo) {
  config_.mpi.mpirun = "no-such-mpirun";
  RecordingSink sink;
  auto handle = backend().submit(mpi_process("nompirun", 2), sink);
  ASSERT_FALSE(handle);
  EXPECT_TRUE(handle.error().message.starts_with("this process needs MPI but command 'no-such-mpirun' not found in PATH"))
      << handle.error().message;
  EXPECT_TRUE(handle.error().message.ends_with("install Open MPI or start the executor with --mpirun PATH"));
}

TEST_F(MpiBackendTest, MoreRanksThanCoresIsRefused) {
  RecordingSink sink;
  auto handle = backend().submit(mpi_process("toomany", 3), sink);
  ASSERT_FALSE(handle);
  EXPECT_EQ(handle.error().message,
            "3 MPI ranks × 1 core need 3 cores, but this executor has 2 for MPI ranks; ask for fewer processes (or "
            "less cpu), or start the executor with --mpi-oversubscribe to let ranks share cores");
}

TEST_F(MpiBackendTest, OversubscribesOnlyWhenTheSiteAllowsIt) {
  config_.mpi.oversubscribe = true;
  RecordingSink sink;
  ASSERT_TRUE(backend().submit(mpi_process("shared", 3), sink));
  ASSERT_TRUE(poll_until([&] { return sink.result.has_value(); }));
  EXPECT_TRUE(sink.result->success) << ::testing::PrintToString(sink.result->errors);
  int ranks = 0;
  for (const auto& line : sink.out) ranks += line.find(" of 3 on cpu ") != std::string::npos;
  EXPECT_EQ(ranks, 3) << sink.all_out();
}

}  // namespace
}  // namespace colonies::executors::local
