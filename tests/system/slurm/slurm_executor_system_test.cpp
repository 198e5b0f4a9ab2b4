// The Slurm executor end to end: a real one-node Slurm (start-slurm.sh, once per test binary run,
// as root), a real coloniesd over loopback and the colonies-slurm-executor binary, processes
// submitted through the SDK. Checks what users see (state, out, errors, logs) and what Slurm sees
// (jobs cancelled, one job per process across an executor restart), over both transports.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "adapters/crypto/sodium_crypto.hpp"
#include "client/client.hpp"
#include "tests/integration/executors/server_process.hpp"

namespace colonies {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kColony = "lab";

crypto::SodiumCrypto& sodium() {
  static crypto::SodiumCrypto c;
  return c;
}

std::string id_of(const std::string& key) { return sodium().signer(key).value()->id(); }

// What a shell command prints (test plumbing only: Slurm's tools and the start/stop scripts).
std::string capture(const std::string& command, int* status = nullptr) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return out;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  int rc = ::pclose(pipe);
  if (status) *status = rc;
  return out;
}

// The one-node Slurm of this test binary run.
class SlurmCluster : public ::testing::Environment {
 public:
  void SetUp() override {
    if (::geteuid() != 0) {
      skip_reason_ = "the Slurm system tests start slurmd and need root (CI runs them as root)";
      return;
    }
    char pattern[] = "/tmp/colonies-slurm-XXXXXX";
    if (!::mkdtemp(pattern)) {
      skip_reason_ = "cannot create a temporary directory";
      return;
    }
    dir_ = pattern;
    int status = 0;
    std::string out = capture(std::string(SLURM_SCRIPTS_DIR) + "/start-slurm.sh " + dir_ + " 2>&1", &status);
    if (status != 0) {
      ADD_FAILURE() << "start-slurm.sh failed:\n" << out;
      skip_reason_ = "Slurm did not start";
      return;
    }
    ::setenv("SLURM_CONF", (dir_ + "/slurm.conf").c_str(), 1);
    ready_ = true;
  }
  void TearDown() override {
    if (dir_.empty()) return;
    capture(std::string(SLURM_SCRIPTS_DIR) + "/stop-slurm.sh " + dir_ + " 2>&1");
    std::error_code ec;
    if (!::testing::Test::HasFailure()) fs::remove_all(dir_, ec);  // kept for the logs otherwise
  }
  static bool ready() { return ready_; }
  static const std::string& skip_reason() { return skip_reason_; }
  static const std::string& dir() { return dir_; }

 private:
  static inline bool ready_ = false;
  static inline std::string skip_reason_;
  static inline std::string dir_;
};

struct SlurmJob {
  std::uint32_t id = 0;
  std::string state;
};

