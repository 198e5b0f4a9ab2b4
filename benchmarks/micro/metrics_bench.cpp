// Google Benchmark of what the metrics cost on the request path (docs/metrics.md): a counter add,
// a histogram observation, the broker's per-request record (type lookup, status index, latency
// histogram), each from 1 to 8 threads hitting the same instrument; the std::function wrapper a
// request's reply gets; and rendering a scrape of every message type. Measures; never asserts.
#include <benchmark/benchmark.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "adapters/observability/prometheus_text.hpp"
#include "core/metrics/counter.hpp"
#include "core/metrics/histogram.hpp"
#include "server/api/request_metrics.hpp"

namespace {

using namespace colonies;

std::vector<std::string> message_types() {
  std::vector<std::string> types;
  for (int i = 0; i < 90; ++i) types.push_back("message" + std::to_string(i) + "msg");
  types.push_back("submitfuncspecmsg");
  return types;
}

metrics::Counter counter;
void BM_CounterAdd(benchmark::State& state) {
  for (auto _ : state) counter.add();
}
BENCHMARK(BM_CounterAdd)->ThreadRange(1, 8);

metrics::Histogram histogram(metrics::latency_bounds_ns());
void BM_HistogramObserve(benchmark::State& state) {
  std::int64_t v = 1'000;
  for (auto _ : state) {
    histogram.observe(v);
    v = (v * 7) % 2'000'000'000;  // spread over the buckets
  }
}
BENCHMARK(BM_HistogramObserve)->ThreadRange(1, 8);

server::api::RequestMetrics request_metrics(message_types());
void BM_RequestRecord(benchmark::State& state) {
  for (auto _ : state) {
    const auto arrived = std::chrono::steady_clock::now();
    auto* type = request_metrics.type("submitfuncspecmsg");
    type->record(200, std::chrono::steady_clock::now() - arrived);
  }
}
BENCHMARK(BM_RequestRecord)->ThreadRange(1, 8);

// The reply wrapper Broker::handle installs: one more std::function around the reply.
void BM_ReplyWrapper(benchmark::State& state) {
  int sink = 0;
  for (auto _ : state) {
    std::function<void(int)> reply = [&sink](int status) { sink += status; };
    reply = [type = request_metrics.type("submitfuncspecmsg"), arrived = std::chrono::steady_clock::now(),
             inner = std::move(reply)](int status) {
      type->record(status, std::chrono::steady_clock::now() - arrived);
      inner(status);
    };
    reply(200);
  }
  benchmark::DoNotOptimize(sink);
}
BENCHMARK(BM_ReplyWrapper);

// A scrape's request section with every message type called (the worst case: all histograms).
void BM_RenderRequests(benchmark::State& state) {
  for (const auto* t : request_metrics.types()) {
    const_cast<server::api::RequestMetrics::Type*>(t)->record(200, std::chrono::milliseconds(3));
  }
  std::size_t bytes = 0;
  for (auto _ : state) {
    observability::PrometheusText out;
    out.family("colonies_request_duration_seconds", observability::MetricType::Histogram, "Latency.");
    for (const auto* t : request_metrics.types()) {
      out.histogram(observability::Labels{{"msgtype", t->name()}}, t->latency(), 9);
    }
    bytes = out.text().size();
    benchmark::DoNotOptimize(out.take());
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_RenderRequests)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
