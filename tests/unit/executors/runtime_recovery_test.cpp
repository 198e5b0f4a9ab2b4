// The executor Runtime across server outages and executor restarts, over fakes: the server is a
// BrokerHarness (in-process Broker over a MemoryStore, restartable over the same store) reached
// through a Transport that can be switched off; the platform is a FakePlatform whose jobs outlive
// the FakeBackend instances (as Slurm jobs outlive the executor). The spool is a real directory.
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include "core/protocol/envelope.hpp"
#include "executors/common/job_worker.hpp"
#include "executors/common/runtime.hpp"
#include "executors/common/spool.hpp"
#include "tests/support/broker_harness.hpp"

namespace colonies::executors {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using testing::BrokerHarness;
using testing::Identity;

// ---- the server: a restartable harness behind an on/off switch

struct FakeServer {
  std::shared_ptr<BrokerHarness> get() {
    std::lock_guard lock(mu);
    return harness;
  }
  // A new Broker over the same store: what a coloniesd restart with the same SQLite file is.
  void restart() {
    std::lock_guard lock(mu);
    harness = std::shared_ptr<BrokerHarness>(harness->restart());
  }
  std::vector<std::string> calls() {
    std::lock_guard lock(mu);
    return msgtypes;
  }

  std::mutex mu;
  std::shared_ptr<BrokerHarness> harness;
  std::vector<std::string> msgtypes;  // every call that reached the server, in order
  std::atomic<bool> down{false};
};

class HarnessTransport final : public client::Transport {
 public:
  HarnessTransport(std::shared_ptr<FakeServer> server, Identity me) : server_(std::move(server)), me_(std::move(me)) {}

  Result<std::string> call(const std::string& request_body, std::chrono::milliseconds timeout) override {
    if (server_->down) {
      std::this_thread::sleep_for(2ms);
      return fail(ErrorCode::Unavailable, "connection refused");
    }
    auto harness = server_->get();
    auto envelope = protocol::decode_envelope(request_body);
    const std::string type = envelope ? envelope->payloadtype : "";
    {
      std::lock_guard lock(server_->mu);
      server_->msgtypes.push_back(type);
    }
    std::string body = request_body;
    const bool assign = type == "assignprocessmsg";
    if (assign) {
      // The fake clock never fires a long-poll's deadline: ask once, and pace the idle loop here.
      auto payload = protocol::decode_payload(*envelope).value();
      payload["timeout"] = -1;
      body = harness->signed_request(me_, type, payload);
    }
    auto future = harness->send_body(std::move(body));
    if (future.wait_for(timeout) != std::future_status::ready) return fail(ErrorCode::Timeout, "no reply in time");
    auto reply = future.get();
    if (assign && reply.status != 200) std::this_thread::sleep_for(10ms);
    if (reply.status == 200) return protocol::encode_reply(reply.payloadtype, reply.payload);
    return protocol::encode_error_reply(reply.status, testing::error_message(reply));
  }
  std::string endpoint() const override { return "fake-server:1"; }

 private:
  std::shared_ptr<FakeServer> server_;
  Identity me_;
};

// ---- the platform: jobs that survive the backend object

struct FakePlatform {
  struct Job {
    std::string processid;
    bool done = false;
    bool success = true;
    std::vector<std::string> lines;
    json::array out;
    std::vector<std::string> errors;
  };

  std::string add(const std::string& processid) {
    std::lock_guard lock(mu);
    std::string token = "job-" + std::to_string(next++);
    jobs[token] = Job{processid};
    return token;
  }
  void finish(const std::string& processid, bool success, std::vector<std::string> lines, json::array out = {}) {
    std::lock_guard lock(mu);
    for (auto& [token, job] : jobs) {
      if (job.processid != processid || job.done) continue;
      job.done = true;
      job.success = success;
      job.lines = lines;
      job.out = out;
      if (!success) job.errors = {"exit code 1"};
    }
  }
  int submissions_of(const std::string& processid) {
    std::lock_guard lock(mu);
    return static_cast<int>(std::count(submitted.begin(), submitted.end(), processid));
  }

