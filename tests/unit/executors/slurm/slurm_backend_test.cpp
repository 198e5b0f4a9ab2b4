// SlurmBackend against a scripted SlurmApi and an injected clock: batching of state queries,
// pending reasons, output files, cancel, jobs slurmctld forgot, reattach.
#include "executors/slurm/slurm_backend.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace colonies::executors::slurm {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct FakeSlurm final : SlurmApi {
  std::string_view name() const override { return "fake"; }
  Result<SlurmJobId> submit(const SlurmJobRequest& request) override {
    if (submit_failures > 0) {
      --submit_failures;
      return fail(submit_error, "Slurm refused the batch job: {}",
                  submit_error == ErrorCode::Unavailable ? "Unable to contact slurm controller" : "Invalid partition name specified");
    }
    submitted.push_back(request);
    const SlurmJobId id = next_id++;
    jobs[id] = JobStatus{id, JobState::Pending, "PENDING", "None", std::nullopt, "", request.comment};
    if (!request.array.empty()) {
      jobs[id].array_job_id = id;
      jobs[id].pending_tasks = parse_task_set(request.array);
    }
    return id;
  }
  // Array task `task` of `array` starts: it leaves the pending record and gets its own record.
  void start_task(SlurmJobId array, std::uint32_t task, JobState state, std::optional<int> wait_status = std::nullopt) {
    auto& pending = jobs[array].pending_tasks;
    pending.erase(std::remove(pending.begin(), pending.end(), task), pending.end());
    const SlurmJobId id = 1000 + array * 10 + task;
    jobs[id] = JobStatus{id, state, std::string(to_string(state)), "None", wait_status, "vm", jobs[array].comment, array, task, {}};
  }
  Result<std::vector<JobStatus>> query(std::span<const SlurmJobId> ids) override {
    queries.emplace_back(ids.begin(), ids.end());
    if (down) return fail(ErrorCode::Unavailable, "slurmctld down");
    std::vector<JobStatus> out;
    for (const auto& [id, s] : jobs) {
      const bool asked = std::find(ids.begin(), ids.end(), id) != ids.end() ||
                         (s.array_job_id && std::find(ids.begin(), ids.end(), s.array_job_id) != ids.end());
      if (asked) out.push_back(s);
    }
    return out;
  }
  Result<std::vector<JobStatus>> query_accounting(std::span<const SlurmJobId>) override {
    ++accounting_queries;
    return accounting;
  }
  Status kill(SlurmJobId id) override {
    if (kill_fails) return fail(ErrorCode::Unavailable, "slurmctld down");
    killed.push_back(id);
    return ok();
  }
  Status kill_array_task(SlurmJobId array, std::uint32_t task) override {
    killed_tasks.push_back(fmt::format("{}_{}", array, task));
    auto& pending = jobs[array].pending_tasks;
    pending.erase(std::remove(pending.begin(), pending.end(), task), pending.end());  // leaves no record
    return ok();
  }
  Result<std::vector<JobStatus>> find_by_comment(std::string_view prefix) override {
    std::vector<JobStatus> out;
    for (const auto& [id, s] : jobs) {
      if (s.comment.starts_with(prefix)) out.push_back(s);
    }
    return out;
  }
  void set(SlurmJobId id, JobState state, std::optional<int> wait_status = std::nullopt, std::string reason = "None") {
    auto& s = jobs[id];
    s.job_id = id;
    s.state = state;
    s.state_name = std::string(to_string(state));
    s.wait_status = wait_status;
    s.reason = std::move(reason);
    s.nodes = state == JobState::Pending ? "" : "vm";
  }

  SlurmJobId next_id = 100;
  std::map<SlurmJobId, JobStatus> jobs;
  std::vector<SlurmJobRequest> submitted;
  std::vector<std::vector<SlurmJobId>> queries;
  std::vector<SlurmJobId> killed;
  std::vector<std::string> killed_tasks;
  Result<std::vector<JobStatus>> accounting = fail(ErrorCode::Unavailable, "Slurm accounting storage is disabled");
  int accounting_queries = 0;
  bool down = false;
  bool kill_fails = false;
  int submit_failures = 0;
  ErrorCode submit_error = ErrorCode::Unavailable;
};

