// MPI processes end to end: a real coloniesd over loopback, the local executor (the Runtime with
// LocalBackend in this process, and once the colonies-local-executor binary started with a TOML
// --config), the real mpirun and the mpi_hello program with `processes: 2`. Checks what users
// see: per-rank output in the process log, SUCCESSFUL / FAILED with the rank's exit code, a
// cancel that leaves no rank running, and the hwloc capabilities the executor registers with.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <thread>

#include "executors/common/runtime.hpp"
#include "executors/local/host_resources.hpp"
#include "executors/local/local_backend.hpp"
#include "tests/integration/executors/colony_test.hpp"

namespace colonies::executors {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

using it::id_of;
using it::running;
using it::sodium;

class MpiExecutorTest : public it::ColonyTest {
 protected:
  void SetUp() override {
    it::ColonyTest::SetUp();
    host_ = local::detect_host_resources();
    if (host_.core_list.size() < 2) GTEST_SKIP() << "needs a host with at least 2 cores";
    type_ = it::test_slug("mpi-");
    work_ = fs::temp_directory_path() / ("colonies-mpi-it-" + std::to_string(::getpid()) + "-" + type_);
  }

  void TearDown() override {
    if (runtime_) {
      runtime_->request_stop(true);
      if (runner_.joinable()) runner_.join();
      runtime_.reset();
    }
    fs::remove_all(work_);
  }