  std::mutex mu;
  std::map<std::string, Job> jobs;  // by token
  std::vector<std::string> submitted;
  std::vector<KnownJob> journal_seen;
  int next = 1;
};

class FakeBackend final : public Backend {
 public:
  FakeBackend(std::shared_ptr<FakePlatform> platform, bool outlive) : platform_(std::move(platform)), outlive_(outlive) {}

  std::string_view name() const override { return "fake"; }
  bool jobs_outlive_executor() const override { return outlive_; }

  Result<JobHandle> submit(const model::Process& process, JobSink& sink) override {
    std::string token = platform_->add(process.processid);
    std::lock_guard lock(platform_->mu);
    platform_->submitted.push_back(process.processid);
    tracked_[++next_] = Tracked{token, &sink};
    return next_;
  }

  std::string job_token(JobHandle handle) const override {
    auto it = tracked_.find(handle);
    return it == tracked_.end() ? std::string() : it->second.token;
  }

  Status poll(std::chrono::milliseconds timeout) override {
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(timeout, 5ms));
    std::lock_guard lock(platform_->mu);
    for (auto it = tracked_.begin(); it != tracked_.end();) {
      auto& job = platform_->jobs[it->second.token];
      if (!job.done) {
        ++it;
        continue;
      }
      for (const auto& line : job.lines) it->second.sink->line(OutputStream::Stdout, line);
      it->second.sink->finished(JobResult{job.success, job.out, job.errors, "fake job ended", true});
      it = tracked_.erase(it);
    }
    return ok();
  }

  Status cancel(JobHandle handle, std::string reason) override {
    auto it = tracked_.find(handle);
    if (it == tracked_.end()) return fail(ErrorCode::NotFound, "no job {}", handle);
    std::lock_guard lock(platform_->mu);
    auto& job = platform_->jobs[it->second.token];
    job.done = true;
    job.success = false;
    job.errors = {reason};
    return ok();
  }

  Result<std::vector<ReattachedJob>> reattach_known(const std::vector<KnownJob>& journal,
                                                    const std::function<JobSink&(const std::string&)>& sink_for) override {
    std::vector<ReattachedJob> found;
    std::lock_guard lock(platform_->mu);
    platform_->journal_seen = journal;
    for (const auto& known : journal) {
      // Finished jobs are found too: they ended while the executor was away.
      if (!platform_->jobs.contains(known.token)) continue;
      tracked_[++next_] = Tracked{known.token, &sink_for(known.processid)};
      found.push_back(ReattachedJob{known.processid, next_});
    }
    return found;
  }

 private:
  struct Tracked {
    std::string token;
    JobSink* sink = nullptr;
  };
  std::shared_ptr<FakePlatform> platform_;
  std::map<JobHandle, Tracked> tracked_;
  JobHandle next_ = 0;
  bool outlive_ = false;
};

// ---- the fixture

class RuntimeRecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BrokerHarness::Options options;
    options.clock = clock_;
    server_->harness = std::make_shared<BrokerHarness>(options);
    auto& h = *server_->harness;
    colony_ = h.add_colony("lab");
    executor_ = h.add_executor(colony_, "exec", "fake");
    other_ = h.add_executor(colony_, "other", "fake");
    user_ = h.add_user(colony_, "alice");
    spool_dir_ = fs::temp_directory_path() / ("colonies-recovery-test-" + std::to_string(::getpid()) + "-" +
                                              ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(spool_dir_);
    previous_logger_ = spdlog::default_logger();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", log_sink_));
  }

  void TearDown() override {
    stop();
    spdlog::set_default_logger(previous_logger_);
    fs::remove_all(spool_dir_);
  }

  BrokerHarness& server() { return *server_->harness; }

  RuntimeConfig config() const {
    RuntimeConfig rc;
    rc.server.host = "fake-server";
    rc.colony_name = colony_.name;
    rc.executor_name = "exec";
    rc.executor_type = "fake";
    rc.executor_prvkey = executor_.private_key;
    rc.max_jobs = 4;
    rc.poll_timeout_s = 1;
    rc.log_max_delay = 10ms;
    rc.cancel_check_interval = 100ms;
    rc.shutdown_grace = 200ms;
    rc.shutdown_delivery = 300ms;
    rc.backoff_initial = 20ms;
    rc.backoff_max = 200ms;
    rc.spool_dir = spool_dir_;
    return rc;
  }

  void start() {
    RuntimeDeps deps;
    deps.connect = [server = server_, clock = clock_](const client::ClientConfig& c,
                                                      std::string_view key) -> Result<client::Client> {
      crypto::SodiumCrypto sodium;
      COLONIES_TRY(for_transport, sodium.signer(key));
      COLONIES_TRY(for_client, sodium.signer(key));
      Identity me{std::string(key), for_transport->id(), std::shared_ptr<const ports::Signer>(std::move(for_transport)), ""};
      return client::Client(std::make_unique<HarnessTransport>(server, std::move(me)), std::move(for_client), c,
                            client::ClientDeps{clock, nullptr});
    };
    runtime_ = std::make_unique<Runtime>(config(), std::make_unique<FakeBackend>(platform_, outlive_), std::move(deps));
    runner_ = std::thread([this] { result_ = runtime_->run(); });
    ASSERT_TRUE(wait_until([&] { return runtime_->pulling(); })) << "the runtime did not start";
  }

  void stop() {
    if (!runtime_) return;
    runtime_->request_stop();
    runner_.join();
    EXPECT_TRUE(result_) << result_.error().message;
    counters_ = runtime_->counters();
    runtime_.reset();
  }

  static bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds limit = 20s) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (condition()) return true;
      std::this_thread::sleep_for(5ms);
    }
    return condition();
  }

  std::string submit(const std::string& funcname = "compute") {
    auto process = server().submit(user_, BrokerHarness::spec(colony_.name, "fake", funcname));
    return std::string(process["processid"].as_string());
  }
  // Assigns the oldest waiting process to `executor` directly (the runtime is not pulling).
  std::string assign_to(const Identity& executor) {
    auto reply = server().assign(executor, colony_.name);
    EXPECT_EQ(reply.status, 200) << testing::describe(reply);
    return reply.status == 200 ? std::string(reply.payload.as_object().at("processid").as_string()) : "";
  }
  json::object process(const std::string& id) {
    auto reply = server_->get()->get_process(user_, id);
    return reply.status == 200 ? reply.payload.as_object() : json::object{};
  }
  int state_of(const std::string& id) {
    auto p = process(id);
    return p.contains("state") ? static_cast<int>(p.at("state").as_int64()) : -1;
  }
  std::string logs_of(const std::string& id) {
    auto reply = server_->get()->call(user_, "getlogsmsg", json::object{{"colonyname", colony_.name}, {"processid", id},
                                                                         {"count", 100}});
    std::string text;
    if (reply.status != 200) return "error " + testing::describe(reply);
    for (const auto& log : reply.payload.as_array()) text += std::string(log.as_object().at("message").as_string());
    return text;
  }
  bool logged(std::string_view needle) const {
    for (const auto& line : log_sink_->last_formatted()) {
      if (line.find(needle) != std::string::npos) return true;
    }
    return false;
  }
  std::size_t files_in(std::string_view sub) const {
    std::error_code ec;
    fs::directory_iterator it(spool_dir_ / sub, ec);
    return ec ? 0 : static_cast<std::size_t>(std::distance(it, fs::directory_iterator()));
  }
  Spool spool() { return Spool::open(spool_dir_).value(); }

  static constexpr int kRunning = 1, kSuccess = 2, kFailed = 3;

  std::shared_ptr<testing::FakeClock> clock_ = std::make_shared<testing::FakeClock>();
  std::shared_ptr<FakeServer> server_ = std::make_shared<FakeServer>();
  std::shared_ptr<FakePlatform> platform_ = std::make_shared<FakePlatform>();
  bool outlive_ = false;  // FakeBackend::jobs_outlive_executor
  BrokerHarness::Colony colony_;
  Identity executor_, other_, user_;
  fs::path spool_dir_;
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> log_sink_ = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(2000);
  std::shared_ptr<spdlog::logger> previous_logger_;
  std::unique_ptr<Runtime> runtime_;
  std::thread runner_;
  Status result_;
  RuntimeCounters counters_;
};

