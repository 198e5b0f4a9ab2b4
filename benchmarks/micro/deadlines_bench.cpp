// The scheduler's deadline timers (one ordered std::set<Deadline> for maxwaittime, maxexectime,
// long-poll ends and fallbacks) with 10^3..10^6 pending, through the Scheduler's public API:
// arm a deadline, cancel one, and pop what is due. Running processes with a maxexectime are
// the workload; queues and matching are not involved. Measures and prints; never asserts.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "server/scheduler/scheduler.hpp"

namespace {

using namespace colonies;
using server::scheduler::ActiveProcess;
using server::scheduler::DeadlineKind;
using server::scheduler::Scheduler;

constexpr model::TimeNs kSecond = 1'000'000'000LL;
constexpr model::TimeNs kStart = 1'789'948'800LL * kSecond;
constexpr model::TimeNs kSpan = 3600 * kSecond;  // maxexectimes spread over an hour

// Process IDs are 64 hex characters, as the server makes them (so each Deadline copies a heap
// string, as in the server).
std::string process_id(std::int64_t i) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(i));
  return std::string(48, '0') + buf;
}

// `count` RUNNING processes (not queued), none with a deadline yet.
std::vector<ActiveProcess*> add_running(Scheduler& scheduler, std::int64_t first, std::int64_t count) {
  std::vector<ActiveProcess*> out;
  out.reserve(static_cast<std::size_t>(count));
  for (std::int64_t i = first; i < first + count; ++i) {
    model::Process p;
    p.processid = process_id(i);
    p.state = model::ProcessState::Running;
    p.spec.conditions.colonyname = "c";
    p.spec.conditions.executortype = "t";
    out.push_back(scheduler.add(std::move(p), {}));
  }
  return out;
}

// n processes with an exec deadline uniformly in [kStart, kStart + kSpan), and n/10 (at least
// 1,000) more without one. Built once per n and shared by the benchmarks of that size (Google
// Benchmark calls each function several times; building 10^6 processes takes seconds): each
// benchmark leaves the extra processes disarmed.
struct Armed {
  Scheduler scheduler;
  std::vector<ActiveProcess*> processes;
  std::vector<ActiveProcess*> extra;
  std::mt19937_64 rng{42};
  model::TimeNs now = kStart;  // BM_DeadlinePopDue's clock
  model::TimeNs random_at(model::TimeNs from) {
    return from + static_cast<model::TimeNs>(rng() % static_cast<std::uint64_t>(kSpan));
  }
  explicit Armed(std::int64_t n) {
    processes = add_running(scheduler, 0, n);
    for (auto* p : processes) scheduler.set_deadline(p, DeadlineKind::Exec, random_at(kStart));
    extra = add_running(scheduler, n, std::max<std::int64_t>(n / 10, 1000));
  }
};

Armed& armed_with(std::int64_t n) {
  static std::unique_ptr<Armed> armed;
  static std::int64_t armed_n = -1;
  if (armed_n != n) {
    armed.reset();  // free the previous size before building the next
    armed = std::make_unique<Armed>(n);
    armed_n = n;
  }
  return *armed;
}

// Arming one deadline (a process starts running with a maxexectime) with range(0) pending. The
// extra processes are armed one per iteration and disarmed outside the timing, so the set holds
// n .. n + n/10 deadlines.
void BM_DeadlineInsert(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  Armed& armed = armed_with(n);
  const auto& extra = armed.extra;
  std::size_t next = 0;
  for (auto _ : state) {
    if (next == extra.size()) {
      state.PauseTiming();
      for (auto* p : extra) armed.scheduler.clear_deadline(p, DeadlineKind::Exec);
      next = 0;
      state.ResumeTiming();
    }
    armed.scheduler.set_deadline(extra[next++], DeadlineKind::Exec, armed.random_at(kStart));
  }
  for (auto* p : extra) armed.scheduler.clear_deadline(p, DeadlineKind::Exec);
  state.SetItemsProcessed(state.iterations());
  state.counters["pending"] = static_cast<double>(n);
}

// Cancelling one (the process closed before its maxexectime), the mirror image: the extra
// processes are armed outside the timing and disarmed one per iteration.
void BM_DeadlineCancel(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  Armed& armed = armed_with(n);
  const auto& extra = armed.extra;
  std::size_t next = extra.size();
  for (auto _ : state) {
    if (next == extra.size()) {
      state.PauseTiming();
      for (auto* p : extra) armed.scheduler.set_deadline(p, DeadlineKind::Exec, armed.random_at(kStart));
      next = 0;
      state.ResumeTiming();
    }
    armed.scheduler.clear_deadline(extra[next++], DeadlineKind::Exec);
  }
  for (auto* p : extra) armed.scheduler.clear_deadline(p, DeadlineKind::Exec);
  state.SetItemsProcessed(state.iterations());
  state.counters["pending"] = static_cast<double>(n);
}

// Steady state of a timer loop: the clock advances by kSpan / n per iteration (one or two
// deadlines due), pop_expired() removes what is due and each popped process is re-armed at a
// random time ahead (as if a new process started), so n stay pending. items = deadlines popped;
// the time includes the re-arming (subtract BM_DeadlineInsert for the pop alone).
void BM_DeadlinePopDue(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  Armed& armed = armed_with(n);
  const model::TimeNs step = kSpan / n;
  model::TimeNs& now = armed.now;  // kept across calls: what was popped was re-armed ahead
  std::int64_t popped = 0;
  for (auto _ : state) {
    now += step;
    auto expired = armed.scheduler.pop_expired(now);
    for (const auto& d : expired.process_deadlines) {
      armed.scheduler.set_deadline(armed.scheduler.find(d.id), DeadlineKind::Exec, armed.random_at(now));
    }
    popped += static_cast<std::int64_t>(expired.process_deadlines.size());
  }
  state.SetItemsProcessed(popped);
  state.counters["pending"] = static_cast<double>(n);
  state.counters["popped_per_call"] = static_cast<double>(popped) / static_cast<double>(state.iterations());
}

// A pop_expired() with nothing due: what every timer tick pays.
void BM_DeadlinePopNothingDue(benchmark::State& state) {
  Armed& armed = armed_with(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(armed.scheduler.pop_expired(kStart - 1));
  state.SetItemsProcessed(state.iterations());
}

// Registered size by size, so that each size's processes are built once.
[[maybe_unused]] const bool kRegistered = [] {
  for (std::int64_t n : {1'000, 10'000, 100'000, 1'000'000}) {
    benchmark::RegisterBenchmark("BM_DeadlineInsert", BM_DeadlineInsert)->Arg(n);
    benchmark::RegisterBenchmark("BM_DeadlineCancel", BM_DeadlineCancel)->Arg(n);
    benchmark::RegisterBenchmark("BM_DeadlinePopDue", BM_DeadlinePopDue)->Arg(n);
  }
  benchmark::RegisterBenchmark("BM_DeadlinePopNothingDue", BM_DeadlinePopNothingDue)->Arg(1'000'000);
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