struct RecordingSink final : JobSink {
  void line(OutputStream stream, std::string_view text) override {
    lines.push_back((stream == OutputStream::Stderr ? "E:" : "") + std::string(text));
  }
  void finished(JobResult r) override { result = std::move(r); }
  bool logged(std::string_view part) const {
    return std::any_of(lines.begin(), lines.end(), [&](const auto& l) { return l.find(part) != std::string::npos; });
  }
  std::vector<std::string> lines;
  std::optional<JobResult> result;
};

class SlurmBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("colonies-slurm-backend-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    make_backend();
  }
  void TearDown() override { fs::remove_all(dir_); }

  void make_backend() {
    auto fake = std::make_unique<FakeSlurm>();
    if (slurm_) fake->jobs = slurm_->jobs;  // the cluster outlives an executor restart
    slurm_ = fake.get();
    SlurmBackendConfig config;
    config.site.executor_name = "slurm-a";
    config.site.workdir = (dir_ / "work").string();
    config.site.output_dir = (dir_ / "out").string();
    config.poll_interval = 2s;
    config.forgotten_grace = 30s;
    config.now = [this] { return now_; };
    config.array_max = array_max_;
    config.array_window = 1s;
    auto backend = SlurmBackend::create(config, std::move(fake));
    ASSERT_TRUE(backend) << backend.error().message;
    backend_ = std::move(*backend);
  }

  model::Process process(std::string id) {
    model::Process p;
    p.processid = std::move(id);
    p.spec.funcname = "echo";
    p.spec.args = {"hi"};
    p.spec.conditions.colonyname = "lab";
    return p;
  }

  JobHandle submit(const std::string& id, RecordingSink& sink) {
    auto handle = backend_->submit(process(id), sink);
    EXPECT_TRUE(handle) << handle.error().message;
    return handle.value_or(0);
  }

  // One poll after the interval passed: exactly one state query.
  void tick() {
    now_ += 2s;
    ASSERT_TRUE(backend_->poll(0ms));
  }

  void write_output(const std::string& processid, SlurmJobId id, std::string_view ext, std::string_view text) {
    std::ofstream f(dir_ / "out" / (processid + "-" + std::to_string(id) + std::string(ext)), std::ios::app);
    f << text;
  }

  int array_max_ = 0;
  fs::path dir_;
  SlurmBackend::Clock::time_point now_{std::chrono::hours(1)};
  FakeSlurm* slurm_ = nullptr;
  std::unique_ptr<SlurmBackend> backend_;
};

TEST_F(SlurmBackendTest, QueriesAllJobsInOneCallPerInterval) {
  RecordingSink sinks[5];
  for (int i = 0; i < 5; ++i) submit("p" + std::to_string(i), sinks[i]);
  ASSERT_TRUE(backend_->poll(0ms));
  ASSERT_TRUE(backend_->poll(0ms));
  ASSERT_TRUE(backend_->poll(0ms));
  ASSERT_EQ(slurm_->queries.size(), 1u) << "polls within one interval must not query again";
  EXPECT_EQ(slurm_->queries[0].size(), 5u);
  now_ += 1900ms;
  ASSERT_TRUE(backend_->poll(0ms));
  EXPECT_EQ(slurm_->queries.size(), 1u);
  now_ += 100ms;
  ASSERT_TRUE(backend_->poll(0ms));
  EXPECT_EQ(slurm_->queries.size(), 2u);
  EXPECT_EQ(backend_->queries(), 2);
}

