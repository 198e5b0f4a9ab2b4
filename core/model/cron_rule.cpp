// Validation of a cron's timing fields and the next-run rule. The original checked `interval > 0`
// before `random`, so random never took effect; here random is a property of the interval branch.
#include "core/model/cron_rule.hpp"

#include <algorithm>
#include <limits>

namespace colonies::model {

namespace {

constexpr std::int64_t kNsPerSecond = 1'000'000'000;

std::optional<TimeNs> add_seconds(TimeNs now, std::int64_t seconds) {
  if (now > std::numeric_limits<TimeNs>::max() - seconds * kNsPerSecond) return std::nullopt;
  return now + seconds * kNsPerSecond;
}

}  // namespace

Result<CronPlan> CronPlan::make(const CronTiming& timing, const CronZone& default_zone) {
  CronPlan plan;
  plan.interval_ = timing.interval;
  plan.random_ = timing.random;
  if (timing.interval == -1) {
    if (timing.random) {
      return fail(ErrorCode::BadRequest, "random is only supported together with an interval (interval > 0)");
    }
    if (timing.cronexpression.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      return fail(ErrorCode::BadRequest, "cronexpression is required when interval is -1");
    }
    COLONIES_TRY(schedule, CronSchedule::parse(timing.cronexpression, default_zone));
    plan.schedule_ = schedule;
    return plan;
  }
  if (timing.interval <= 0 || timing.interval > kMaxInterval) {
    return fail(ErrorCode::BadRequest, "interval must be -1 (use cronexpression) or 1-{} seconds, got {}",
                kMaxInterval, timing.interval);
  }
  if (timing.cronexpression.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    return fail(ErrorCode::BadRequest, "give either cronexpression or interval, not both (interval is {})",
                timing.interval);
  }
  return plan;
}

std::optional<TimeNs> CronPlan::next_run(TimeNs now, ports::Random& random) const {
  if (schedule_) return schedule_->next_after(now);
  // Clamped so that a misbehaving source cannot push the run outside the documented range.
  const std::int64_t wait = random_ ? std::clamp<std::int64_t>(random.uniform(1, interval_), 1, interval_) : interval_;
  return add_seconds(now, wait);
}

Status validate_cron_timing(const CronTiming& timing, const CronZone& default_zone) {
  COLONIES_CHECK(CronPlan::make(timing, default_zone));
  return ok();
}

}  // namespace colonies::model