// Every job Slurm knows for a process of ours (by the comment suffix), via squeue.
std::vector<SlurmJob> slurm_jobs_of(const std::string& processid) {
  std::vector<SlurmJob> jobs;
  std::string out = capture("squeue --noheader -t all -O 'JobID:|,State:|,Comment:' 2>/dev/null");
  std::size_t start = 0;
  while (start < out.size()) {
    auto end = out.find('\n', start);
    std::string line = out.substr(start, end == std::string::npos ? std::string::npos : end - start);
    start = end == std::string::npos ? out.size() : end + 1;
    auto a = line.find('|');
    auto b = line.find('|', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    if (!line.ends_with(":" + processid)) continue;
    jobs.push_back(SlurmJob{static_cast<std::uint32_t>(std::stoul(line.substr(0, a))), line.substr(a + 1, b - a - 1)});
  }
  return jobs;
}

class SlurmExecutorTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    if (!SlurmCluster::ready()) return;
    server_key_ = sodium().generate_private_key();
    colony_key_ = sodium().generate_private_key();
    user_key_ = sodium().generate_private_key();
    server_ = new testing::ServerProcess(COLONIESD_PATH, id_of(server_key_));
    if (!server_->started()) return;
    auto owner = client::Client::connect(server_->client_config(), server_key_).value();
    ASSERT_TRUE(owner.add_colony(model::Colony{id_of(colony_key_), kColony}));
    auto colony_owner = client::Client::connect(server_->client_config(), colony_key_).value();
    ASSERT_TRUE(colony_owner.add_user(model::User{kColony, id_of(user_key_), "tester", "", ""}));
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    if (!SlurmCluster::ready()) GTEST_SKIP() << SlurmCluster::skip_reason();
    ASSERT_TRUE(server_ && server_->started());
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    type_ = "s-";
    for (char c : std::string(info->name())) type_ += std::isalnum(static_cast<unsigned char>(c)) ? std::tolower(c) : '-';
    work_ = fs::path(SlurmCluster::dir()) / "work" / type_;
    fs::create_directories(work_);
    executor_key_ = sodium().generate_private_key();
    user_ = std::make_unique<client::Client>(client::Client::connect(server_->client_config(), user_key_).value());
  }

  void TearDown() override { stop_executor(SIGKILL); }

  // Starts colonies-slurm-executor with this test's type, transport and key.
  void start_executor(std::vector<std::string> extra = {}) {
    ASSERT_LT(executor_pid_, 0);
    std::vector<std::string> args{SLURM_EXECUTOR_PATH, "--host", "127.0.0.1", "--port", std::to_string(server_->port()),
                                  "--colony", kColony, "--name", type_ + "-exec", "--type", type_,
                                  "--workdir", work_.string(), "--slurm-transport", GetParam(),
                                  "--poll-interval-ms", "300", "--poll-timeout", "1", "--spool-dir", (work_ / "spool").string(),
                                  "--forgotten-grace", "10", "--log-level", "debug"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string log = (work_ / "executor.log").string();
    pid_t pid = ::fork();
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::setenv("COLONIES_EXECUTOR_PRVKEY", executor_key_.c_str(), 1);
      ::setenv("COLONIES_COLONY_PRVKEY", colony_key_.c_str(), 1);
      std::FILE* f = std::fopen(log.c_str(), "a");
      if (f) {
        ::dup2(::fileno(f), 1);
        ::dup2(::fileno(f), 2);
      }
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ASSERT_GT(pid, 0);
    executor_pid_ = pid;
  }

  void stop_executor(int sig) {
    if (executor_pid_ < 0) return;
    ::kill(executor_pid_, sig);
    int status = 0;
    ::waitpid(executor_pid_, &status, 0);
    executor_pid_ = -1;
  }

  std::string executor_log() { return capture("cat " + (work_ / "executor.log").string()); }

  model::Process submit(std::string funcname, boost::json::array args, std::function<void(model::FunctionSpec&)> adjust = {}) {
    model::FunctionSpec spec;
    spec.funcname = std::move(funcname);
    spec.args = std::move(args);
    spec.conditions.colonyname = kColony;
    spec.conditions.executortype = type_;
    spec.maxexectime = -1;
    if (adjust) adjust(spec);
    auto p = user_->submit(spec);
    EXPECT_TRUE(p) << p.error().message;
    return p.value_or(model::Process{});
  }

  template <class Done>
  bool eventually(Done done, std::chrono::milliseconds limit) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (done()) return true;
      std::this_thread::sleep_for(100ms);
    }
    return done();
  }

  model::Process wait_final(const std::string& id, std::chrono::milliseconds limit = 60s) {
    model::Process last;
    eventually([&] {
      auto p = user_->get_process(id);
      if (p) last = *p;
      return p && model::is_final(p->state);
    }, limit);
    EXPECT_TRUE(model::is_final(last.state)) << "process stuck in " << model::to_string(last.state) << "\n"
                                             << executor_log();
    return last;
  }

  std::string logs_of(const std::string& id) {
    client::LogQuery q;
    q.colonyname = kColony;
    q.processid = id;
    q.count = 500;
    auto logs = user_->get_logs(q);
    EXPECT_TRUE(logs) << logs.error().message;
    std::string text;
    for (const auto& l : logs.value_or(std::vector<model::Log>{})) text += l.message;
    return text;
  }

  static inline testing::ServerProcess* server_ = nullptr;
  static inline std::string server_key_, colony_key_, user_key_;
  std::string type_;
  fs::path work_;
  std::string executor_key_;
  pid_t executor_pid_ = -1;
  std::unique_ptr<client::Client> user_;
};

TEST_P(SlurmExecutorTest, SuccessfulJobClosesTheProcessWithItsOutput) {
  start_executor();
  auto p = submit("/bin/sh", {"-c", "echo \"hello $GREETING from $SLURM_JOB_ID\"; echo 'a warning' >&2"},
                  [](model::FunctionSpec& s) { s.env["GREETING"] = "it's $(world)"; });
  auto done = wait_final(p.processid);
  ASSERT_EQ(done.state, model::ProcessState::Success) << executor_log();
  ASSERT_EQ(done.out.size(), 1u);
  EXPECT_TRUE(std::string(done.out[0].as_string()).starts_with("hello it's $(world) from ")) << done.out[0];
  const std::string logs = logs_of(p.processid);
  EXPECT_NE(logs.find("slurm: submitted as Slurm job"), std::string::npos) << logs;
  EXPECT_NE(logs.find("hello it's $(world) from"), std::string::npos) << logs;
  EXPECT_NE(logs.find("[stderr] a warning"), std::string::npos) << logs;
  auto jobs = slurm_jobs_of(p.processid);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].state, "COMPLETED");
}

