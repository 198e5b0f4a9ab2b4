// libFuzzer target for cron expressions: CronSchedule::parse, then a few next_after() steps from
// instants chosen to hit DST transitions and the ends of the TimeNs range, and CronPlan::make.
// The input is the expression text; its length picks the default zone. Beyond "no crash, no UB,
// no hang" it checks the engine's promises and aborts when one is broken.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string_view>

#include "core/model/cron_rule.hpp"
#include "core/model/cron_schedule.hpp"

namespace {

using colonies::model::CronPlan;
using colonies::model::CronSchedule;
using colonies::model::CronZone;
using colonies::model::TimeNs;

constexpr TimeNs kSecond = 1'000'000'000;

void require(bool ok, const char* what, std::string_view input) {
  if (ok) return;
  std::fprintf(stderr, "cron fuzzer: %s for input '%.*s'\n", what, static_cast<int>(input.size()), input.data());
  std::abort();
}

const CronZone& zone_for(std::size_t size) {
  static const CronZone zones[] = {
      CronZone::utc(),
      CronZone::named("Europe/Stockholm").value_or(CronZone::utc()),
      CronZone::named("America/New_York").value_or(CronZone::utc()),
      CronZone::named("Australia/Lord_Howe").value_or(CronZone::utc()),  // 30-minute DST shift
  };
  return zones[size % 4];
}

constexpr TimeNs kStarts[] = {
    0,
    1'789'948'800 * kSecond,                       // 2026-09-21
    1'774'746'000 * kSecond - 1,                   // just before Stockholm's 2026 spring-forward
    1'792'891'800 * kSecond + kSecond / 2,         // 02:30 CET, in Stockholm's 2026 fall-back overlap
    -2'000'000'000 * kSecond,                      // 1906
    std::numeric_limits<TimeNs>::max() - 400 * kSecond,
    std::numeric_limits<TimeNs>::min(),
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Real expressions are short; long inputs only make every step slower without new paths.
  if (size > 1024) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const CronZone& zone = zone_for(size);

  const auto plan = CronPlan::make({text, -1, false}, zone);
  const auto schedule = CronSchedule::parse(text, zone);
  require(plan.has_value() == schedule.has_value(), "CronPlan and CronSchedule disagree on validity", text);
  if (!schedule) {
    require(!schedule.error().message.empty(), "empty error message", text);
    return 0;
  }
  for (const TimeNs start : kStarts) {
    TimeNs t = start;
    for (int step = 0; step < 4; ++step) {
      const auto next = schedule->next_after(t);
      if (!next) break;
      require(*next > t, "next run is not after the instant", text);
      require(*next % kSecond == 0, "next run is not on a whole second", text);
      if (!schedule->every()) {
        // Nothing can fire between a second's start and the run found from just before it.
        require(schedule->next_after(*next - 1) == next, "asking just before a run does not find it", text);
      }
      t = *next;
    }
  }
  return 0;
}