TEST_F(RuntimeRecoveryTest, AJobEndingWhileTheServerIsDownIsSpooledAndClosedOnceItIsBack) {
  start();
  const std::string p = submit();
  ASSERT_TRUE(wait_until([&] { return platform_->submissions_of(p) == 1; }));
  server_->down = true;
  platform_->finish(p, true, {"result line"}, json::array{"42"});
  ASSERT_TRUE(wait_until([&] { return files_in("closes") == 1; })) << "the close was not spooled";
  ASSERT_TRUE(wait_until([&] { return logged("the worker retries its calls in"); }));
  // Read behind the running executor's back (its Spool holds the directory's lock).
  std::ifstream file(spool_dir_ / "closes" / (p + ".json"));
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  auto spooled = decode_close(text);
  ASSERT_TRUE(spooled) << spooled.error().message;
  EXPECT_TRUE(spooled->success);
  EXPECT_EQ(spooled->out, (json::array{"42"}));
  EXPECT_EQ(spooled->logs, (std::vector<std::string>{"result line\n"}));
  EXPECT_TRUE(wait_until([&] { return files_in("jobs") == 0; }));  // the job is over; only its close is left

  server_->down = false;
  ASSERT_TRUE(wait_until([&] { return state_of(p) == kSuccess; }));
  EXPECT_EQ(process(p).at("out"), (json::array{"42"}));
  EXPECT_EQ(logs_of(p), "result line\n");
  ASSERT_TRUE(wait_until([&] { return files_in("closes") == 0; })) << "the acknowledged close stayed in the spool";
  EXPECT_TRUE(logged("reachable again"));
}

TEST_F(RuntimeRecoveryTest, ACloseUndeliveredAtShutdownStaysOnDiskAndIsDeliveredByTheNextRunAfterAServerRestart) {
  start();
  const std::string p = submit();
  ASSERT_TRUE(wait_until([&] { return platform_->submissions_of(p) == 1; }));
  server_->down = true;
  platform_->finish(p, true, {"line 1", "line 2"}, json::array{"done"});
  ASSERT_TRUE(wait_until([&] { return files_in("closes") == 1; }));
  stop();
  EXPECT_EQ(counters_.undelivered, 1);
  EXPECT_TRUE(logged("stays in the spool"));
  ASSERT_EQ(files_in("closes"), 1u);

  server_->restart();
  server_->down = false;
  start();
  ASSERT_TRUE(wait_until([&] { return state_of(p) == kSuccess; }));
  EXPECT_EQ(process(p).at("out"), (json::array{"done"}));
  EXPECT_EQ(logs_of(p), "line 1\nline 2\n");
  EXPECT_EQ(platform_->submissions_of(p), 1) << "the process ran twice";
  ASSERT_TRUE(wait_until([&] { return files_in("closes") == 0; }));
  stop();
  EXPECT_EQ(counters_.succeeded, 1);
  EXPECT_EQ(counters_.lost, 0);
}

TEST_F(RuntimeRecoveryTest, SpooledClosesAreDeliveredBeforeAnyNewWorkIsPulled) {
  const std::string p = submit();
  ASSERT_EQ(assign_to(executor_), p);
  ASSERT_TRUE(spool().put_close(SpooledClose{p, false, {}, {"exit code 9"}, {"last words\n"}, 0}));
  const std::string q = submit();
  start();
  ASSERT_TRUE(wait_until([&] { return state_of(p) == kFailed; }));
  EXPECT_EQ(process(p).at("errors"), (json::array{"exit code 9"}));
  EXPECT_EQ(logs_of(p), "last words\n");
  ASSERT_TRUE(wait_until([&] { return platform_->submissions_of(q) == 1; }));
  auto calls = server_->calls();
  auto close = std::find(calls.begin(), calls.end(), "closefailedmsg");
  auto first_assign = std::find(calls.begin(), calls.end(), "assignprocessmsg");
  ASSERT_NE(close, calls.end());
  EXPECT_LT(close - calls.begin(), first_assign - calls.begin()) << "new work was pulled before the spooled close went out";
  platform_->finish(q, true, {});
  ASSERT_TRUE(wait_until([&] { return state_of(q) == kSuccess; }));
  EXPECT_TRUE(wait_until([&] { return files_in("closes") == 0; }));
}

