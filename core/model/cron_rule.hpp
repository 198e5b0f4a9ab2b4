// A cron's timing rule as the protocol carries it — `cronexpression`, `interval`, `random` — checked
// once (CronPlan::make) and then asked for next runs. The rules, including how `random` works
// (the original accepted it and then ignored it), are in docs/cron.md. Not the cron runtime: the
// leader loop that starts workflows is built on top of this.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/error/error.hpp"
#include "core/model/cron_schedule.hpp"
#include "core/model/json.hpp"
#include "core/ports/random.hpp"

namespace colonies::model {

struct CronTiming {
  std::string_view cronexpression;
  std::int64_t interval = -1;  // seconds between runs; -1 means "use cronexpression"
  bool random = false;         // with an interval: each wait is random in [1, interval] seconds
};

class CronPlan {
 public:
  // The longest accepted interval, 100 years: long enough for any real use, short enough that
  // now + interval never overflows TimeNs before 2162.
  static constexpr std::int64_t kMaxInterval = 100LL * 366 * 86'400;

  // Validates the combination: interval -1 needs a parseable cronexpression and no random;
  // interval 1..kMaxInterval needs an empty cronexpression; any other interval is rejected.
  // BadRequest naming the field.
  static Result<CronPlan> make(const CronTiming& timing, const CronZone& default_zone = CronZone::utc());

  // The next run strictly after `now`: now + interval, now + a uniform random 1..interval seconds
  // (drawn from `random`), or the expression's next match. nullopt when the expression has no
  // further run (see CronSchedule::next_after) or the result would overflow TimeNs.
  std::optional<TimeNs> next_run(TimeNs now, ports::Random& random) const;

  // The parsed expression, when the plan uses one.
  const std::optional<CronSchedule>& schedule() const { return schedule_; }
  std::int64_t interval() const { return interval_; }
  bool random() const { return random_; }

 private:
  std::optional<CronSchedule> schedule_;
  std::int64_t interval_ = -1;
  bool random_ = false;
};

// CronPlan::make without keeping the plan: what addcronmsg checks before storing a cron.
Status validate_cron_timing(const CronTiming& timing, const CronZone& default_zone = CronZone::utc());

}  // namespace colonies::model