TEST_P(SlurmExecutorTest, NonZeroExitFailsTheProcessWithTheExitCode) {
  start_executor();
  auto p = submit("/bin/sh", {"-c", "echo 'disk full' >&2; exit 7"});
  auto done = wait_final(p.processid);
  ASSERT_EQ(done.state, model::ProcessState::Failed) << executor_log();
  ASSERT_GE(done.errors.size(), 3u);
  EXPECT_NE(done.errors[0].find("(FAILED)"), std::string::npos) << done.errors[0];
  EXPECT_EQ(done.errors[1], "exit code 7");
  EXPECT_EQ(done.errors[2], "disk full");
}

TEST_P(SlurmExecutorTest, CancellingTheProcessCancelsTheSlurmJobWithinSeconds) {
  start_executor();
  auto p = submit("sleep", {"300"});
  ASSERT_TRUE(eventually([&] {
    auto jobs = slurm_jobs_of(p.processid);
    return jobs.size() == 1 && jobs[0].state == "RUNNING";
  }, 60s)) << executor_log();
  const auto cancelled_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(user_->cancel_process(p.processid));
  // The runtime checks ownership every few seconds; generous bound for a loaded machine.
  EXPECT_TRUE(eventually([&] {
    auto jobs = slurm_jobs_of(p.processid);
    return jobs.size() == 1 && jobs[0].state == "CANCELLED";
  }, 30s)) << executor_log();
  std::cout << "scancel seen after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - cancelled_at).count()
            << " ms\n";
  EXPECT_EQ(user_->get_process(p.processid)->state, model::ProcessState::Cancelled);
}

TEST_P(SlurmExecutorTest, PendingReasonIsWrittenToTheProcessLog) {
  // A job of our own holds the whole node, so the process's job waits for Resources.
  std::string blocker = capture("sbatch --parsable --exclusive -o /dev/null --wrap 'sleep 120'");
  blocker = blocker.substr(0, blocker.find_first_of(";\n"));
  ASSERT_FALSE(blocker.empty());
  struct Cancel {
    std::string id;
    ~Cancel() { capture("scancel " + id); }
  } cancel_blocker{blocker};
  start_executor();
  auto p = submit("echo", {"finally"});
  EXPECT_TRUE(eventually([&] { return logs_of(p.processid).find("is pending: ") != std::string::npos; }, 30s))
      << logs_of(p.processid) << executor_log();
  capture("scancel " + blocker);
  auto done = wait_final(p.processid);
  EXPECT_EQ(done.state, model::ProcessState::Success) << executor_log();
  EXPECT_EQ(done.out, (boost::json::array{"finally"}));
}

TEST_P(SlurmExecutorTest, RestartedExecutorReattachesToItsRunningJob) {
  start_executor();
  auto p = submit("/bin/sh", {"-c", "echo started; sleep 6; echo finished"});
  ASSERT_TRUE(eventually([&] {
    auto jobs = slurm_jobs_of(p.processid);
    return jobs.size() == 1 && jobs[0].state == "RUNNING";
  }, 60s)) << executor_log();
  stop_executor(SIGKILL);  // a crash: nothing is cancelled, the job keeps running in Slurm
  ASSERT_EQ(slurm_jobs_of(p.processid)[0].state, "RUNNING");
  start_executor();
  auto done = wait_final(p.processid);
  ASSERT_EQ(done.state, model::ProcessState::Success) << executor_log();
  EXPECT_EQ(done.out, (boost::json::array{"started", "finished"}));
  EXPECT_EQ(slurm_jobs_of(p.processid).size(), 1u) << "the process ran more than once";
  EXPECT_NE(logs_of(p.processid).find("following Slurm job"), std::string::npos);
}

TEST_P(SlurmExecutorTest, SubmissionWaitsForARestartingSlurmctld) {
  start_executor();
  // Slurm goes away only once the executor runs (at start it waits for Slurm to answer).
  ASSERT_TRUE(eventually([&] { return executor_log().find("registered executor") != std::string::npos; }, 60s))
      << executor_log();
  const std::string dir = SlurmCluster::dir();
  std::string pid = capture("cat " + dir + "/slurmctld.pid");
  pid = pid.substr(0, pid.find_first_not_of("0123456789"));
  ASSERT_FALSE(pid.empty());
  capture("kill " + pid + "; for i in $(seq 100); do kill -0 " + pid + " 2>/dev/null || break; sleep 0.1; done");
  auto p = submit("echo", {"after the restart"});
  EXPECT_TRUE(eventually([&] { return logs_of(p.processid).find("Slurm is not reachable") != std::string::npos; }, 60s))
      << executor_log();
  int status = 0;
  capture("slurmctld -f " + dir + "/slurm.conf 2>&1", &status);
  ASSERT_EQ(status, 0);
  auto done = wait_final(p.processid, 90s);
  EXPECT_EQ(done.state, model::ProcessState::Success) << executor_log();
  EXPECT_EQ(done.out, (boost::json::array{"after the restart"}));
}

