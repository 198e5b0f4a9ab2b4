// Cron engine micro-benchmark: parsing expressions and computing next runs (UTC, a DST zone, a
// leap-day schedule that searches years ahead). Measures and prints; never asserts.
#include <benchmark/benchmark.h>

#include "core/model/cron_schedule.hpp"

namespace {

using colonies::model::CronSchedule;
using colonies::model::CronZone;
using colonies::model::TimeNs;

constexpr TimeNs kStart = 1'789'948'800LL * 1'000'000'000LL;  // 2026-09-21T00:00:00Z

void BM_Parse(benchmark::State& state) {
  const char* expressions[] = {"0 0 9 * * MON-FRI", "*/15 5-10/2 1,13,22 * JAN,JUL *", "@every 1h30m",
                               "CRON_TZ=Europe/Stockholm 0 30 2 * * *"};
  for (auto _ : state) {
    for (const char* e : expressions) benchmark::DoNotOptimize(CronSchedule::parse(e));
  }
  state.SetItemsProcessed(state.iterations() * 4);
}
BENCHMARK(BM_Parse);

void next_runs(benchmark::State& state, const char* expression, const char* zone) {
  const auto schedule = CronSchedule::parse(expression, *CronZone::named(zone));
  TimeNs t = kStart;
  for (auto _ : state) {
    const auto next = schedule->next_after(t);
    benchmark::DoNotOptimize(next);
    t = next ? *next : kStart;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(next_runs, every_minute_utc, "0 * * * * *", "UTC");
BENCHMARK_CAPTURE(next_runs, weekdays_0900_stockholm, "0 0 9 * * MON-FRI", "Europe/Stockholm");
BENCHMARK_CAPTURE(next_runs, daily_0230_new_york, "0 30 2 * * *", "America/New_York");
BENCHMARK_CAPTURE(next_runs, leap_day_utc, "0 0 0 29 2 *", "UTC");

}  // namespace

BENCHMARK_MAIN();
