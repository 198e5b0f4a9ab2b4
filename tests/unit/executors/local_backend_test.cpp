// LocalBackend against real child processes (no server): output capture, exit codes, signals,
// environment, literal args, work directories, time limits killing whole process groups, cancel.
#include "executors/local/local_backend.hpp"

#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

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
  std::vector<std::string> out;
  std::vector<std::string> err;
  std::optional<JobResult> result;
};

// True while `pid` exists and is not a zombie (a killed orphan may linger as a zombie until its
// new parent reaps it; it runs nothing any more).
bool running(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string content;
  if (!stat || !std::getline(stat, content)) return false;
  auto close = content.rfind(')');
  if (close == std::string::npos || close + 2 >= content.size()) return false;
  char state = content[close + 2];
  return state != 'Z' && state != 'X';
}

bool gone_within(pid_t pid, std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (running(pid)) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

class LocalBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("colonies-local-test-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    backend_ = make_backend({});
  }
  void TearDown() override {
    backend_.reset();
    fs::remove_all(root_);
  }

  std::unique_ptr<LocalBackend> make_backend(LocalBackendConfig config) {
    config.workdir = root_ / "work";
    config.kill_grace = 300ms;
    auto b = LocalBackend::create(std::move(config));
    EXPECT_TRUE(b) << b.error().message;
    return std::move(*b);
  }

  static model::Process process(std::string funcname, boost::json::array args = {}, std::string id = "p1") {
    model::Process p;
    p.processid = std::move(id);
    p.state = model::ProcessState::Running;
    p.spec.funcname = std::move(funcname);
    p.spec.args = std::move(args);
    p.spec.conditions.colonyname = "lab";
    return p;
  }

  // Submits and polls until the job finished (or 20 s passed).
  JobResult run(const model::Process& p, RecordingSink& sink, LocalBackend* backend = nullptr) {
    backend = backend ? backend : backend_.get();
    auto handle = backend->submit(p, sink);
    EXPECT_TRUE(handle) << handle.error().message;
    if (!handle) return {};
    return wait(sink, backend);
  }

  JobResult wait(RecordingSink& sink, LocalBackend* backend = nullptr) {
    backend = backend ? backend : backend_.get();
    auto until = std::chrono::steady_clock::now() + 20s;
    while (!sink.result && std::chrono::steady_clock::now() < until) EXPECT_TRUE(backend->poll(100ms));
    EXPECT_TRUE(sink.result.has_value()) << "job did not finish";
    return sink.result.value_or(JobResult{});
  }

  fs::path root_;
  std::unique_ptr<LocalBackend> backend_;
};

TEST_F(LocalBackendTest, RunsEchoAndClosesWithItsStdoutAsOutput) {
  RecordingSink sink;
  JobResult r = run(process("/bin/echo", {"hello", "world"}), sink);
  EXPECT_TRUE(r.success);
  EXPECT_EQ(r.out, (boost::json::array{"hello world"}));
  EXPECT_EQ(sink.out, std::vector<std::string>{"hello world"});
  EXPECT_NE(r.summary.find("exit code 0"), std::string::npos) << r.summary;
  EXPECT_EQ(backend_->stats().finished, 1);
  EXPECT_EQ(backend_->stats().running, 0);
}

TEST_F(LocalBackendTest, LooksUpFuncnameInPath) {
  RecordingSink sink;
  JobResult r = run(process("echo", {"found"}), sink);
  EXPECT_TRUE(r.success);
  EXPECT_EQ(r.out, (boost::json::array{"found"}));
}

TEST_F(LocalBackendTest, StreamsStdoutAndStderrSeparately) {
  RecordingSink sink;
  JobResult r = run(process("sh", {"-c", "echo out1; echo err1 >&2; echo out2; printf 'no newline'"}), sink);
  EXPECT_TRUE(r.success);
  EXPECT_EQ(sink.out, (std::vector<std::string>{"out1", "out2", "no newline"}));
  EXPECT_EQ(sink.err, std::vector<std::string>{"err1"});
  EXPECT_EQ(r.out, (boost::json::array{"out1", "out2", "no newline"}));
}