TEST_P(SlurmExecutorTest, WalltimeEndsTheJobWithTimeout) {
  start_executor();
  // Slurm's limits are whole minutes (61 s becomes 2 min; 60 s is the shortest): 1 minute, and
  // slurmctld checks limits every 30 s, so this takes 60-100 s.
  auto p = submit("sleep", {"600"}, [](model::FunctionSpec& s) { s.conditions.walltime = 60; });
  auto done = wait_final(p.processid, 200s);
  ASSERT_EQ(done.state, model::ProcessState::Failed) << executor_log();
  ASSERT_FALSE(done.errors.empty());
  EXPECT_NE(done.errors[0].find("(TIMEOUT)"), std::string::npos) << done.errors[0];
}

TEST_P(SlurmExecutorTest, CompatibleProcessesShareOneJobArray) {
  // 20 processes: more than a Slurm job comment could name (its limit is 1024 bytes).
  start_executor({"--array-max", "30", "--array-window-ms", "1500"});
  std::vector<model::Process> processes;
  for (int i = 0; i < 20; ++i) {
    processes.push_back(submit("/bin/sh", {"-c", "echo \"task $SLURM_ARRAY_TASK_ID: $COLONIES_PROCESS_ID\""}));
  }
  auto failing = submit("/bin/sh", {"-c", "exit 4"});
  std::set<std::string> arrays;
  for (const auto& p : processes) {
    auto done = wait_final(p.processid);
    ASSERT_EQ(done.state, model::ProcessState::Success) << executor_log();
    ASSERT_EQ(done.out.size(), 1u);
    EXPECT_TRUE(std::string(done.out[0].as_string()).ends_with(": " + p.processid)) << done.out[0];
    const std::string logs = logs_of(p.processid);
    auto at = logs.find("submitted as Slurm job ");
    ASSERT_NE(at, std::string::npos) << logs;
    arrays.insert(logs.substr(at + 23, logs.find('_', at) - at - 23));
  }
  // Arrivals spread over the window may split a batch, but never into one job per process.
  EXPECT_LE(arrays.size(), 3u) << "processes were not batched into arrays";
  auto done = wait_final(failing.processid);
  EXPECT_EQ(done.state, model::ProcessState::Failed);
  ASSERT_GE(done.errors.size(), 2u);
  EXPECT_EQ(done.errors[1], "exit code 4");
}

TEST_P(SlurmExecutorTest, PilotRunsManyProcessesInOneAllocation) {
  start_executor({"--pilots", "1", "--pilot-cores", "2", "--pilot-walltime", "600", "--local-executor",
                  LOCAL_EXECUTOR_PATH});
  std::vector<model::Process> processes;
  for (int i = 0; i < 6; ++i) processes.push_back(submit("echo", {"run", std::to_string(i)}));
  for (int i = 0; i < 6; ++i) {
    auto done = wait_final(processes[static_cast<std::size_t>(i)].processid);
    ASSERT_EQ(done.state, model::ProcessState::Success) << executor_log();
    EXPECT_EQ(done.out, (boost::json::array{"run " + std::to_string(i)}));
  }
  // One Slurm job (the pilot) served them all.
  std::string jobs = capture("squeue --noheader -t all -O 'JobID:|,State:|,Comment:' 2>/dev/null | grep ':pilot:' | grep '" +
                             type_ + "-exec'");
  EXPECT_EQ(std::count(jobs.begin(), jobs.end(), '\n'), 1) << jobs;
  EXPECT_NE(jobs.find("RUNNING"), std::string::npos) << jobs;
  stop_executor(SIGTERM);  // cancels the pilot
  EXPECT_TRUE(eventually([&] {
    std::string now = capture("squeue --noheader -t all -O 'JobID:|,State:|,Comment:' 2>/dev/null | grep ':pilot:' | grep '" +
                              type_ + "-exec'");
    return now.find("RUNNING") == std::string::npos;
  }, 60s));
}

INSTANTIATE_TEST_SUITE_P(Transports, SlurmExecutorTest, ::testing::Values("libslurm", "cli"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace colonies

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new colonies::SlurmCluster);
  return RUN_ALL_TESTS();
}
