// Executor self-measurements and the measuring Backend decorator (see executor_metrics.hpp).
#include "executors/common/executor_metrics.hpp"

namespace colonies::executors {

ExecutorMetrics::ExecutorMetrics() {
  for (auto& h : assign_) h = std::make_unique<metrics::Histogram>(metrics::latency_bounds_ns());
  for (auto& h : calls_) h = std::make_unique<metrics::Histogram>(metrics::latency_bounds_ns());
}

template <class F>
auto MeasuredBackend::timed(ExecutorMetrics::Call call, F&& f) {
  const auto started = std::chrono::steady_clock::now();
  auto result = f();
  metrics_.call(call).observe(std::chrono::steady_clock::now() - started);
  if (!result) metrics_.call_errors(call).add();
  return result;
}

Result<JobHandle> MeasuredBackend::submit(const model::Process& process, JobSink& sink) {
  return timed(ExecutorMetrics::Call::Submit, [&] { return inner_->submit(process, sink); });
}

Status MeasuredBackend::poll(std::chrono::milliseconds timeout) {
  return timed(ExecutorMetrics::Call::Poll, [&] { return inner_->poll(timeout); });
}

Status MeasuredBackend::cancel(JobHandle handle, std::string reason) {
  return timed(ExecutorMetrics::Call::Cancel, [&] { return inner_->cancel(handle, std::move(reason)); });
}

Result<std::vector<ReattachedJob>> MeasuredBackend::reattach(
    const std::function<JobSink&(const std::string&)>& sink_for) {
  return timed(ExecutorMetrics::Call::Reattach, [&] { return inner_->reattach(sink_for); });
}

Result<std::vector<ReattachedJob>> MeasuredBackend::reattach_known(
    const std::vector<KnownJob>& journal, const std::function<JobSink&(const std::string&)>& sink_for) {
  return timed(ExecutorMetrics::Call::Reattach, [&] { return inner_->reattach_known(journal, sink_for); });
}

}  // namespace colonies::executors
