// K8sBackend against the scripted fake API server: results and reasons (exit codes, OOMKilled,
// DeadlineExceeded, ImagePullBackOff past its limit), logs shipped once each, cancel and cleanup
// with Background propagation, one batched list per refresh, reattach by executor label.
#include "executors/k8s/k8s_backend.hpp"

#include <gtest/gtest.h>

#include <optional>

#include "tests/support/fake_kube_api.hpp"

namespace colonies::executors::k8s {
namespace {

using testing::FakeKubeApi;
using namespace std::chrono_literals;

constexpr const char* kExecutor = "exec-a";

struct RecordingSink final : JobSink {
  std::vector<std::string> out;
  std::vector<std::string> err;
  std::optional<JobResult> result;
  void line(OutputStream stream, std::string_view text) override {
    (stream == OutputStream::Stdout ? out : err).emplace_back(text);
  }
  void finished(JobResult r) override { result = std::move(r); }
};

// Distinct in the first 36 characters, which name the Job (as random IDs are).
std::string process_id(int n) { return fmt::format("{:08x}{:056x}", 0xabc000 + n, n); }

model::Process process(int n, std::string funcname, std::vector<std::string> args = {}) {
  model::Process p;
  p.processid = process_id(n);
  p.spec.funcname = std::move(funcname);
  for (auto& a : args) p.spec.args.push_back(json::string(a));
  p.spec.conditions.colonyname = "lab";
  p.spec.conditions.mem = "256Mi";
  return p;
}

class K8sBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_ = FakeKubeApi::start({});
    ASSERT_TRUE(fake_);
    backend_ = make_backend();
  }

  std::unique_ptr<K8sBackend> make_backend() {
    KubeConnection c;
    c.host = "127.0.0.1";
    c.port = fake_->port();
    c.tls = false;
    c.token = "test-token";
    RetryPolicy retry;
    retry.sleep = [](std::chrono::milliseconds) {};
    K8sBackendConfig config;
    config.site.executor_name = kExecutor;
    config.site.ns = "colonies";
    config.site.default_image = "busybox:1.36";
    config.poll_interval = 1ms;
    config.image_pull_timeout = 60s;
    config.now = [this] { return now_; };
    auto backend = K8sBackend::create(config, std::make_unique<KubeApi>(c, "colonies", retry));
    EXPECT_TRUE(backend) << backend.error().message;
    return backend ? std::move(*backend) : nullptr;
  }

  // Polls until `sink` has a result, at most `limit` polls (each is one refresh).
  void run_until_finished(RecordingSink& sink, int limit = 30) {
    for (int i = 0; i < limit && !sink.result; ++i) {
      auto polled = backend_->poll(5ms);
      ASSERT_TRUE(polled) << polled.error().message;
    }
    ASSERT_TRUE(sink.result) << "job did not finish within " << limit << " polls";
  }

  std::unique_ptr<FakeKubeApi> fake_;
  std::unique_ptr<K8sBackend> backend_;
  std::chrono::steady_clock::time_point now_ = std::chrono::steady_clock::time_point(1h);
};

TEST_F(K8sBackendTest, SuccessShipsEveryLogLineOnceAndDeletesTheJob) {
  RecordingSink sink;
  auto handle = backend_->submit(process(1, "print", {"one", "two", "three", "four", "five", "six"}), sink);
  ASSERT_TRUE(handle) << handle.error().message;
  EXPECT_EQ(fake_->job_names().size(), 1u);
  run_until_finished(sink);
  EXPECT_TRUE(sink.result->success) << sink.result->summary;
  EXPECT_EQ(sink.out, (std::vector<std::string>{"one", "two", "three", "four", "five", "six"}));
  EXPECT_EQ(json::serialize(sink.result->out), R"(["one","two","three","four","five","six"])");
  EXPECT_TRUE(fake_->job_names().empty()) << "a finished Job is deleted";
  EXPECT_TRUE(fake_->pod_names().empty()) << "with Background propagation, so its pod goes too";
  EXPECT_EQ(backend_->stats().finished, 1);
}

TEST_F(K8sBackendTest, NonZeroExitCodeFailsWithTheCodeAndTheLastLines) {
  RecordingSink sink;
  ASSERT_TRUE(backend_->submit(process(2, "fail", {"3"}), sink));
  run_until_finished(sink);
  EXPECT_FALSE(sink.result->success);
  ASSERT_GE(sink.result->errors.size(), 2u);
  EXPECT_EQ(sink.result->errors[0], "exit code 3");
  EXPECT_EQ(sink.result->errors[1], "failing with 3");
}

TEST_F(K8sBackendTest, OomKilledNamesTheMemoryLimit) {
  RecordingSink sink;
  ASSERT_TRUE(backend_->submit(process(3, "oom"), sink));
  run_until_finished(sink);
  EXPECT_FALSE(sink.result->success);
  EXPECT_EQ(sink.result->errors.at(0),
            "out of memory: the container used more than its memory limit 256Mi and was killed (OOMKilled, exit code 137)");
}