TEST_F(RuntimeRecoveryTest, ALateCloseForAProcessNowAssignedElsewhereIsRefusedAndDropped) {
  const std::string p = submit();
  ASSERT_EQ(assign_to(other_), p);  // re-queued and taken by another executor while we were away
  ASSERT_TRUE(spool().put_close(SpooledClose{p, true, json::array{"stale"}, {}, {"stale output\n"}, 0}));
  start();
  ASSERT_TRUE(wait_until([&] { return files_in("closes") == 0; }));
  EXPECT_TRUE(wait_until([&] { return logged("was no longer ours to close"); }));
  auto now = process(p);
  EXPECT_EQ(now.at("state").as_int64(), kRunning);
  EXPECT_EQ(now.at("assignedexecutorid").as_string(), other_.id);
  EXPECT_EQ(logs_of(p), "") << "logs of a stale attempt reached the new one";
  stop();
  EXPECT_EQ(counters_.abandoned, 1);
  EXPECT_EQ(counters_.succeeded, 0);
}

TEST_F(RuntimeRecoveryTest, ARestartReattachesJournaledJobsAndClosesRunningProcessesNobodyKnowsAsLost) {
  const std::string survivor = submit("survives");
  const std::string gone = submit("gone");
  const std::string forgotten = submit("forgotten");
  ASSERT_EQ(assign_to(executor_), survivor);
  ASSERT_EQ(assign_to(executor_), gone);
  ASSERT_EQ(assign_to(executor_), forgotten);
  // The platform still runs the survivor's job; the journal knows the survivor and `gone`, whose
  // job the platform no longer has; nobody knows `forgotten` (it crashed before journaling).
  const std::string token = platform_->add(survivor);
  ASSERT_TRUE(spool().put_job(JournaledJob{survivor, "fake", token, 0}));
  ASSERT_TRUE(spool().put_job(JournaledJob{gone, "fake", "job-that-vanished", 0}));

  start();
  for (const auto& id : {gone, forgotten}) {
    ASSERT_TRUE(wait_until([&] { return state_of(id) == kFailed; })) << id;
    EXPECT_EQ(process(id).at("errors"), (json::array{std::string(JobWorker::kLostJob)}));
  }
  {
    std::lock_guard lock(platform_->mu);
    ASSERT_EQ(platform_->journal_seen.size(), 2u);
    EXPECT_TRUE(std::any_of(platform_->journal_seen.begin(), platform_->journal_seen.end(),
                            [&](const KnownJob& k) { return k.processid == survivor && k.token == token; }));
  }
  EXPECT_EQ(state_of(survivor), kRunning);
  EXPECT_EQ(files_in("jobs"), 1u);  // only the reattached job is still journaled

  platform_->finish(survivor, true, {"finished after the restart"}, json::array{"ok"});
  ASSERT_TRUE(wait_until([&] { return state_of(survivor) == kSuccess; }));
  EXPECT_EQ(process(survivor).at("out"), (json::array{"ok"}));
  EXPECT_EQ(logs_of(survivor), "finished after the restart\n");
  EXPECT_EQ(platform_->submissions_of(survivor), 0) << "a reattached process was run again";
  ASSERT_TRUE(wait_until([&] { return files_in("jobs") == 0; }));
  stop();
  EXPECT_EQ(counters_.lost, 2);
  EXPECT_EQ(counters_.succeeded, 1);
}