TEST_F(SlurmBackendTest, PendingReasonIsLoggedWhenItChanges) {
  RecordingSink sink;
  submit("p1", sink);
  slurm_->set(100, JobState::Pending, std::nullopt, "Priority");
  tick();
  tick();
  slurm_->set(100, JobState::Pending, std::nullopt, "QOSMaxWallDurationPerJobLimit");
  tick();
  slurm_->set(100, JobState::Running);
  tick();
  std::vector<std::string> notes;
  for (const auto& l : sink.lines) {
    if (l.starts_with("slurm: ")) notes.push_back(l);
  }
  EXPECT_EQ(notes, (std::vector<std::string>{"slurm: submitted as Slurm job 100", "slurm: Slurm job 100 is pending: Priority",
                                             "slurm: Slurm job 100 is pending: QOSMaxWallDurationPerJobLimit",
                                             "slurm: Slurm job 100 is running on vm"}));
}

TEST_F(SlurmBackendTest, OutputFilesBecomeLogLinesAndStdoutTheResult) {
  RecordingSink sink;
  submit("p1", sink);
  slurm_->set(100, JobState::Running);
  write_output("p1", 100, ".out", "line one\nline t");
  write_output("p1", 100, ".err", "careful\n");
  tick();
  EXPECT_TRUE(sink.logged("line one"));
  EXPECT_TRUE(sink.logged("E:careful"));
  EXPECT_FALSE(sink.logged("line t")) << "an unfinished line waits for its end";
  write_output("p1", 100, ".out", "wo\n");
  slurm_->set(100, JobState::Completed, 0);
  tick();
  ASSERT_TRUE(sink.result);
  EXPECT_TRUE(sink.result->success);
  EXPECT_EQ(sink.result->out, (boost::json::array{"line one", "line two"}));
  EXPECT_EQ(backend_->stats().running, 0);
}

TEST_F(SlurmBackendTest, FailedJobReportsExitCodeAndStderr) {
  RecordingSink sink;
  submit("p1", sink);
  write_output("p1", 100, ".err", "no such file\n");
  slurm_->set(100, JobState::Failed, 2 << 8);
  tick();
  ASSERT_TRUE(sink.result);
  EXPECT_FALSE(sink.result->success);
  EXPECT_EQ(sink.result->errors,
            (std::vector<std::string>{"Slurm job 100 failed (FAILED)", "exit code 2", "no such file"}));
}

TEST_F(SlurmBackendTest, CancelRunsScancelAndPutsTheReasonFirst) {
  RecordingSink sink;
  auto handle = submit("p1", sink);
  slurm_->set(100, JobState::Running);
  tick();
  ASSERT_TRUE(backend_->cancel(handle, "process cancelled by its submitter"));
  EXPECT_EQ(slurm_->killed, (std::vector<SlurmJobId>{100}));
  ASSERT_TRUE(backend_->cancel(handle, "again"));
  EXPECT_EQ(slurm_->killed.size(), 1u) << "cancelling a job already stopping is a no-op";
  slurm_->set(100, JobState::Cancelled, 15);
  ASSERT_TRUE(backend_->poll(0ms));  // a cancel asks for the next query at once
  ASSERT_TRUE(sink.result);
  EXPECT_FALSE(sink.result->success);
  EXPECT_EQ(sink.result->errors[0], "process cancelled by its submitter");
  EXPECT_EQ(sink.result->errors[1], "Slurm job 100 was cancelled (CANCELLED)");
  EXPECT_FALSE(backend_->cancel(handle, "late"));
}

TEST_F(SlurmBackendTest, FailedScancelIsRetriedAtTheNextQuery) {
  RecordingSink sink;
  auto handle = submit("p1", sink);
  slurm_->kill_fails = true;
  ASSERT_TRUE(backend_->cancel(handle, "stop"));
  EXPECT_TRUE(slurm_->killed.empty());
  slurm_->kill_fails = false;
  tick();
  EXPECT_EQ(slurm_->killed, (std::vector<SlurmJobId>{100}));
}