TEST_F(K8sBackendTest, DeadlineExceededIsReportedAsTheWalltime) {
  RecordingSink sink;
  auto p = process(4, "sleep", {"600"});
  p.spec.conditions.walltime = 5;
  ASSERT_TRUE(backend_->submit(p, sink));
  run_until_finished(sink);
  EXPECT_FALSE(sink.result->success);
  EXPECT_EQ(sink.result->errors.at(0), "walltime of 5 s exceeded: Kubernetes stopped the Job (DeadlineExceeded)");
}

TEST_F(K8sBackendTest, ImagePullBackOffFailsOnlyAfterTheConfiguredTime) {
  RecordingSink sink;
  auto p = process(5, "echo", {"x"});
  p.spec.kwargs["image"] = "registry.example.org/does-not-exist:1.0";
  ASSERT_TRUE(backend_->submit(p, sink));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(backend_->poll(5ms));
  EXPECT_FALSE(sink.result) << "still within image_pull_timeout";
  ASSERT_FALSE(sink.err.empty());
  EXPECT_NE(sink.err[0].find("ImagePullBackOff"), std::string::npos) << "the pending reason reaches the log once";
  EXPECT_EQ(sink.err.size(), 1u);
  now_ += 61s;
  run_until_finished(sink);
  EXPECT_FALSE(sink.result->success);
  EXPECT_NE(sink.result->errors.at(0).find("could not start within 60 s: ImagePullBackOff"), std::string::npos)
      << sink.result->errors.at(0);
  EXPECT_TRUE(fake_->job_names().empty());
}

TEST_F(K8sBackendTest, AnUnschedulablePodIsReportedInTheLogOnceAndKeepsWaiting) {
  fake_->set_script([](const json::object&) {
    testing::FakePodScript s;
    s.unschedulable = "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.";
    return s;
  });
  RecordingSink sink;
  ASSERT_TRUE(backend_->submit(process(17, "echo"), sink));
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(backend_->poll(5ms));
  EXPECT_FALSE(sink.result);
  EXPECT_EQ(sink.err, std::vector<std::string>{
                          "[k8s] pod pending: Unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu."});
}

TEST_F(K8sBackendTest, AnEvictedPodFailsWithTheEvictionReason) {
  fake_->set_script([](const json::object&) {
    testing::FakePodScript s;
    s.evicted = true;
    return s;
  });
  RecordingSink sink;
  ASSERT_TRUE(backend_->submit(process(18, "echo"), sink));
  run_until_finished(sink);
  EXPECT_FALSE(sink.result->success);
  EXPECT_EQ(sink.result->errors.at(0),
            "pod failed before its container ran: Evicted: The node was low on resource: ephemeral-storage.");
}

TEST_F(K8sBackendTest, CancelDeletesTheJobWithBackgroundPropagation) {
  RecordingSink sink;
  auto handle = backend_->submit(process(6, "sleep", {"600"}), sink);
  ASSERT_TRUE(handle);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(backend_->poll(5ms));
  EXPECT_FALSE(sink.result);
  ASSERT_TRUE(backend_->cancel(*handle, "process cancelled"));
  EXPECT_TRUE(backend_->cancel(*handle, "again")) << "cancelling twice is a no-op";
  run_until_finished(sink, 3);
  EXPECT_FALSE(sink.result->success);
  EXPECT_EQ(sink.result->errors.at(0), "process cancelled");
  EXPECT_TRUE(fake_->job_names().empty());
  EXPECT_TRUE(fake_->pod_names().empty());
  EXPECT_EQ(fake_->count("DELETE", "/apis/batch/v1/namespaces/colonies/jobs/"), 1);
  auto requests = fake_->requests();
  for (const auto& r : requests) {
    if (r.method == "DELETE") {
      EXPECT_NE(r.target.find("propagationPolicy=Background"), std::string::npos) << r.target;
    }
  }
  EXPECT_FALSE(backend_->cancel(*handle, "gone"));
}

TEST_F(K8sBackendTest, RunningJobLogsAreShippedWithoutRepeats) {
  RecordingSink sink;
  ASSERT_TRUE(backend_->submit(process(7, "sleep", {"600"}), sink));
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(backend_->poll(5ms));
  // Four lines per second in the fake and sinceTime at whole seconds: every read returns lines
  // already shipped, which must be skipped.
  ASSERT_GE(sink.out.size(), 6u);
  EXPECT_EQ(sink.out[0], "sleeping");
  for (std::size_t i = 1; i < sink.out.size(); ++i) EXPECT_EQ(sink.out[i], fmt::format("tick {}", i));
  EXPECT_GT(fake_->count("GET", "/api/v1/namespaces/colonies/pods/"), 5);
  bool used_since = false;
  for (const auto& r : fake_->requests()) used_since |= r.target.find("sinceTime=") != std::string::npos;
  EXPECT_TRUE(used_since);
}