TEST_F(RuntimeRecoveryTest, AStopLeavesJobsThatOutliveTheExecutorRunningAndTheNextStartReattachesThem) {
  outlive_ = true;
  start();
  const std::string p = submit();
  ASSERT_TRUE(wait_until([&] { return platform_->submissions_of(p) == 1; }));
  stop();
  EXPECT_EQ(counters_.detached, 1);
  EXPECT_EQ(counters_.failed, 0);
  EXPECT_EQ(state_of(p), kRunning);
  EXPECT_EQ(files_in("jobs"), 1u);
  {
    std::lock_guard lock(platform_->mu);
    for (const auto& [token, job] : platform_->jobs) EXPECT_FALSE(job.done) << "the job was stopped";
  }
  start();
  platform_->finish(p, true, {"done later"}, json::array{"late"});
  ASSERT_TRUE(wait_until([&] { return state_of(p) == kSuccess; }));
  EXPECT_EQ(process(p).at("out"), (json::array{"late"}));
  EXPECT_EQ(platform_->submissions_of(p), 1);
  EXPECT_TRUE(wait_until([&] { return files_in("jobs") == 0; }));
}

TEST_F(RuntimeRecoveryTest, AJournaledJobWhoseCloseIsAlreadySpooledIsNotReattached) {
  const std::string p = submit();
  ASSERT_EQ(assign_to(executor_), p);
  const std::string token = platform_->add(p);
  platform_->finish(p, true, {"once"}, json::array{"once"});
  // The executor crashed after spooling the close and before dropping the journal entry.
  ASSERT_TRUE(spool().put_job(JournaledJob{p, "fake", token, 0}));
  ASSERT_TRUE(spool().put_close(SpooledClose{p, true, json::array{"once"}, {}, {"once\n"}, 0}));
  start();
  ASSERT_TRUE(wait_until([&] { return state_of(p) == kSuccess; }));
  ASSERT_TRUE(wait_until([&] { return files_in("closes") == 0; }));
  EXPECT_EQ(files_in("jobs"), 0u);
  EXPECT_EQ(logs_of(p), "once\n");
  stop();
  EXPECT_EQ(counters_.succeeded, 1);
  EXPECT_EQ(counters_.abandoned, 0) << "the job was reattached and closed a second time";
  std::lock_guard lock(platform_->mu);
  EXPECT_TRUE(platform_->journal_seen.empty());
}

TEST_F(RuntimeRecoveryTest, AReattachedJobWhoseProcessMovedOnIsCancelledNotClosed) {
  const std::string p = submit();
  ASSERT_EQ(assign_to(other_), p);
  const std::string token = platform_->add(p);
  ASSERT_TRUE(spool().put_job(JournaledJob{p, "fake", token, 0}));
  start();
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard lock(platform_->mu);
    return platform_->jobs[token].done;
  })) << "the stale job was not cancelled";
  ASSERT_TRUE(wait_until([&] { return files_in("jobs") == 0; }));
  EXPECT_EQ(state_of(p), kRunning);
  EXPECT_EQ(process(p).at("assignedexecutorid").as_string(), other_.id);
}

TEST_F(RuntimeRecoveryTest, ThePullLoopReconnectsAfterAServerRestartAndSaysWhenItRetries) {
  start();
  server_->down = true;
  ASSERT_TRUE(wait_until([&] { return logged("fake-server:1 unreachable") && logged("retrying in"); }));
  server_->restart();
  server_->down = false;
  const std::string p = submit();
  ASSERT_TRUE(wait_until([&] { return platform_->submissions_of(p) == 1; }));
  platform_->finish(p, true, {});
  EXPECT_TRUE(wait_until([&] { return state_of(p) == kSuccess; }));
}

TEST_F(RuntimeRecoveryTest, ACorruptSpoolFileIsMovedAsideAndTheExecutorRunsOn) {
  ASSERT_TRUE(Spool::open(spool_dir_));
  {
    std::ofstream(spool_dir_ / "closes" / "abc.json") << "{\"version\":1,\"proc";
    std::ofstream(spool_dir_ / "jobs" / "def.json.tmp") << "{";
  }
  start();
  const std::string p = submit();
  ASSERT_TRUE(wait_until([&] { return platform_->submissions_of(p) == 1; }));
  platform_->finish(p, true, {});
  ASSERT_TRUE(wait_until([&] { return state_of(p) == kSuccess; }));
  EXPECT_EQ(files_in("aside"), 2u);
  EXPECT_TRUE(logged("moved to"));
}

}  // namespace
}  // namespace colonies::executors
