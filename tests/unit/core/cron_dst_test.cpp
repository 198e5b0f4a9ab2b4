// CronSchedule across daylight-saving transitions, in Europe/Stockholm (02:00 -> 03:00 on
// 2026-03-29, 03:00 -> 02:00 on 2026-10-25) and America/New_York (02:00 -> 03:00 on 2026-03-08,
// 02:00 -> 01:00 on 2026-11-01). The rules (docs/cron.md): a local time inside a spring-forward
// gap does not exist and is skipped; a local time repeated by a fall-back runs once, at its first
// occurrence, unless the schedule runs in every hour of the day (then it keeps its cadence).
#include <gtest/gtest.h>

#include "tests/unit/core/cron_test_support.hpp"

namespace colonies::model {
namespace {

using cron_test::Case;
using cron_test::check_case;

class CronDstTest : public ::testing::TestWithParam<Case> {};

TEST_P(CronDstTest, VisitsExpectedRuns) { check_case(GetParam()); }

INSTANTIATE_TEST_SUITE_P(StockholmSpringForward, CronDstTest, ::testing::Values(
    // 02:30 does not exist on the 29th: that day has no run.
    Case{"0 30 2 * * *", "2026-03-27T12:00:00+01:00",
         {"2026-03-28T02:30:00+01:00", "2026-03-30T02:30:00+02:00"}, "Europe/Stockholm"},
    // The whole 2 o'clock hour is missing.
    Case{"0 * 2 * * *", "2026-03-28T23:00:00+01:00", {"2026-03-30T02:00:00+02:00"}, "Europe/Stockholm"},
    // Hourly runs continue at the next existing hour: no gap in elapsed time.
    Case{"0 0 * * * *", "2026-03-29T00:30:00+01:00",
         {"2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T04:00:00+02:00"}, "Europe/Stockholm"},
    // Times around the gap are untouched.
    Case{"0 59 1,3 * * *", "2026-03-29T00:00:00+01:00",
         {"2026-03-29T01:59:00+01:00", "2026-03-29T03:59:00+02:00"}, "Europe/Stockholm"},
    Case{"@daily", "2026-03-28T12:00:00+01:00",
         {"2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00"}, "Europe/Stockholm"}));

INSTANTIATE_TEST_SUITE_P(StockholmFallBack, CronDstTest, ::testing::Values(
    // 02:30 happens twice on the 25th; it runs once, at the first (summer time) occurrence.
    Case{"0 30 2 * * *", "2026-10-24T12:00:00+02:00",
         {"2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"}, "Europe/Stockholm"},
    // Asked during the second pass, the repeated time is not run again.
    Case{"0 30 2 * * *", "2026-10-25T02:10:00+01:00", {"2026-10-26T02:30:00+01:00"}, "Europe/Stockholm"},
    // A schedule confined to the repeated hour runs through it once.
    Case{"0 */20 2 * * *", "2026-10-25T01:00:00+02:00",
         {"2026-10-25T02:00:00+02:00", "2026-10-25T02:20:00+02:00", "2026-10-25T02:40:00+02:00",
          "2026-10-26T02:00:00+01:00"}, "Europe/Stockholm"},
    // An hourly schedule keeps running every hour of elapsed time through both passes.
    Case{"0 0 * * * *", "2026-10-25T01:30:00+02:00",
         {"2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00", "2026-10-25T03:00:00+01:00"}, "Europe/Stockholm"},
    Case{"0 */30 * * * *", "2026-10-25T02:15:00+02:00",
         {"2026-10-25T02:30:00+02:00", "2026-10-25T02:00:00+01:00", "2026-10-25T02:30:00+01:00",
          "2026-10-25T03:00:00+01:00"}, "Europe/Stockholm"}));

INSTANTIATE_TEST_SUITE_P(NewYork, CronDstTest, ::testing::Values(
    Case{"0 30 2 * * *", "2026-03-07T12:00:00-05:00", {"2026-03-09T02:30:00-04:00"}, "America/New_York"},
    Case{"0 0 * * * *", "2026-03-08T00:30:00-05:00",
         {"2026-03-08T01:00:00-05:00", "2026-03-08T03:00:00-04:00"}, "America/New_York"},
    Case{"0 30 1 * * *", "2026-10-31T12:00:00-04:00",
         {"2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"}, "America/New_York"},
    Case{"0 30 * * * *", "2026-11-01T00:45:00-04:00",
         {"2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00", "2026-11-01T02:30:00-05:00"}, "America/New_York"},
    // The prefix works the same as a default zone.
    Case{"CRON_TZ=America/New_York @daily", "2026-03-07T12:00:00-05:00",
         {"2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00"}},
    Case{"TZ=America/New_York 0 30 1 * * *", "2026-10-31T12:00:00-04:00",
         {"2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"}}));

// Zone files list transitions only up to 2037; later ones follow the zone's rules (extrapolated
// with the 28-year calendar cycle, see cron_schedule.cpp). Dates checked against zdump.
INSTANTIATE_TEST_SUITE_P(After2037, CronDstTest, ::testing::Values(
    Case{"0 0 9 * * *", "2045-07-01T00:00:00Z", {"2045-07-01T09:00:00+02:00"}, "Europe/Stockholm"},
    Case{"0 0 9 * * *", "2045-12-01T00:00:00Z", {"2045-12-01T09:00:00+01:00"}, "Europe/Stockholm"},
    Case{"0 30 2 * * *", "2045-03-25T12:00:00+01:00", {"2045-03-27T02:30:00+02:00"}, "Europe/Stockholm"},
    Case{"0 30 2 * * *", "2045-10-28T12:00:00+02:00",
         {"2045-10-29T02:30:00+02:00", "2045-10-30T02:30:00+01:00"}, "Europe/Stockholm"},
    Case{"0 0 * * * *", "2045-03-12T00:30:00-05:00",
         {"2045-03-12T01:00:00-05:00", "2045-03-12T03:00:00-04:00"}, "America/New_York"},
    Case{"0 30 1 * * *", "2045-11-04T12:00:00-04:00",
         {"2045-11-05T01:30:00-04:00", "2045-11-06T01:30:00-05:00"}, "America/New_York"},
    Case{"0 30 2 * * *", "2099-03-28T12:00:00+01:00", {"2099-03-30T02:30:00+02:00"}, "Europe/Stockholm"},
    // A zone without DST since 2016 stays on its fixed offset.
    Case{"0 0 9 * * *", "2045-07-01T00:00:00Z", {"2045-07-01T09:00:00+03:00"}, "Europe/Istanbul"}));

}  // namespace
}  // namespace colonies::model
