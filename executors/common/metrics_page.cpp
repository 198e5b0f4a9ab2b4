// An executor's GET /metrics body (see metrics_page.hpp; the list is docs/metrics.md).
#include "executors/common/metrics_page.hpp"

#include "adapters/observability/prometheus_text.hpp"

namespace colonies::executors {

namespace {
using observability::Labels;
using observability::MetricType;
using observability::PrometheusText;
constexpr int kNanoseconds = 9;
}  // namespace

std::string render_metrics(const Runtime& runtime, std::chrono::system_clock::time_point started) {
  const RuntimeConfig& config = runtime.config();
  const std::string backend(runtime.backend_name());
  const ExecutorMetrics& m = runtime.metrics();
  const RuntimeCounters c = runtime.counters();
  PrometheusText out;
  out.family("colonies_executor_info", MetricType::Gauge, "Always 1; who this executor is, as labels.");
  out.sample(Labels{{"colony", config.colony_name},
                    {"executor", config.executor_name},
                    {"executortype", config.executor_type},
                    {"backend", backend}},
             1);
  out.family("process_start_time_seconds", MetricType::Gauge, "Start time of the executor since the Unix epoch.");
  out.sample({}, static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::seconds>(started.time_since_epoch()).count()));
  out.family("colonies_executor_jobs_in_flight", MetricType::Gauge,
             "Processes assigned to this executor and not yet closed or given up.");
  out.sample({}, runtime.jobs_in_flight());
  out.family("colonies_executor_max_jobs", MetricType::Gauge, "Processes this executor runs at once at most (--max-jobs).");
  out.sample({}, config.max_jobs);
  out.family("colonies_executor_jobs_started_total", MetricType::Counter, "Processes assigned to this executor.");
  out.sample({}, c.assigned);
  out.family("colonies_executor_jobs_finished_total", MetricType::Counter,
             "Processes this executor is done with, by outcome: succeeded or failed (closed so), abandoned (cancelled "
             "or re-queued by the server), lost (closed failed after a restart: the job was gone).");
  for (auto [outcome, n] : {std::pair{"succeeded", c.succeeded}, {"failed", c.failed}, {"abandoned", c.abandoned},
                            {"lost", c.lost}}) {
    out.sample(Labels{{"outcome", outcome}}, n);
  }
  out.family("colonies_executor_assign_duration_seconds", MetricType::Histogram,
             "Assign long-polls, by result: assigned (a process), empty (none within --poll-timeout), error.");
  for (std::size_t i = 0; i < ExecutorMetrics::kAssignResults.size(); ++i) {
    out.histogram(Labels{{"result", std::string(ExecutorMetrics::kAssignResults[i])}},
                  m.assign(static_cast<ExecutorMetrics::AssignResult>(i)).snapshot(), kNanoseconds);
  }
  out.family("colonies_executor_platform_call_duration_seconds", MetricType::Histogram,
             "Calls into the platform backend (submit, poll, cancel, reattach); poll includes its wait for activity.");
  for (std::size_t i = 0; i < ExecutorMetrics::kCalls.size(); ++i) {
    out.histogram(Labels{{"backend", backend}, {"call", std::string(ExecutorMetrics::kCalls[i])}},
                  m.call(static_cast<ExecutorMetrics::Call>(i)).snapshot(), kNanoseconds);
  }
  out.family("colonies_executor_platform_call_errors_total", MetricType::Counter,
             "Backend calls that failed (a submit the platform refused, a poll or cancel error).");
  for (std::size_t i = 0; i < ExecutorMetrics::kCalls.size(); ++i) {
    out.sample(Labels{{"backend", backend}, {"call", std::string(ExecutorMetrics::kCalls[i])}},
               m.call_errors(static_cast<ExecutorMetrics::Call>(i)).value());
  }
  return out.take();
}

}  // namespace colonies::executors
