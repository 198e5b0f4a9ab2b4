// CronSchedule: table-driven next-run tests for fields, lists, ranges, steps, names, the day of
// month / day of week rule, descriptors, @every, month ends and leap years (UTC unless a case
// names a zone; DST lives in cron_dst_test.cpp).
#include "core/model/cron_schedule.hpp"

#include <limits>

#include <gtest/gtest.h>

#include "tests/unit/core/cron_test_support.hpp"

namespace colonies::model {
namespace {

using cron_test::at;
using cron_test::Case;
using cron_test::check_case;
using cron_test::show;

class CronScheduleTest : public ::testing::TestWithParam<Case> {};

TEST_P(CronScheduleTest, VisitsExpectedRuns) { check_case(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Fields, CronScheduleTest, ::testing::Values(
    Case{"* * * * * *", "2026-01-01T00:00:00Z", {"2026-01-01T00:00:01Z", "2026-01-01T00:00:02Z"}},
    // Strictly after a fractional instant: the next whole second.
    Case{"* * * * * *", "2026-01-01T00:00:00.5Z", {"2026-01-01T00:00:01Z"}},
    Case{"0 * * * * *", "2026-01-01T00:00:00Z", {"2026-01-01T00:01:00Z", "2026-01-01T00:02:00Z"}},
    Case{"0 0 12 * * *", "2026-01-01T12:00:00Z", {"2026-01-02T12:00:00Z", "2026-01-03T12:00:00Z"}},
    Case{"59 59 23 31 12 *", "2026-06-01T00:00:00Z", {"2026-12-31T23:59:59Z", "2027-12-31T23:59:59Z"}},
    Case{"0 0 0 * * *", "2026-12-31T23:59:59Z", {"2027-01-01T00:00:00Z"}},
    // Fields are separated by any run of spaces and tabs; surrounding whitespace is ignored.
    Case{"  0\t0  12 *\t* *\n", "2026-01-01T00:00:00Z", {"2026-01-01T12:00:00Z"}},
    // Instants before 1970 work like any other.
    Case{"0 0 0 1 1 *", "1969-06-01T00:00:00Z", {"1970-01-01T00:00:00Z", "1971-01-01T00:00:00Z"}}));

INSTANTIATE_TEST_SUITE_P(ListsRangesSteps, CronScheduleTest, ::testing::Values(
    Case{"*/15 * * * * *", "2026-01-01T00:00:00Z",
         {"2026-01-01T00:00:15Z", "2026-01-01T00:00:30Z", "2026-01-01T00:00:45Z", "2026-01-01T00:01:00Z"}},
    Case{"30 5-10/2 * * * *", "2026-01-01T00:00:00Z",
         {"2026-01-01T00:05:30Z", "2026-01-01T00:07:30Z", "2026-01-01T00:09:30Z", "2026-01-01T01:05:30Z"}},
    Case{"0 0 1,13,22 * * *", "2026-01-01T00:00:00Z",
         {"2026-01-01T01:00:00Z", "2026-01-01T13:00:00Z", "2026-01-01T22:00:00Z", "2026-01-02T01:00:00Z"}},
    // `v/n` runs from v to the end of the range, every n.
    Case{"0 5/20 * * * *", "2026-01-01T00:00:00Z",
         {"2026-01-01T00:05:00Z", "2026-01-01T00:25:00Z", "2026-01-01T00:45:00Z", "2026-01-01T01:05:00Z"}},
    Case{"0 0 8-10,20 * * *", "2026-01-01T09:30:00Z",
         {"2026-01-01T10:00:00Z", "2026-01-01T20:00:00Z", "2026-01-02T08:00:00Z"}},
    Case{"0 0 0 1 */4 *", "2026-01-01T00:00:00Z", {"2026-05-01T00:00:00Z", "2026-09-01T00:00:00Z", "2027-01-01T00:00:00Z"}},
    Case{"? ? ? ? ? ?", "2026-01-01T00:00:00Z", {"2026-01-01T00:00:01Z"}}));

INSTANTIATE_TEST_SUITE_P(Names, CronScheduleTest, ::testing::Values(
    Case{"0 0 0 1 JAN,jul *", "2026-02-01T00:00:00Z", {"2026-07-01T00:00:00Z", "2027-01-01T00:00:00Z"}},
    Case{"0 0 0 1 Mar-May *", "2026-01-01T00:00:00Z",
         {"2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z", "2027-03-01T00:00:00Z"}},
    // 2026-01-02 is a Friday.
    Case{"0 0 9 * * MON-FRI", "2026-01-02T09:00:00Z", {"2026-01-05T09:00:00Z", "2026-01-06T09:00:00Z"}},
    Case{"0 0 0 * * sun", "2026-01-01T00:00:00Z", {"2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z"}},
    // 7 is Sunday too, alone and at the end of a range.
    Case{"0 0 0 * * 7", "2026-01-01T00:00:00Z", {"2026-01-04T00:00:00Z"}},
    Case{"0 0 0 * * 5-7", "2026-01-01T00:00:00Z",
         {"2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z", "2026-01-04T00:00:00Z", "2026-01-09T00:00:00Z"}}));

INSTANTIATE_TEST_SUITE_P(DayOfMonthAndWeek, CronScheduleTest, ::testing::Values(
    // Both restricted: either matches (classic cron). Fridays and the 13th.
    Case{"0 0 0 13 * FRI", "2026-01-01T00:00:00Z",
         {"2026-01-02T00:00:00Z", "2026-01-09T00:00:00Z", "2026-01-13T00:00:00Z", "2026-01-16T00:00:00Z"}},
    // Day of week `*` or `?`: the day of month alone decides.
    Case{"0 0 0 13 * *", "2026-01-01T00:00:00Z", {"2026-01-13T00:00:00Z", "2026-02-13T00:00:00Z"}},
    Case{"0 0 0 13 * ?", "2026-01-01T00:00:00Z", {"2026-01-13T00:00:00Z", "2026-02-13T00:00:00Z"}},
    // Day of month `*` or `?`: the day of week alone decides.
    Case{"0 0 0 * * FRI", "2026-01-01T00:00:00Z", {"2026-01-02T00:00:00Z", "2026-01-09T00:00:00Z"}},
    Case{"0 0 0 ? * FRI", "2026-01-01T00:00:00Z", {"2026-01-02T00:00:00Z", "2026-01-09T00:00:00Z"}},
    // `*/10` restricts (robfig/cron's rule), so this is "day 1, 11, 21, 31 or a Monday".
    Case{"0 0 0 */10 * MON", "2026-01-01T00:00:00Z",
         {"2026-01-05T00:00:00Z", "2026-01-11T00:00:00Z", "2026-01-12T00:00:00Z", "2026-01-19T00:00:00Z",
          "2026-01-21T00:00:00Z", "2026-01-26T00:00:00Z", "2026-01-31T00:00:00Z", "2026-02-01T00:00:00Z",
          "2026-02-02T00:00:00Z"}}));

INSTANTIATE_TEST_SUITE_P(MonthEndsAndLeapYears, CronScheduleTest, ::testing::Values(
    Case{"0 0 0 31 * *", "2026-01-31T00:00:00Z",
         {"2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z", "2026-08-31T00:00:00Z",
          "2026-10-31T00:00:00Z", "2026-12-31T00:00:00Z", "2027-01-31T00:00:00Z"}},
    Case{"0 0 0 30 * *", "2026-01-30T00:00:00Z", {"2026-03-30T00:00:00Z", "2026-04-30T00:00:00Z"}},
    Case{"0 0 0 29 2 *", "2026-01-01T00:00:00Z", {"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"}},
    // 2100 is not a leap year: eight years between runs.
    Case{"0 0 0 29 2 *", "2096-03-01T00:00:00Z", {"2104-02-29T00:00:00Z"}}));

INSTANTIATE_TEST_SUITE_P(Descriptors, CronScheduleTest, ::testing::Values(
    Case{"@yearly", "2026-06-15T10:00:00Z", {"2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z"}},
    Case{"@annually", "2026-06-15T10:00:00Z", {"2027-01-01T00:00:00Z"}},
    Case{"@monthly", "2026-06-15T10:00:00Z", {"2026-07-01T00:00:00Z", "2026-08-01T00:00:00Z"}},
    Case{"@weekly", "2026-01-01T00:00:00Z", {"2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z"}},
    Case{"@daily", "2026-06-15T10:00:00Z", {"2026-06-16T00:00:00Z", "2026-06-17T00:00:00Z"}},
    Case{"@midnight", "2026-06-15T10:00:00Z", {"2026-06-16T00:00:00Z"}},
    Case{"@hourly", "2026-06-15T10:00:00Z", {"2026-06-15T11:00:00Z", "2026-06-15T12:00:00Z"}},
    Case{"  @HOURLY  ", "2026-06-15T10:30:00Z", {"2026-06-15T11:00:00Z"}},
    // @every counts from the instant (truncated to the second), not from the clock's round times.
    Case{"@every 1h30m", "2026-01-01T00:00:00.7Z", {"2026-01-01T01:30:00Z", "2026-01-01T03:00:00Z"}},
    Case{"@every 10s", "2026-01-01T00:00:03Z", {"2026-01-01T00:00:13Z", "2026-01-01T00:00:23Z"}},
    Case{"@every   1.5h", "2026-01-01T00:00:00Z", {"2026-01-01T01:30:00Z"}},
    Case{"@every 1000ms", "2026-01-01T00:00:00Z", {"2026-01-01T00:00:01Z"}},
    Case{"CRON_TZ=Europe/Stockholm @every 1m", "2026-01-01T00:00:00Z", {"2026-01-01T00:01:00Z"}}));

INSTANTIATE_TEST_SUITE_P(Zones, CronScheduleTest, ::testing::Values(
    Case{"CRON_TZ=Europe/Stockholm 0 0 9 * * *", "2026-01-01T00:00:00Z", {"2026-01-01T09:00:00+01:00"}},
    Case{"CRON_TZ=Europe/Stockholm 0 0 9 * * *", "2026-07-01T00:00:00Z", {"2026-07-01T09:00:00+02:00"}},
    Case{"TZ=America/New_York 0 0 9 * * *", "2026-01-01T00:00:00Z",
         {"2026-01-01T09:00:00-05:00", "2026-01-02T09:00:00-05:00"}},
    Case{"TZ=UTC 0 0 9 * * *", "2026-01-01T00:00:00Z", {"2026-01-01T09:00:00Z"}, "Asia/Tokyo"},
    // Without a prefix the default zone applies; a prefix overrides it.
    Case{"0 0 9 * * *", "2026-01-01T00:00:00Z", {"2026-01-02T09:00:00+09:00", "2026-01-03T09:00:00+09:00"}, "Asia/Tokyo"},
    Case{"CRON_TZ=Europe/Stockholm 0 0 9 * * *", "2026-01-01T00:00:00Z", {"2026-01-01T09:00:00+01:00"}, "Asia/Tokyo"},
    // A zone whose offset is not a whole hour.
    Case{"CRON_TZ=Asia/Kolkata 0 0 0 * * *", "2026-01-01T00:00:00Z", {"2026-01-02T00:00:00+05:30", "2026-01-03T00:00:00+05:30"}}));

TEST(CronScheduleEdgeTest, ReturnsNoRunPastTheEndOfTheTimeRange) {
  auto yearly = CronSchedule::parse("@yearly");
  ASSERT_TRUE(yearly);
  EXPECT_EQ(show(yearly->next_after(at("2262-01-02T00:00:00Z"))), "(no run)");
  auto every = CronSchedule::parse("@every 1s");
  ASSERT_TRUE(every);
  EXPECT_EQ(every->next_after(std::numeric_limits<TimeNs>::max()), std::nullopt);
  EXPECT_EQ(every->next_after(std::numeric_limits<TimeNs>::min()).has_value(), true);
}

TEST(CronScheduleEdgeTest, ReportsZoneAndEvery) {
  auto schedule = CronSchedule::parse("TZ=Europe/Stockholm @every 2m");
  ASSERT_TRUE(schedule);
  EXPECT_EQ(schedule->zone().name(), "Europe/Stockholm");
  EXPECT_EQ(schedule->every(), std::chrono::seconds(120));
  auto plain = CronSchedule::parse("0 0 * * * *");
  ASSERT_TRUE(plain);
  EXPECT_TRUE(plain->zone().is_utc());
  EXPECT_EQ(plain->every(), std::nullopt);
}

TEST(CronScheduleEdgeTest, RunsStrictlyIncreaseOverManySteps) {
  for (const char* expression : {"*/7 */11 * * * *", "0 0 0 */10 * MON", "13 37 2 * * *", "0 30 1,2,3 * * SUN"}) {
    for (const char* zone : {"UTC", "Europe/Stockholm", "America/New_York", "Australia/Lord_Howe"}) {
      auto schedule = CronSchedule::parse(expression, *CronZone::named(zone));
      ASSERT_TRUE(schedule) << schedule.error().message;
      TimeNs t = at("2026-01-01T00:00:00Z");
      for (int i = 0; i < 400; ++i) {
        const auto next = schedule->next_after(t);
        ASSERT_TRUE(next.has_value()) << expression << " in " << zone << " after " << show(t);
        ASSERT_GT(*next, t);
        ASSERT_EQ(*next % 1'000'000'000, 0);
        t = *next;
      }
    }
  }
}

TEST(CronZoneTest, NamesZonesAndFallsBackToUtc) {
  auto stockholm = CronZone::named("Europe/Stockholm");
  ASSERT_TRUE(stockholm);
  EXPECT_EQ(stockholm->name(), "Europe/Stockholm");
  EXPECT_FALSE(stockholm->is_utc());
  EXPECT_TRUE(CronZone::named("UTC")->is_utc());
  EXPECT_TRUE(CronZone::named("Etc/UTC")->is_utc());
  EXPECT_EQ(CronZone::utc().name(), "UTC");
  // Whatever the machine says, local_or_utc() gives a usable zone.
  const CronZone local = CronZone::local_or_utc();
  EXPECT_FALSE(local.name().empty());
}

}  // namespace
}  // namespace colonies::model