TEST_F(LocalBackendTest, FailsWithExitCodeAndLastStderrLines) {
  RecordingSink sink;
  JobResult r = run(process("sh", {"-c", "echo progress; echo 'bad input' >&2; echo 'giving up' >&2; exit 3"}), sink);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.errors, (std::vector<std::string>{"exit code 3", "bad input", "giving up"}));
}

TEST_F(LocalBackendTest, ReportsTheSignalThatKilledTheProgram) {
  RecordingSink sink;
  JobResult r = run(process("sh", {"-c", "kill -KILL $$"}), sink);
  EXPECT_FALSE(r.success);
  ASSERT_FALSE(r.errors.empty());
  EXPECT_EQ(r.errors[0], "killed by signal 9 (SIGKILL)");
}

TEST_F(LocalBackendTest, PassesArgsLiterallyWithoutAnyShell) {
  const fs::path marker = root_ / "injected";
  const std::string sub = "$(touch " + marker.string() + ")";
  const std::string chain = "; touch " + marker.string();
  const std::string tick = "`touch " + marker.string() + "`";
  RecordingSink sink;
  JobResult r = run(process("echo", {sub, chain, tick, "*", "$HOME"}), sink);
  EXPECT_TRUE(r.success);
  EXPECT_EQ(sink.out, std::vector<std::string>{sub + " " + chain + " " + tick + " * $HOME"});
  EXPECT_FALSE(fs::exists(marker));
}

TEST_F(LocalBackendTest, GivesTheSpecEnvAndProcessIdButNotExecutorSecrets) {
  LocalBackendConfig config;
  config.inherit_environ = false;
  config.executor_env = {"PATH=/usr/bin:/bin", "KEEP=me", "COLONIES_EXECUTOR_PRVKEY=topsecret"};
  auto backend = make_backend(config);
  model::Process p = process("env", {}, "proc42");
  p.spec.env = {{"ALPHA", "1"}, {"WITH SPACE", "a b"}};
  RecordingSink sink;
  JobResult r = run(p, sink, backend.get());
  ASSERT_TRUE(r.success);
  auto has = [&](const std::string& l) { return std::find(sink.out.begin(), sink.out.end(), l) != sink.out.end(); };
  EXPECT_TRUE(has("ALPHA=1"));
  EXPECT_TRUE(has("WITH SPACE=a b"));
  EXPECT_TRUE(has("KEEP=me"));
  EXPECT_TRUE(has("COLONIES_PROCESS_ID=proc42"));
  EXPECT_TRUE(has("COLONIES_COLONY_NAME=lab"));
  for (const auto& l : sink.out) EXPECT_EQ(l.find("topsecret"), std::string::npos);
}

TEST_F(LocalBackendTest, RunsInAFreshWorkDirectoryRemovedAfterwards) {
  RecordingSink sink;
  JobResult r = run(process("sh", {"-c", "pwd; ls -A | wc -l; touch result.txt"}, "wd1"), sink);
  ASSERT_TRUE(r.success);
  ASSERT_EQ(sink.out.size(), 2u);
  EXPECT_EQ(fs::path(sink.out[0]), fs::canonical(root_ / "work") / "wd1");
  EXPECT_EQ(sink.out[1], "0");
  EXPECT_FALSE(fs::exists(root_ / "work" / "wd1"));
}

TEST_F(LocalBackendTest, KeepsWorkDirectoriesWhenAsked) {
  LocalBackendConfig config;
  config.keep_workdirs = true;
  auto backend = make_backend(config);
  RecordingSink sink;
  JobResult r = run(process("sh", {"-c", "echo data > result.txt"}, "kept"), sink, backend.get());
  ASSERT_TRUE(r.success);
  EXPECT_TRUE(fs::exists(root_ / "work" / "kept" / "result.txt"));
}

TEST_F(LocalBackendTest, WalltimeKillsTheWholeProcessGroupIncludingGrandchildren) {
  model::Process p = process("sh", {"-c", "sleep 100 & echo $!; sleep 100"});
  p.spec.conditions.walltime = 1;
  RecordingSink sink;
  auto started = std::chrono::steady_clock::now();
  JobResult r = run(p, sink);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_FALSE(r.success);
  ASSERT_GE(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0], "walltime of 1 s exceeded");
  EXPECT_EQ(r.errors[1], "killed by signal 15 (SIGTERM)");
  EXPECT_TRUE(r.close);
  ASSERT_EQ(sink.out.size(), 1u);
  const pid_t grandchild = std::stoi(sink.out[0]);
  EXPECT_TRUE(gone_within(grandchild, 2s)) << "background sleep " << grandchild << " survived";
}

