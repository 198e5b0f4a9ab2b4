// Google Benchmark of the scheduler's hot path: pick the best process for an executor and put
// one back, with 10^3 .. 10^6 processes queued. The cost should stay flat (O(log n)).
#include <benchmark/benchmark.h>

#include <string>

#include "server/scheduler/scheduler.hpp"

namespace {

using namespace colonies;

model::Process make_process(std::int64_t i) {
  model::Process p;
  p.processid = std::to_string(i);
  p.spec.funcname = "f";
  p.spec.conditions.colonyname = "c";
  p.spec.conditions.executortype = "t";
  p.spec.priority = static_cast<int>(i % 3);
  p.prioritytime = model::priority_time(p.spec.priority, i);
  return p;
}

void BM_AssignWithQueued(benchmark::State& state) {
  server::scheduler::Scheduler scheduler;
  const std::int64_t n = state.range(0);
  model::Requirements req;
  for (std::int64_t i = 0; i < n; ++i) scheduler.add(make_process(i), req);
  server::scheduler::ExecutorQuery query;
  query.colony = "c";
  query.type = "t";
  query.name = "e";
  for (auto _ : state) {
    auto* p = scheduler.best_for(query);
    scheduler.dequeue(p);
    scheduler.enqueue(p);  // back at its place: the queue size stays n
    benchmark::DoNotOptimize(p);
  }
  state.counters["queued"] = static_cast<double>(scheduler.queued_count());
}
BENCHMARK(BM_AssignWithQueued)->Arg(1'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kNanosecond);

}  // namespace

BENCHMARK_MAIN();