TEST_F(SlurmBackendTest, JobForgottenWithoutAccountingFailsAsUnknownNeverSuccess) {
  RecordingSink sink;
  submit("p1", sink);
  slurm_->set(100, JobState::Running);
  tick();
  slurm_->jobs.erase(100);  // MinJobAge passed while we were not looking
  tick();
  ASSERT_TRUE(sink.result);
  EXPECT_FALSE(sink.result->success);
  EXPECT_NE(sink.result->errors[0].find("the outcome of Slurm job 100 is unknown"), std::string::npos)
      << sink.result->errors[0];
  EXPECT_NE(sink.result->errors[0].find("accounting is not available"), std::string::npos);
}

TEST_F(SlurmBackendTest, JobForgottenIsResolvedThroughAccounting) {
  RecordingSink sink;
  submit("p1", sink);
  slurm_->set(100, JobState::Running);
  write_output("p1", 100, ".out", "result\n");
  tick();
  slurm_->jobs.erase(100);
  slurm_->accounting = std::vector<JobStatus>{};  // sacct lags slurmctld at first
  tick();
  EXPECT_FALSE(sink.result);
  slurm_->accounting = std::vector<JobStatus>{JobStatus{100, JobState::Completed, "COMPLETED", "", 0, "vm", ""}};
  tick();
  ASSERT_TRUE(sink.result);
  EXPECT_TRUE(sink.result->success);
  EXPECT_EQ(sink.result->out, (boost::json::array{"result"}));
  EXPECT_EQ(slurm_->accounting_queries, 2);
}

TEST_F(SlurmBackendTest, AccountingThatNeverKnowsTheJobGivesUpAfterTheGrace) {
  RecordingSink sink;
  submit("p1", sink);
  slurm_->set(100, JobState::Running);
  tick();
  slurm_->jobs.erase(100);
  slurm_->accounting = std::vector<JobStatus>{};
  for (int i = 0; i < 14; ++i) tick();
  EXPECT_FALSE(sink.result) << "gave up before the grace";
  tick();
  tick();
  ASSERT_TRUE(sink.result);
  EXPECT_FALSE(sink.result->success);
}

TEST_F(SlurmBackendTest, SlurmDownIsABackendErrorAndJobsStay) {
  RecordingSink sink;
  submit("p1", sink);
  slurm_->down = true;
  now_ += 2s;
  auto polled = backend_->poll(0ms);
  ASSERT_FALSE(polled);
  EXPECT_EQ(polled.error().code, ErrorCode::Unavailable);
  EXPECT_FALSE(sink.result);
  slurm_->down = false;
  slurm_->set(100, JobState::Completed, 0);
  tick();
  ASSERT_TRUE(sink.result);
  EXPECT_TRUE(sink.result->success);
}

TEST_F(SlurmBackendTest, ReattachFollowsTheNewestJobOfEachOfOurProcesses) {
  RecordingSink first;
  submit("p1", first);
  submit("p1", first);  // a later attempt of the same process: job 101
  RecordingSink other;
  submit("p2", other);
  slurm_->jobs[300] = JobStatus{300, JobState::Running, "RUNNING", "", std::nullopt, "vm", "colonies:slurm-b:p3"};
  slurm_->set(101, JobState::Running);
  make_backend();  // the executor restarts
  std::map<std::string, RecordingSink> sinks;
  auto found = backend_->reattach([&](const std::string& id) -> JobSink& { return sinks[id]; });
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_EQ(found->size(), 2u);
  EXPECT_EQ(sinks.count("p3"), 0u) << "another executor's job";
  slurm_->set(101, JobState::Completed, 0);
  slurm_->set(102, JobState::Failed, 1 << 8);
  ASSERT_TRUE(backend_->poll(0ms));
  ASSERT_TRUE(sinks["p1"].result);
  EXPECT_TRUE(sinks["p1"].result->success);
  EXPECT_TRUE(sinks["p1"].logged("following Slurm job 101"));
  ASSERT_TRUE(sinks["p2"].result);
  EXPECT_FALSE(sinks["p2"].result->success);
}