TEST_F(LocalBackendTest, EscalatesToSigkillWhenTheGroupIgnoresSigterm) {
  model::Process p = process("sh", {"-c", "trap '' TERM; sleep 100"});
  p.spec.maxexectime = 1;
  RecordingSink sink;
  JobResult r = run(p, sink);
  ASSERT_GE(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0], "maxexectime of 1 s exceeded");
  EXPECT_EQ(r.errors[1], "killed by signal 9 (SIGKILL)");
  EXPECT_FALSE(r.close) << "the server re-queues or fails a process at maxexectime, not the executor";
}

TEST_F(LocalBackendTest, KillsWhatTheProgramLeftRunningWhenItExits) {
  RecordingSink sink;
  JobResult r = run(process("sh", {"-c", "sleep 100 & echo $!"}), sink);
  EXPECT_TRUE(r.success);
  ASSERT_EQ(sink.out.size(), 1u);
  EXPECT_TRUE(gone_within(std::stoi(sink.out[0]), 2s));
}

TEST_F(LocalBackendTest, CancelStopsTheJobAndGivesTheReasonFirst) {
  RecordingSink sink;
  auto handle = backend_->submit(process("sh", {"-c", "echo started; sleep 100"}), sink);
  ASSERT_TRUE(handle);
  while (sink.out.empty()) ASSERT_TRUE(backend_->poll(100ms));
  ASSERT_TRUE(backend_->cancel(*handle, "cancelled by the user"));
  EXPECT_TRUE(backend_->cancel(*handle, "again"));  // no-op while stopping
  JobResult r = wait(sink);
  EXPECT_FALSE(r.success);
  ASSERT_GE(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0], "cancelled by the user");
  EXPECT_EQ(r.errors[1], "killed by signal 15 (SIGTERM)");
  EXPECT_EQ(backend_->cancel(*handle, "late").error().code, ErrorCode::NotFound);
}

TEST_F(LocalBackendTest, CommandNotFoundIsASubmitErrorNotACrash) {
  RecordingSink sink;
  auto handle = backend_->submit(process("no-such-command-for-colonies"), sink);
  ASSERT_FALSE(handle);
  EXPECT_EQ(handle.error().code, ErrorCode::NotFound);
  EXPECT_TRUE(handle.error().message.starts_with("command 'no-such-command-for-colonies' not found in PATH"))
      << handle.error().message;
  EXPECT_FALSE(fs::exists(root_ / "work" / "p1"));
}

TEST_F(LocalBackendTest, RefusesFilesThatAreNotExecutable) {
  fs::create_directories(root_);
  std::ofstream(root_ / "data.txt") << "not a program\n";
  RecordingSink sink;
  auto handle = backend_->submit(process((root_ / "data.txt").string()), sink);
  ASSERT_FALSE(handle);
  EXPECT_NE(handle.error().message.find("not an executable file"), std::string::npos) << handle.error().message;
}

TEST_F(LocalBackendTest, ScriptWithoutShebangIsAClearError) {
  fs::create_directories(root_);
  fs::path script = root_ / "noshebang";
  std::ofstream(script) << "echo hi\n";
  fs::permissions(script, fs::perms::owner_all);
  RecordingSink sink;
  auto handle = backend_->submit(process(script.string()), sink);
  ASSERT_FALSE(handle);
  EXPECT_NE(handle.error().message.find("a script needs a #! line"), std::string::npos) << handle.error().message;
}

