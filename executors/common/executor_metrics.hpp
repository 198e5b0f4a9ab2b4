// What an executor measures about itself, for its optional GET /metrics (--metrics-port): the
// assign long-polls by result, and every call into the Backend (submit, poll, cancel, reattach)
// through MeasuredBackend. Lock-free instruments (core/metrics); the jobs in flight and the
// outcome counts come from the runtime's existing counters. Rendering is the daemon's.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/metrics/histogram.hpp"
#include "executors/common/backend.hpp"

namespace colonies::executors {

struct ExecutorMetrics {
  // How an assign long-poll ended: a process (assigned), nothing within the timeout (empty), or
  // an error (the server away, refused, ...).
  enum class AssignResult : std::size_t { Assigned, Empty, Error };
  static constexpr std::array<std::string_view, 3> kAssignResults{"assigned", "empty", "error"};
  enum class Call : std::size_t { Submit, Poll, Cancel, Reattach };
  static constexpr std::array<std::string_view, 4> kCalls{"submit", "poll", "cancel", "reattach"};

  ExecutorMetrics();
  metrics::Histogram& assign(AssignResult r) { return *assign_[static_cast<std::size_t>(r)]; }
  const metrics::Histogram& assign(AssignResult r) const { return *assign_[static_cast<std::size_t>(r)]; }
  metrics::Histogram& call(Call c) { return *calls_[static_cast<std::size_t>(c)]; }
  const metrics::Histogram& call(Call c) const { return *calls_[static_cast<std::size_t>(c)]; }
  metrics::Counter& call_errors(Call c) { return call_errors_[static_cast<std::size_t>(c)]; }
  const metrics::Counter& call_errors(Call c) const { return call_errors_[static_cast<std::size_t>(c)]; }

 private:
  std::array<std::unique_ptr<metrics::Histogram>, kAssignResults.size()> assign_;
  std::array<std::unique_ptr<metrics::Histogram>, kCalls.size()> calls_;
  std::array<metrics::Counter, kCalls.size()> call_errors_;
};

// A Backend that forwards every call to `inner` and times submit, poll, cancel and
// reattach(_known) into `metrics`. Behaves exactly as `inner` otherwise (same threading
// contract). poll's time includes its wait for activity, up to the timeout the worker gives it.
class MeasuredBackend final : public Backend {
 public:
  MeasuredBackend(std::unique_ptr<Backend> inner, ExecutorMetrics& metrics)
      : inner_(std::move(inner)), metrics_(metrics) {}

  std::string_view name() const override { return inner_->name(); }
  Result<JobHandle> submit(const model::Process& process, JobSink& sink) override;
  Status poll(std::chrono::milliseconds timeout) override;
  Status cancel(JobHandle handle, std::string reason) override;
  Result<std::vector<ReattachedJob>> reattach(const std::function<JobSink&(const std::string&)>& sink_for) override;
  std::string job_token(JobHandle handle) const override { return inner_->job_token(handle); }
  Result<std::vector<ReattachedJob>> reattach_known(const std::vector<KnownJob>& journal,
                                                    const std::function<JobSink&(const std::string&)>& sink_for) override;
  bool jobs_outlive_executor() const override { return inner_->jobs_outlive_executor(); }
  BackendStats stats() const override { return inner_->stats(); }
  void wake() override { inner_->wake(); }

 private:
  template <class F>
  auto timed(ExecutorMetrics::Call call, F&& f);

  std::unique_ptr<Backend> inner_;
  ExecutorMetrics& metrics_;
};

}  // namespace colonies::executors