  void start_executor() {
    RuntimeConfig rc;
    rc.server = server_->client_config();
    rc.colony_name = kColony;
    rc.executor_name = type_ + "-exec";
    rc.executor_type = type_;
    rc.executor_prvkey = sodium().generate_private_key();
    rc.colony_prvkey = colony_key_;
    rc.capabilities.hardware = {local::to_hardware(host_)};
    rc.max_jobs = 2;
    rc.poll_timeout_s = 1;
    rc.cancel_check_interval = 300ms;
    rc.shutdown_grace = 5s;
    rc.shutdown_delivery = 2s;
    rc.backoff_initial = 100ms;
    rc.backoff_max = 1s;
    rc.spool_dir = work_ / "spool";
    local::LocalBackendConfig lc;
    lc.workdir = work_;
    lc.kill_grace = 2s;
    lc.host = host_;
    lc.usable_cores = 2;
    lc.mpi.run_as_root = ::geteuid() == 0;
    auto backend = local::LocalBackend::create(lc);
    ASSERT_TRUE(backend) << backend.error().message;
    runtime_ = std::make_unique<Runtime>(rc, std::move(*backend));
    runner_ = std::thread([this] { EXPECT_TRUE(runtime_->run()); });
    auto until = std::chrono::steady_clock::now() + 10s;
    while (!runtime_->pulling() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(10ms);
    ASSERT_TRUE(runtime_->pulling()) << "executor did not start pulling";
  }

  model::Process submit(boost::json::array args, int processes = 2) {
    model::FunctionSpec spec;
    spec.funcname = MPI_HELLO_PATH;
    spec.args = std::move(args);
    spec.conditions.colonyname = kColony;
    spec.conditions.executortype = type_;
    spec.conditions.processes = processes;
    spec.maxexectime = -1;
    auto p = user_->submit(spec);
    EXPECT_TRUE(p) << p.error().message;
    return p.value_or(model::Process{});
  }

  // Waits until the log holds `count` lines "[rank R] rank R pid P" and returns the pids.
  std::vector<pid_t> wait_for_rank_pids(const std::string& id, std::size_t count) {
    static const std::regex kPid(R"(\[rank \d+\] rank \d+ pid (\d+))");
    auto until = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < until) {
      const std::string logs = logs_of(id);
      std::vector<pid_t> pids;
      for (auto it = std::sregex_iterator(logs.begin(), logs.end(), kPid); it != std::sregex_iterator(); ++it) {
        pids.push_back(std::stoi((*it)[1].str()));
      }
      if (pids.size() >= count) return pids;
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "the ranks never printed their pids; log:\n" << logs_of(id);
    return {};
  }

  // Starts colonies-local-executor with `--config config` and the keys in its environment.
  pid_t start_binary(const fs::path& config, const std::string& key) {
    std::vector<std::string> env{"COLONIES_PRVKEY=" + key, "COLONIES_COLONY_PRVKEY=" + colony_key_,
                                 "PATH=/usr/local/bin:/usr/bin:/bin"};
    std::vector<std::string> args{LOCAL_EXECUTOR_PATH, "--config", config.string()};
    return it::spawn(args, env);
  }

  fs::path write_config() {
    fs::create_directories(work_);
    const fs::path config = work_ / "local-executor.toml";
    std::ofstream out(config);
    out << "# written by the test\n"
        << "host = \"127.0.0.1\"\n"
        << "port = " << server_->port() << "\n"
        << "colony = \"" << kColony << "\"\n"
        << "name = \"" << type_ << "-bin\"\n"
        << "type = \"" << type_ << "\"\n"
        << "poll-timeout = 1\n"
        << "grace = 1\n"
        << "kill-grace = 1\n"
        << "workdir = \"" << (work_ / "jobs").string() << "\"\n"
        << "spool-dir = \"" << (work_ / "bin-spool").string() << "\"\n"
        << "mpirun = \"mpirun\"\n"
        << "log-level = \"warn\"\n";
    return config;
  }

  local::HostResources host_;
  std::string type_;
  fs::path work_;
  std::unique_ptr<Runtime> runtime_;
  std::thread runner_;
};

TEST_F(MpiExecutorTest, EveryRanksOutputReachesTheLogAndTheProcessSucceeds) {
  start_executor();
  auto p = submit({});
  auto done = wait_final(p.processid);
  EXPECT_EQ(done.state, model::ProcessState::Success) << ::testing::PrintToString(done.errors);
  const std::string logs = logs_of(p.processid);
  EXPECT_TRUE(std::regex_search(logs, std::regex(R"(\[rank 0\] rank 0 of 2 on cpu \d+\n)"))) << logs;
  EXPECT_TRUE(std::regex_search(logs, std::regex(R"(\[rank 1\] rank 1 of 2 on cpu \d+\n)"))) << logs;
  EXPECT_NE(logs.find("[rank 0] allreduce sum 1\n"), std::string::npos) << logs;
  EXPECT_NE(logs.find("[stderr] [rank 1] "), std::string::npos) << "binding report missing:\n" << logs;
  bool sum_in_out = false;
  for (const auto& v : done.out) sum_in_out = sum_in_out || v == "[rank 0] allreduce sum 1";
  EXPECT_TRUE(sum_in_out) << boost::json::serialize(done.out);
}

TEST_F(MpiExecutorTest, AFailingRankFailsTheProcessWithItsExitCode) {
  start_executor();
  auto p = submit({"--fail-rank", 1, "--code", 5});
  auto done = wait_final(p.processid);
  EXPECT_EQ(done.state, model::ProcessState::Failed);
  ASSERT_GE(done.errors.size(), 2u);
  EXPECT_EQ(done.errors[0], "MPI rank 1 exited with code 5");
  EXPECT_EQ(done.errors[1], "exit code 5");
}

TEST_F(MpiExecutorTest, CancelKillsAllRanks) {
  start_executor();
  auto p = submit({"--sleep", 300});
  const auto pids = wait_for_rank_pids(p.processid, 2);
  ASSERT_EQ(pids.size(), 2u);
  for (pid_t pid : pids) ASSERT_TRUE(running(pid)) << pid;
  ASSERT_TRUE(user_->cancel_process(p.processid));
  for (pid_t pid : pids) {
    auto until = std::chrono::steady_clock::now() + 20s;
    while (running(pid) && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(running(pid)) << "rank process " << pid << " is still running after the cancel";
  }
  EXPECT_EQ(user_->get_process(p.processid)->state, model::ProcessState::Cancelled);
}

TEST_F(MpiExecutorTest, NodesAboveOneFailsNamingTheSlurmExecutor) {
  start_executor();
  model::FunctionSpec spec;
  spec.funcname = MPI_HELLO_PATH;
  spec.conditions.colonyname = kColony;
  spec.conditions.executortype = type_;
  spec.conditions.nodes = 2;
  spec.conditions.processespernode = 1;
  auto p = user_->submit(spec);
  ASSERT_TRUE(p) << p.error().message;
  auto done = wait_final(p->processid);
  EXPECT_EQ(done.state, model::ProcessState::Failed);
  ASSERT_FALSE(done.errors.empty());
  EXPECT_NE(done.errors[0].find("Slurm executor"), std::string::npos) << done.errors[0];
}

TEST_F(MpiExecutorTest, TheBinaryReadsItsTomlConfigAndAdvertisesTheHwlocTopology) {
  const std::string key = sodium().generate_private_key();
  const fs::path config = write_config();
  const pid_t pid = start_binary(config, key);
  ASSERT_GT(pid, 0);
  auto p = submit({});
  auto done = wait_final(p.processid);
  EXPECT_EQ(done.state, model::ProcessState::Success) << ::testing::PrintToString(done.errors);
  EXPECT_NE(logs_of(p.processid).find("[rank 1] rank 1 of 2 on cpu"), std::string::npos);

  auto executor = user_->get_executor(kColony, type_ + "-bin");
  ASSERT_TRUE(executor) << executor.error().message;
  ASSERT_EQ(executor->capabilities.hardware.size(), 1u);
  const model::Hardware& hw = executor->capabilities.hardware[0];
  EXPECT_EQ(hw.cores, host_.cores);
  EXPECT_EQ(hw.cpu, std::to_string(host_.pus));
  EXPECT_EQ(hw.gpu.count, static_cast<int>(host_.gpus.size()));
  EXPECT_NE(hw.model.find(std::to_string(host_.numa_nodes) + " NUMA node"), std::string::npos) << hw.model;
  ASSERT_EQ(executor->capabilities.software.size(), 1u);
  EXPECT_EQ(executor->capabilities.software[0].name, "Open MPI");
  EXPECT_EQ(executor->capabilities.software[0].type, "mpi");
  EXPECT_FALSE(executor->capabilities.software[0].version.empty());

  ::kill(pid, SIGTERM);
  int status = -1;
  auto until = std::chrono::steady_clock::now() + 15s;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > until) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      FAIL() << "the executor did not exit within 15 s of SIGTERM";
    }
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "wait status " << status;
}

TEST_F(MpiExecutorTest, RanksDoNotOutliveAKilledExecutor) {
  const pid_t executor = start_binary(write_config(), sodium().generate_private_key());
  ASSERT_GT(executor, 0);
  auto p = submit({"--sleep", 300});
  const auto pids = wait_for_rank_pids(p.processid, 2);
  ASSERT_EQ(pids.size(), 2u);
  // SIGKILL leaves the executor no chance to clean up: mpirun gets SIGTERM from the kernel
  // (PR_SET_PDEATHSIG) and stops its ranks (Open MPI ranks that lose their mpirun also abort on
  // their own; either way none may be left).
  ::kill(executor, SIGKILL);
  ::waitpid(executor, nullptr, 0);
  for (pid_t pid : pids) {
    auto until = std::chrono::steady_clock::now() + 30s;
    while (running(pid) && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(50ms);
    EXPECT_FALSE(running(pid)) << "rank process " << pid << " outlived the killed executor";
  }
}

}  // namespace
}  // namespace colonies::executors