TEST_F(LocalBackendTest, RunsManyJobsAtOnce) {
  std::vector<std::unique_ptr<RecordingSink>> sinks;
  for (int i = 0; i < 8; ++i) {
    sinks.push_back(std::make_unique<RecordingSink>());
    auto h = backend_->submit(process("sh", {"-c", "sleep 0.2; echo " + std::to_string(i)}, "job" + std::to_string(i)),
                              *sinks.back());
    ASSERT_TRUE(h) << h.error().message;
  }
  EXPECT_EQ(backend_->stats().running, 8);
  auto until = std::chrono::steady_clock::now() + 10s;
  auto all_done = [&] {
    return std::all_of(sinks.begin(), sinks.end(), [](const auto& s) { return s->result.has_value(); });
  };
  while (!all_done() && std::chrono::steady_clock::now() < until) ASSERT_TRUE(backend_->poll(100ms));
  ASSERT_TRUE(all_done());
  for (int i = 0; i < 8; ++i) EXPECT_EQ(sinks[i]->result->out, (boost::json::array{std::to_string(i)}));
}

TEST_F(LocalBackendTest, WakeEndsAPollEarly) {
  std::thread waker([&] {
    std::this_thread::sleep_for(50ms);
    backend_->wake();
  });
  auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(backend_->poll(5s));
  waker.join();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST_F(LocalBackendTest, BinaryOutputArrivesAsValidUtf8) {
  RecordingSink sink;
  JobResult r = run(process("printf", {"a\\377b\\n"}), sink);
  ASSERT_TRUE(r.success);
  EXPECT_EQ(sink.out, std::vector<std::string>{"a\xEF\xBF\xBD" "b"});
}

TEST_F(LocalBackendTest, DestructorKillsJobsStillRunning) {
  RecordingSink sink;
  auto handle = backend_->submit(process("sh", {"-c", "echo $$; sleep 100"}), sink);
  ASSERT_TRUE(handle);
  while (sink.out.empty()) ASSERT_TRUE(backend_->poll(100ms));
  const pid_t pid = std::stoi(sink.out[0]);
  backend_.reset();
  EXPECT_FALSE(running(pid));
}

// GPUs: each process gets its own and sees only those (CUDA_VISIBLE_DEVICES), whatever its env
// said; a second process waits for a GPU the first holds.
TEST_F(LocalBackendTest, GivesEachProcessItsOwnGpusAndHidesTheOthers) {
  HostResources host;
  host.core_list = {HostCore{0, {0}, 0}};
  host.gpus = {HostGpu{"A100", "cuda", 3, 0}, HostGpu{"A100", "cuda", 5, 0}};
  LocalBackendConfig config;
  config.host = host;
  auto backend = make_backend(config);
  model::Process first = process("/bin/sh", {"-c", "echo $CUDA_VISIBLE_DEVICES; sleep 1"}, "gpu1");
  first.spec.conditions.gpu.count = 2;
  first.spec.env = {{"CUDA_VISIBLE_DEVICES", "0,1,2,3,4,5,6,7"}};
  model::Process second = process("/bin/sh", {"-c", "echo $CUDA_VISIBLE_DEVICES"}, "gpu2");
  second.spec.conditions.gpu.count = 1;
  RecordingSink a, b;
  ASSERT_TRUE(backend->submit(first, a));
  ASSERT_TRUE(backend->submit(second, b));
  wait(a, backend.get());
  EXPECT_EQ(a.out, (std::vector<std::string>{"3,5"}));
  wait(b, backend.get());
  EXPECT_EQ(b.out, (std::vector<std::string>{"[colonies] waiting for 1 free GPU: other processes hold them",
                                             "3"}));
  model::Process greedy = process("/bin/true", {}, "gpu3");
  greedy.spec.conditions.gpu.count = 3;
  RecordingSink c;
  auto refused = backend->submit(greedy, c);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "conditions.gpu.count is 3 but this host has 2 GPUs (found by hwloc)");
}

TEST_F(LocalBackendTest, MpiProcessesAreRefusedByABuildWithoutMpi) {
  if (COLONIES_WITH_MPI) GTEST_SKIP() << "built with MPI: tests/integration/executors/mpi_backend_test.cpp covers it";
  model::Process p = process("/bin/true");
  p.spec.conditions.processes = 2;
  RecordingSink sink;
  auto handle = backend_->submit(p, sink);
  ASSERT_FALSE(handle);
  EXPECT_EQ(handle.error().message,
            "this process needs MPI (conditions.processes 2, processespernode 0) but this executor was built without "
            "MPI support (CMake option COLONIES_WITH_MPI=OFF); submit with at most 1 process or to an executor built "
            "with it");
}

}  // namespace
}  // namespace colonies::executors::local
