// coloniesd's GET /metrics body (see metrics_page.hpp; the list is docs/metrics.md).
#include "server/main/metrics_page.hpp"

#include "adapters/observability/prometheus_text.hpp"

namespace colonies::server {

namespace {

using observability::Labels;
using observability::MetricType;
using observability::PrometheusText;

constexpr int kNanoseconds = 9;  // histogram unit exponent: ns -> seconds
constexpr int kCount = 0;

void write_requests(PrometheusText& out, const api::RequestMetrics& m) {
  const auto types = m.types();
  const auto codes = api::RequestMetrics::codes();
  out.family("colonies_requests_total", MetricType::Counter,
             "API requests answered by the broker, by message type and HTTP status (POST /api and gRPC). "
             "msgtype=\"unauthenticated\" counts requests refused before their signature was verified.");
  for (const auto* t : types) {
    for (std::size_t i = 0; i <= codes.size(); ++i) {
      const std::uint64_t n = t->replies(i);
      if (n == 0) continue;
      out.sample(Labels{{"msgtype", t->name()}, {"code", i < codes.size() ? std::to_string(codes[i]) : "other"}}, n);
    }
  }
  out.family("colonies_request_duration_seconds", MetricType::Histogram,
             "Time from a request's arrival at the broker to its reply, after the commit that made its changes "
             "durable; for assign long-polls it includes the time parked.");
  for (const auto* t : types) {
    if (t->total() == 0) continue;
    out.histogram(Labels{{"msgtype", t->name()}}, t->latency(), kNanoseconds);
  }
  out.family("colonies_assign_wakeup_seconds", MetricType::Histogram,
             "Time from a process being handed to a parked assign long-poll to that assignment's reply (durable).");
  out.histogram({}, m.assign_wakeup().snapshot(), kNanoseconds);
  out.family("colonies_queue_wait_seconds", MetricType::Histogram,
             "How long a process was assignable (since submission, release or re-queue) when it was assigned.");
  out.histogram({}, m.queue_wait().snapshot(), kNanoseconds);
}

void write_gauges(PrometheusText& out, api::Broker::Gauges& g) {
  out.family("colonies_queued_processes", MetricType::Gauge,
             "Assignable (queued) processes per colony and executor type; a process eligible under fallback types "
             "counts under each, one targeting executor names by any type has executortype=\"\".");
  for (const auto& q : g.queued) out.sample(Labels{{"colony", q.colony}, {"executortype", q.type}}, q.count);
  out.family("colonies_parked_assigns", MetricType::Gauge,
             "Assign long-polls parked waiting for work, per colony and executor type.");
  for (const auto& q : g.parked) out.sample(Labels{{"colony", q.colony}, {"executortype", q.type}}, q.count);
  out.family("colonies_executors", MetricType::Gauge, "Registered executors per colony, executor type and state.");
  for (const auto& e : g.executors) {
    for (auto [state, n] : {std::pair{"pending", e.pending}, {"approved", e.approved}, {"rejected", e.rejected}}) {
      out.sample(Labels{{"colony", e.colony}, {"executortype", e.type}, {"state", state}}, n);
    }
  }
  out.family("colonies_executors_alive", MetricType::Gauge,
             "Approved executors parked in a long-poll or heard from within the last 60 s, per colony and executor "
             "type.");
  for (const auto& e : g.executors) out.sample(Labels{{"colony", e.colony}, {"executortype", e.type}}, e.alive);
  out.family("colonies_active_processes", MetricType::Gauge, "Processes WAITING or RUNNING (held in memory).");
  out.sample({}, g.active_processes);
  out.family("colonies_active_workflows", MetricType::Gauge, "Workflow graphs not finished yet.");
  out.sample({}, g.active_graphs);
  out.family("colonies_colonies", MetricType::Gauge, "Colonies on this server.");
  out.sample({}, g.colonies);
  out.family("colonies_rate_limited_requests_total", MetricType::Counter,
             "Requests refused (429) by the per-identity rate limit.");
  out.sample({}, g.rate_limited);
}

void write_commits(PrometheusText& out, const commit::CommitQueue& commits) {
  const auto& m = commits.metrics();
  const auto stats = commits.stats();
  out.family("colonies_commit_batch_requests", MetricType::Histogram,
             "Requests whose changes (or replies) shared one group commit.");
  out.histogram({}, m.batch_requests.snapshot(), kCount);
  out.family("colonies_commit_batch_mutations", MetricType::Histogram, "Changes written in one group-commit transaction.");
  out.histogram({}, m.batch_mutations.snapshot(), kCount);
  out.family("colonies_commit_duration_seconds", MetricType::Histogram,
             "Time of one group-commit transaction in the store: its writes and the commit (fsync) that makes it "
             "durable.");
  out.histogram({}, m.apply_ns.snapshot(), kNanoseconds);
  out.family("colonies_commit_transactions_total", MetricType::Counter, "Group commits run (including empty ones).");
  out.sample({}, stats.transactions);
  out.family("colonies_commit_mutations_total", MetricType::Counter, "Changes committed to the store.");
  out.sample({}, stats.mutations);
  out.family("colonies_commit_failures_total", MetricType::Counter,
             "Store commits that failed because the store was unavailable (each is retried).");
  out.sample({}, stats.failures);
  out.family("colonies_commit_queue_length", MetricType::Gauge, "Requests waiting for the commit thread.");
  out.sample({}, commits.queued());
  out.family("colonies_store_healthy", MetricType::Gauge, "1 while the store accepts commits, 0 during an outage.");
  out.sample({}, commits.healthy() ? 1 : 0);
}

}  // namespace

std::string render_metrics(const MetricsSources& s) {
  PrometheusText out;
  out.family("colonies_build_info", MetricType::Gauge, "Always 1; the version of this coloniesd as a label.");
  out.sample(Labels{{"version", s.version}}, 1);
  out.family("process_start_time_seconds", MetricType::Gauge, "Start time of coloniesd since the Unix epoch.");
  out.sample({}, static_cast<std::int64_t>(
                     std::chrono::duration_cast<std::chrono::seconds>(s.started.time_since_epoch()).count()));
  api::Broker* broker = s.node.broker();
  out.family("colonies_leader", MetricType::Gauge,
             "1 while this server leads (runs the scheduler and answers API calls), 0 while it follows and relays.");
  out.sample({}, broker != nullptr ? 1 : 0);
  out.family("colonies_relayed_requests_total", MetricType::Counter,
             "API calls this server relayed to the leader while following.");
  out.sample({}, s.node.relayed());
  out.family("colonies_http_connections", MetricType::Gauge, "Open HTTP and WebSocket connections.");
  out.sample({}, s.http_connections ? s.http_connections() : 0);
  if (s.grpc_calls) {
    out.family("colonies_grpc_active_calls", MetricType::Gauge, "gRPC calls and streams in progress.");
    out.sample({}, s.grpc_calls());
  }
  write_commits(out, s.commits);
  if (broker != nullptr) {
    out.family("colonies_subscriptions", MetricType::Gauge, "Realtime subscriptions (WebSocket and gRPC streams).");
    out.sample({}, broker->subscriptions());
    auto gauges = broker->gauges();
    write_gauges(out, gauges);
    write_requests(out, broker->request_metrics());
  }
  return out.take();
}

}  // namespace colonies::server