TEST_F(SlurmBackendTest, SinksHearFromTheBackendOnlyInsidePoll) {
  RecordingSink sink;
  auto handle = submit("p1", sink);
  ASSERT_TRUE(backend_->cancel(handle, "stop"));
  EXPECT_TRUE(sink.lines.empty()) << "submit() and cancel() must not call the sink (JobSink contract)";
  ASSERT_TRUE(backend_->poll(0ms));
  EXPECT_TRUE(sink.logged("slurm: submitted as Slurm job 100"));
  EXPECT_TRUE(sink.logged("slurm: cancelling Slurm job 100: stop"));
}

TEST_F(SlurmBackendTest, SubmissionIsRetriedWhileSlurmIsUnreachable) {
  RecordingSink sink;
  slurm_->submit_failures = 2;
  auto handle = backend_->submit(process("p1"), sink);
  ASSERT_TRUE(handle) << "a slurmctld restart must not fail the process";
  tick();
  EXPECT_TRUE(slurm_->submitted.empty());
  tick();
  ASSERT_EQ(slurm_->submitted.size(), 1u);
  EXPECT_TRUE(sink.logged("Slurm is not reachable (Slurm refused the batch job: Unable to contact slurm controller)"));
  EXPECT_TRUE(sink.logged("submitted as Slurm job 100"));
  EXPECT_EQ(std::count_if(sink.lines.begin(), sink.lines.end(),
                          [](const auto& l) { return l.find("not reachable") != std::string::npos; }),
            1);
  slurm_->set(100, JobState::Completed, 0);
  tick();
  ASSERT_TRUE(sink.result);
  EXPECT_TRUE(sink.result->success);
}

TEST_F(SlurmBackendTest, SubmissionRetriesEndAfterTheRetryWindow) {
  RecordingSink sink;
  slurm_->submit_failures = 1000;
  ASSERT_TRUE(backend_->submit(process("p1"), sink));
  for (int i = 0; i < 59 && !sink.result; ++i) tick();
  EXPECT_FALSE(sink.result) << "gave up before the retry window of 120 s";
  tick();
  tick();
  ASSERT_TRUE(sink.result);
  EXPECT_FALSE(sink.result->success);
  EXPECT_NE(sink.result->errors[0].find("Unable to contact slurm controller"), std::string::npos) << sink.result->errors[0];
}

TEST_F(SlurmBackendTest, SubmissionRefusedBySlurmFailsAtOnce) {
  RecordingSink sink;
  slurm_->submit_failures = 1;
  slurm_->submit_error = ErrorCode::BadRequest;
  auto handle = backend_->submit(process("p1"), sink);
  ASSERT_FALSE(handle);
  EXPECT_EQ(handle.error().message,
            "Slurm did not accept the job of process p1: Slurm refused the batch job: Invalid partition name specified");
}

TEST_F(SlurmBackendTest, RefusedTranslationNeverReachesSlurm) {
  RecordingSink sink;
  auto p = process("p1");
  p.spec.conditions.mem = "lots";
  auto handle = backend_->submit(p, sink);
  ASSERT_FALSE(handle);
  EXPECT_EQ(handle.error().code, ErrorCode::BadRequest);
  EXPECT_TRUE(slurm_->submitted.empty());
}

