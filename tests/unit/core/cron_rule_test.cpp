// CronPlan: the combination rules of a cron's `cronexpression`, `interval` and `random`, and the
// next run each gives — with a scripted random source, and the real one for spread.
#include "core/model/cron_rule.hpp"

#include <set>

#include <gtest/gtest.h>

#include "tests/support/fake_random.hpp"
#include "tests/unit/core/cron_test_support.hpp"

namespace colonies::model {
namespace {

using cron_test::at;
using cron_test::show;

constexpr TimeNs kSecond = 1'000'000'000;

std::string error_of(const CronTiming& timing) {
  auto plan = CronPlan::make(timing);
  if (plan) return "(accepted)";
  EXPECT_EQ(plan.error().code, ErrorCode::BadRequest);
  return plan.error().message;
}

TEST(CronPlanTest, RejectsInvalidCombinations) {
  EXPECT_EQ(error_of({"", 0, false}), "interval must be -1 (use cronexpression) or 1-3162240000 seconds, got 0");
  EXPECT_EQ(error_of({"", -2, false}), "interval must be -1 (use cronexpression) or 1-3162240000 seconds, got -2");
  EXPECT_EQ(error_of({"", CronPlan::kMaxInterval + 1, false}),
            "interval must be -1 (use cronexpression) or 1-3162240000 seconds, got 3162240001");
  EXPECT_EQ(error_of({"0 * * * * *", -1, true}), "random is only supported together with an interval (interval > 0)");
  EXPECT_EQ(error_of({"", -1, false}), "cronexpression is required when interval is -1");
  EXPECT_EQ(error_of({"  ", -1, false}), "cronexpression is required when interval is -1");
  EXPECT_EQ(error_of({"0 0 25 * * *", -1, false}), "cron expression '0 0 25 * * *': field 'hour': 25 is out of range 0-23");
  EXPECT_EQ(error_of({"0 * * * * *", 60, false}), "give either cronexpression or interval, not both (interval is 60)");
  EXPECT_FALSE(validate_cron_timing({"", 0, false}));
  EXPECT_TRUE(validate_cron_timing({"", 60, true}));
  EXPECT_TRUE(validate_cron_timing({"@hourly", -1, false}));
}

TEST(CronPlanTest, IntervalRunsAfterExactlyTheInterval) {
  auto plan = CronPlan::make({"", 60, false});
  ASSERT_TRUE(plan) << plan.error().message;
  testing::ScriptedRandom random({7});
  const TimeNs now = at("2026-01-01T00:00:00.25Z");
  EXPECT_EQ(plan->next_run(now, random), now + 60 * kSecond);
  EXPECT_TRUE(random.requests().empty()) << "a plain interval must not draw random numbers";
}

TEST(CronPlanTest, RandomIntervalDrawsBetweenOneSecondAndTheInterval) {
  auto plan = CronPlan::make({"", 60, true});
  ASSERT_TRUE(plan) << plan.error().message;
  testing::ScriptedRandom random({17, 60, 1});
  const TimeNs now = at("2026-01-01T00:00:00Z");
  EXPECT_EQ(plan->next_run(now, random), now + 17 * kSecond);
  EXPECT_EQ(plan->next_run(now, random), now + 60 * kSecond);
  EXPECT_EQ(plan->next_run(now, random), now + 1 * kSecond);
  const std::vector<std::pair<std::int64_t, std::int64_t>> want(3, {1, 60});
  EXPECT_EQ(random.requests(), want);
}

TEST(CronPlanTest, RandomIntervalIsClampedWhenTheSourceMisbehaves) {
  auto plan = CronPlan::make({"", 60, true});
  ASSERT_TRUE(plan);
  testing::ScriptedRandom random({1'000'000, -5});
  const TimeNs now = at("2026-01-01T00:00:00Z");
  EXPECT_EQ(plan->next_run(now, random), now + 60 * kSecond);
  EXPECT_EQ(plan->next_run(now, random), now + 1 * kSecond);
}

TEST(CronPlanTest, RandomIntervalReallyVariesWithTheSystemSource) {
  auto plan = CronPlan::make({"", 10, true});
  ASSERT_TRUE(plan);
  ports::SystemRandom random;
  const TimeNs now = at("2026-01-01T00:00:00Z");
  std::set<TimeNs> seen;
  for (int i = 0; i < 1000; ++i) {
    const auto next = plan->next_run(now, random);
    ASSERT_TRUE(next);
    ASSERT_GE(*next, now + kSecond);
    ASSERT_LE(*next, now + 10 * kSecond);
    seen.insert(*next);
  }
  // 1000 draws over 10 values: all ten appear unless the source is broken (p < 1e-40).
  EXPECT_EQ(seen.size(), 10U);
}

TEST(CronPlanTest, ExpressionUsesTheScheduleInTheDefaultZone) {
  auto plan = CronPlan::make({"0 0 9 * * *", -1, false}, *CronZone::named("Europe/Stockholm"));
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_TRUE(plan->schedule());
  testing::ScriptedRandom random;
  EXPECT_EQ(show(plan->next_run(at("2026-07-01T00:00:00Z"), random)), show(at("2026-07-01T09:00:00+02:00")));
  EXPECT_TRUE(random.requests().empty());
}

TEST(CronPlanTest, IntervalNearTheEndOfTimeHasNoRun) {
  auto plan = CronPlan::make({"", CronPlan::kMaxInterval, false});
  ASSERT_TRUE(plan);
  testing::ScriptedRandom random;
  EXPECT_EQ(plan->next_run(std::numeric_limits<TimeNs>::max() - kSecond, random), std::nullopt);
}

}  // namespace
}  // namespace colonies::model
