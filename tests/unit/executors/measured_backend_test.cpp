// MeasuredBackend: forwards every call to the backend it wraps, unchanged, and times submit, poll,
// cancel and reattach into the executor's metrics, counting the failed ones.
#include "executors/common/executor_metrics.hpp"

#include <gtest/gtest.h>

namespace colonies::executors {
namespace {

class ScriptedBackend final : public Backend {
 public:
  std::string_view name() const override { return "scripted"; }
  Result<JobHandle> submit(const model::Process& process, JobSink&) override {
    if (process.spec.funcname == "refuse") return fail(ErrorCode::BadRequest, "command 'refuse' not found");
    return ++next_;
  }
  Status poll(std::chrono::milliseconds timeout) override {
    last_timeout = timeout;
    return ok();
  }
  Status cancel(JobHandle handle, std::string reason) override {
    last_reason = std::move(reason);
    if (handle != next_) return fail(ErrorCode::NotFound, "no job {}", handle);
    return ok();
  }
  std::string job_token(JobHandle handle) const override { return "token-" + std::to_string(handle); }
  bool jobs_outlive_executor() const override { return true; }
  void wake() override { ++wakes; }

  JobHandle next_ = 0;
  std::chrono::milliseconds last_timeout{-1};
  std::string last_reason;
  int wakes = 0;
};

class NullSink final : public JobSink {
 public:
  void line(OutputStream, std::string_view) override {}
  void finished(JobResult) override {}
};

TEST(MeasuredBackendTest, ForwardsEveryCallAndTimesThem) {
  ExecutorMetrics metrics;
  auto owned = std::make_unique<ScriptedBackend>();
  ScriptedBackend& inner = *owned;
  MeasuredBackend backend(std::move(owned), metrics);
  NullSink sink;
  model::Process p;
  p.spec.funcname = "echo";

  EXPECT_EQ(backend.name(), "scripted");
  auto handle = backend.submit(p, sink);
  ASSERT_TRUE(handle);
  EXPECT_EQ(*handle, 1u);
  EXPECT_EQ(backend.job_token(*handle), "token-1");
  EXPECT_TRUE(backend.jobs_outlive_executor());
  EXPECT_TRUE(backend.poll(std::chrono::milliseconds(250)));
  EXPECT_EQ(inner.last_timeout, std::chrono::milliseconds(250));
  EXPECT_TRUE(backend.cancel(*handle, "asked"));
  EXPECT_EQ(inner.last_reason, "asked");
  backend.wake();
  EXPECT_EQ(inner.wakes, 1);
  auto found = backend.reattach_known({}, [&](const std::string&) -> JobSink& { return sink; });
  ASSERT_TRUE(found);

  using Call = ExecutorMetrics::Call;
  for (Call c : {Call::Submit, Call::Poll, Call::Cancel, Call::Reattach}) {
    EXPECT_EQ(metrics.call(c).snapshot().count, 1u);
    EXPECT_EQ(metrics.call_errors(c).value(), 0u);
  }
}

TEST(MeasuredBackendTest, CountsFailedCallsAndPassesTheirErrorsOn) {
  ExecutorMetrics metrics;
  MeasuredBackend backend(std::make_unique<ScriptedBackend>(), metrics);
  NullSink sink;
  model::Process p;
  p.spec.funcname = "refuse";
  auto refused = backend.submit(p, sink);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "command 'refuse' not found");
  auto missing = backend.cancel(42, "stop");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::NotFound);
  EXPECT_EQ(metrics.call_errors(ExecutorMetrics::Call::Submit).value(), 1u);
  EXPECT_EQ(metrics.call_errors(ExecutorMetrics::Call::Cancel).value(), 1u);
  EXPECT_EQ(metrics.call(ExecutorMetrics::Call::Submit).snapshot().count, 1u);
}

}  // namespace
}  // namespace colonies::executors
