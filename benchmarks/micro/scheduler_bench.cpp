// Google Benchmark of the scheduler's hot path: pick the best process for an executor and put
// one back, with 10^3 .. 10^6 processes queued (the cost should stay flat, O(log n)), and with
// the queue split into 1..256 distinct requirement sets of which the executor fits only some
// (matching costs one check per set). Measures and prints; never asserts.
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

constexpr std::int64_t kGib = 1LL << 30;

// Requirement set g of `groups`: distinct memory per set, GPUs 0..3; the first `fitting` sets
// need 4 cores, the others 64 (more than the executor has).
model::Requirements requirements(std::int64_t g, std::int64_t fitting) {
  model::Requirements req;
  req.cpu_millis = g < fitting ? 4'000 : 64'000;
  req.mem_bytes = (g + 1) * kGib / 4;
  req.gpu_count = static_cast<int>(g % 4);
  if (req.gpu_count > 0) req.gpu_name = "a100";
  return req;
}

// 10,000 processes queued for one executor type, spread round-robin over range(0) distinct
// requirement sets; range(1) percent of the sets fit the executor (at least one when above 0).
// range(2) says what excludes the others: 0 = the executor's registered capabilities (32 cores;
// fits(profile) fails), 1 = what it says is free in this assign (32 cores free; fits(available)
// fails). best_for checks every set under the executor's keys, so the cost grows with the
// number of sets, not of processes. The picked process is put back (queue size stays 10,000).
void BM_AssignWithRequirementGroups(benchmark::State& state) {
  const std::int64_t groups = state.range(0);
  const std::int64_t fitting = state.range(1) == 0 ? 0 : std::max<std::int64_t>(groups * state.range(1) / 100, 1);
  const bool by_capabilities = state.range(2) == 0;
  constexpr std::int64_t kQueued = 10'000;
  server::scheduler::Scheduler scheduler;
  for (std::int64_t i = 0; i < kQueued; ++i) scheduler.add(make_process(i), requirements(i % groups, fitting));
  server::scheduler::ExecutorQuery query;
  query.colony = "c";
  query.type = "t";
  query.name = "e";
  if (by_capabilities) {
    server::scheduler::HardwareProfile hw;
    hw.cores = 32;
    hw.cpu_millis = 32'000;
    hw.mem_bytes = 512 * kGib;
    hw.gpu_count = 4;
    hw.gpu_name = "nvidia a100-sxm4-40gb";
    query.profile.hardware.push_back(hw);
  } else {
    query.available = {32'000, 512 * kGib, 4};
  }
  std::int64_t found = 0;
  for (auto _ : state) {
    auto* p = scheduler.best_for(query);
    if (p) {
      scheduler.dequeue(p);
      scheduler.enqueue(p);
      ++found;
    }
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["fitting_sets"] = static_cast<double>(fitting);
  state.counters["found"] = static_cast<double>(found) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_AssignWithRequirementGroups)
    ->ArgNames({"sets", "fit%", "by_free"})
    ->ArgsProduct({{1, 16, 256}, {100, 50, 0}, {0, 1}})
    ->Unit(benchmark::kNanosecond);

}  // namespace

BENCHMARK_MAIN();