TEST_F(SlurmBackendTest, CompatibleProcessesWithinTheWindowBecomeOneArrayJob) {
  array_max_ = 3;
  make_backend();
  RecordingSink sinks[5];
  for (int i = 0; i < 4; ++i) submit("p" + std::to_string(i), sinks[i]);
  auto other = process("big");
  other.spec.conditions.mem = "2Gi";  // different resources: not in the same array
  ASSERT_TRUE(backend_->submit(other, sinks[4]));
  ASSERT_TRUE(backend_->poll(0ms));
  // A full batch goes at once (its overflow as a further job); the other kind waits for its window.
  ASSERT_EQ(slurm_->submitted.size(), 2u);
  EXPECT_EQ(slurm_->submitted[0].array, "0-2");
  EXPECT_TRUE(slurm_->submitted[1].array.empty()) << "a batch of one is a plain job";
  now_ += 1s;
  ASSERT_TRUE(backend_->poll(0ms));
  ASSERT_EQ(slurm_->submitted.size(), 3u);
  EXPECT_EQ(slurm_->submitted[2].mem_per_node_mb, 2048);
  EXPECT_TRUE(sinks[1].logged("submitted as Slurm job 100_1 (task 1 of an array of 3)"));

  slurm_->start_task(100, 0, JobState::Completed, 0);
  slurm_->start_task(100, 1, JobState::Failed, 3 << 8);
  std::ofstream(dir_ / "out" / "array-100_0.out") << "zero\n";
  tick();
  ASSERT_TRUE(sinks[0].result);
  EXPECT_TRUE(sinks[0].result->success);
  EXPECT_EQ(sinks[0].result->out, (boost::json::array{"zero"}));
  ASSERT_TRUE(sinks[1].result);
  EXPECT_EQ(sinks[1].result->errors[1], "exit code 3");
  EXPECT_FALSE(sinks[2].result);
  EXPECT_TRUE(sinks[2].logged("Slurm job 100_2 is pending"));
}

TEST_F(SlurmBackendTest, CancellingAPendingArrayTaskCancelsOnlyThatTask) {
  array_max_ = 2;
  make_backend();
  RecordingSink a, b;
  auto handle = submit("a", a);
  submit("b", b);
  ASSERT_TRUE(backend_->poll(0ms));
  ASSERT_TRUE(backend_->cancel(handle, "cancelled by its submitter"));
  EXPECT_EQ(slurm_->killed_tasks, (std::vector<std::string>{"100_0"}));
  tick();
  ASSERT_TRUE(a.result);
  EXPECT_EQ(a.result->errors[0], "cancelled by its submitter");
  EXPECT_FALSE(b.result);
}

TEST_F(SlurmBackendTest, ProcessCancelledWhileQueuedForAnArrayNeverReachesSlurm) {
  array_max_ = 10;
  make_backend();
  RecordingSink a;
  auto handle = submit("a", a);
  ASSERT_TRUE(backend_->cancel(handle, "cancelled"));
  now_ += 1s;
  ASSERT_TRUE(backend_->poll(0ms));
  ASSERT_TRUE(a.result);
  EXPECT_FALSE(a.result->success);
  EXPECT_TRUE(slurm_->submitted.empty());
}

TEST_F(SlurmBackendTest, ReattachFindsArrayTasksByTheirPlaceInTheComment) {
  array_max_ = 2;
  make_backend();
  RecordingSink a, b;
  submit("a", a);
  submit("b", b);
  ASSERT_TRUE(backend_->poll(0ms));
  slurm_->start_task(100, 1, JobState::Running);
  make_backend();
  std::map<std::string, RecordingSink> sinks;
  auto found = backend_->reattach([&](const std::string& id) -> JobSink& { return sinks[id]; });
  ASSERT_TRUE(found);
  ASSERT_EQ(found->size(), 2u);
  slurm_->start_task(100, 0, JobState::Completed, 0);
  slurm_->start_task(100, 1, JobState::Completed, 1 << 8);
  ASSERT_TRUE(backend_->poll(0ms));
  ASSERT_TRUE(sinks["a"].result && sinks["b"].result);
  EXPECT_TRUE(sinks["a"].result->success);
  EXPECT_FALSE(sinks["b"].result->success);
  EXPECT_FALSE(fs::exists(dir_ / "work" / "arrays" / "a")) << "the array's process list outlived it";
}

}  // namespace
}  // namespace colonies::executors::slurm