TEST_F(K8sBackendTest, OneListOfPodsAndJobsPerRefreshForAllJobs) {
  RecordingSink a, b, c;
  ASSERT_TRUE(backend_->submit(process(8, "sleep"), a));
  ASSERT_TRUE(backend_->submit(process(9, "sleep"), b));
  ASSERT_TRUE(backend_->submit(process(10, "sleep"), c));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(backend_->poll(5ms));
  const int pod_lists = fake_->count("GET", "/api/v1/namespaces/colonies/pods?");
  const int job_lists = fake_->count("GET", "/apis/batch/v1/namespaces/colonies/jobs?");
  EXPECT_GE(pod_lists, 1);
  EXPECT_LE(pod_lists, 5) << "one pod list per refresh, not one per job";
  EXPECT_EQ(job_lists, pod_lists);
}

TEST_F(K8sBackendTest, RetriedListErrorsDoNotLoseJobs) {
  RecordingSink sink;
  ASSERT_TRUE(backend_->submit(process(11, "print", {"a"}), sink));
  fake_->inject("GET", "/api/v1/namespaces/colonies/pods", 429, 2);
  fake_->inject("GET", "/apis/batch/v1/namespaces/colonies/jobs", 500, 2);
  run_until_finished(sink);
  EXPECT_TRUE(sink.result->success);
  EXPECT_EQ(sink.out, std::vector<std::string>{"a"});
}

TEST_F(K8sBackendTest, ARetriedCreateFollowsItsOwnJobInsteadOfStartingASecond) {
  // The first create reached the API server but its reply was lost: the same name exists.
  RecordingSink first;
  auto p = process(15, "print", {"once"});
  ASSERT_TRUE(backend_->submit(p, first));
  auto restarted = make_backend();
  RecordingSink second;
  ASSERT_TRUE(restarted->submit(p, second)) << "409 for our own Job is not an error";
  EXPECT_EQ(fake_->job_names().size(), 1u);
  EXPECT_EQ(fake_->count("GET", "/apis/batch/v1/namespaces/colonies/jobs/colonies-"), 1);
}

TEST_F(K8sBackendTest, AJobOfTheSameNameForAnotherProcessIsNotAdopted) {
  RecordingSink sink;
  auto p = process(16, "print", {"x"});
  ASSERT_TRUE(backend_->submit(p, sink));
  // Same name (the name carries only the first 36 characters of the ID), different process.
  auto other = p;
  other.processid = p.processid.substr(0, 36) + std::string(28, 'f');
  RecordingSink other_sink;
  auto handle = backend_->submit(other, other_sink);
  ASSERT_FALSE(handle);
  EXPECT_EQ(handle.error().code, ErrorCode::Conflict);
}

TEST_F(K8sBackendTest, WhatAJobCannotExpressIsRefusedAtSubmit) {
  RecordingSink sink;
  auto p = process(12, "echo");
  p.spec.conditions.nodes = 2;
  auto handle = backend_->submit(p, sink);
  ASSERT_FALSE(handle);
  EXPECT_EQ(handle.error().code, ErrorCode::BadRequest);
  EXPECT_TRUE(fake_->job_names().empty());
}

TEST_F(K8sBackendTest, AJobDeletedBehindOurBackFailsTheProcess) {
  RecordingSink sink;
  ASSERT_TRUE(backend_->submit(process(13, "sleep"), sink));
  ASSERT_TRUE(backend_->poll(5ms));
  KubeConnection c;
  c.host = "127.0.0.1";
  c.port = fake_->port();
  c.tls = false;
  c.token = "test-token";
  KubeApi other(c, "colonies");
  ASSERT_TRUE(other.delete_job(fake_->job_names().at(0)));
  run_until_finished(sink, 5);
  EXPECT_FALSE(sink.result->success);
  EXPECT_NE(sink.result->errors.at(0).find("disappeared"), std::string::npos);
}

TEST_F(K8sBackendTest, ReattachFindsOurJobsByExecutorLabelAfterARestart) {
  RecordingSink first;
  ASSERT_TRUE(backend_->submit(process(14, "sleep"), first));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(backend_->poll(5ms));
  backend_.reset();  // the executor dies; the Job keeps running
  ASSERT_EQ(fake_->job_names().size(), 1u);

  backend_ = make_backend();
  RecordingSink second;
  std::vector<std::string> asked;
  auto found = backend_->reattach([&](const std::string& id) -> JobSink& {
    asked.push_back(id);
    return second;
  });
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(found->at(0).processid, process_id(14)) << "the full ID comes from the annotation";
  EXPECT_EQ(asked, std::vector<std::string>{process_id(14)});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(backend_->poll(5ms));
  ASSERT_FALSE(second.out.empty());
  EXPECT_EQ(second.out[0], "sleeping") << "the log is shipped from the start again";
  ASSERT_TRUE(backend_->cancel(found->at(0).handle, "stop"));
  run_until_finished(second, 3);
  EXPECT_TRUE(fake_->job_names().empty());
}

}  // namespace
}  // namespace colonies::executors::k8s
