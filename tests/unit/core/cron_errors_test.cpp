// CronSchedule::parse errors: every message, verbatim, because error text is part of the contract
// (a user reads it to fix the expression). Each names the field or part that is wrong.
#include <gtest/gtest.h>

#include "core/model/cron_schedule.hpp"

namespace colonies::model {
namespace {

struct ErrorCase {
  std::string expression;
  std::string message;  // after the "cron expression '...': " prefix
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << "'" << c.expression << "'"; }

class CronErrorsTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(CronErrorsTest, RejectsWithMessageNamingThePart) {
  const ErrorCase& c = GetParam();
  auto schedule = CronSchedule::parse(c.expression);
  ASSERT_FALSE(schedule.has_value()) << "accepted '" << c.expression << "'";
  EXPECT_EQ(schedule.error().code, ErrorCode::BadRequest);
  std::string trimmed = c.expression;
  trimmed.erase(0, trimmed.find_first_not_of(" \t"));
  EXPECT_EQ(schedule.error().message, "cron expression '" + trimmed + "': " + c.message);
}

INSTANTIATE_TEST_SUITE_P(FieldCount, CronErrorsTest, ::testing::Values(
    ErrorCase{"* * * * *", "expected 6 fields (second minute hour day-of-month month day-of-week), got 5"},
    ErrorCase{"* * * * * * 2026", "expected 6 fields (second minute hour day-of-month month day-of-week), got 7"}));

INSTANTIATE_TEST_SUITE_P(Ranges, CronErrorsTest, ::testing::Values(
    ErrorCase{"60 * * * * *", "field 'second': 60 is out of range 0-59"},
    ErrorCase{"* 60 * * * *", "field 'minute': 60 is out of range 0-59"},
    ErrorCase{"0 0 25 * * *", "field 'hour': 25 is out of range 0-23"},
    ErrorCase{"0 0 0 0 * *", "field 'day of month': 0 is out of range 1-31"},
    ErrorCase{"0 0 0 32 * *", "field 'day of month': 32 is out of range 1-31"},
    ErrorCase{"0 0 0 * 13 *", "field 'month': 13 is out of range 1-12"},
    ErrorCase{"0 0 0 * 0 *", "field 'month': 0 is out of range 1-12"},
    ErrorCase{"0 0 0 * * 8", "field 'day of week': 8 is out of range 0-7"},
    ErrorCase{"0 0 99999999999999999999 * * *", "field 'hour': 99999999999999999999 is out of range 0-23"},
    ErrorCase{"0 0 1-24 * * *", "field 'hour': 24 is out of range 0-23"},
    ErrorCase{"0 0 10-5 * * *", "field 'hour': range 10-5 starts after it ends"},
    ErrorCase{"0 0 0 * DEC-JAN *", "field 'month': range DEC-JAN starts after it ends"}));

INSTANTIATE_TEST_SUITE_P(Values, CronErrorsTest, ::testing::Values(
    ErrorCase{"x * * * * *", "field 'second': 'x' is not a number"},
    ErrorCase{"1x * * * * *", "field 'second': '1x' is not a number"},
    ErrorCase{"-5 * * * * *", "field 'second': missing value"},
    ErrorCase{"5- * * * * *", "field 'second': missing value"},
    ErrorCase{"0 0 0 * FOO *", "field 'month': 'FOO' is not a number or a name (JAN-DEC)"},
    ErrorCase{"0 0 0 * * FUN", "field 'day of week': 'FUN' is not a number or a name (SUN-SAT)"},
    ErrorCase{"0 0 MON * * *", "field 'hour': 'MON' is not a number"},
    ErrorCase{"1,,2 * * * * *", "field 'second': empty item in a list"},
    ErrorCase{"1, * * * * *", "field 'second': empty item in a list"}));

INSTANTIATE_TEST_SUITE_P(Steps, CronErrorsTest, ::testing::Values(
    ErrorCase{"*/0 * * * * *", "field 'second': step 0 is out of range 1-60"},
    ErrorCase{"*/61 * * * * *", "field 'second': step 61 is out of range 1-60"},
    ErrorCase{"0 0 */25 * * *", "field 'hour': step 25 is out of range 1-24"},
    ErrorCase{"*/x * * * * *", "field 'second': step 'x' is not a number"},
    ErrorCase{"*/ * * * * *", "field 'second': step '' is not a number"},
    ErrorCase{"*/-1 * * * * *", "field 'second': step '-1' is not a number"},
    ErrorCase{"*/2/3 * * * * *", "field 'second': step '2/3' is not a number"}));

INSTANTIATE_TEST_SUITE_P(NeverFires, CronErrorsTest, ::testing::Values(
    ErrorCase{"0 0 0 30 2 *",
              "the schedule never fires: none of the selected months has any of the selected days of month"},
    ErrorCase{"0 0 0 31 4,6,9,11 *",
              "the schedule never fires: none of the selected months has any of the selected days of month"}));

INSTANTIATE_TEST_SUITE_P(Descriptors, CronErrorsTest, ::testing::Values(
    ErrorCase{"@fortnightly", "unknown descriptor '@fortnightly' (expected @yearly, @annually, @monthly, @weekly, "
                              "@daily, @midnight, @hourly or @every <duration>)"},
    ErrorCase{"@daily 5", "@daily takes no arguments"},
    ErrorCase{"@every", "@every needs a duration, e.g. '@every 1h30m'"},
    ErrorCase{"@every 500ms", "@every 500ms: the interval must be at least 1s"},
    ErrorCase{"@every 0", "@every 0: the interval must be at least 1s"},
    ErrorCase{"@every -1h", "@every -1h: the interval must be at least 1s"},
    ErrorCase{"@every 1500ms", "@every 1500ms: the interval must be a whole number of seconds"},
    ErrorCase{"@every 5x", "duration '5x': unknown unit 'x' (expected ns, us, ms, s, m or h)"},
    ErrorCase{"@every 5", "duration '5': missing unit (ns, us, ms, s, m or h)"},
    ErrorCase{"@every 1h 30m", "duration '1h 30m': unknown unit 'h ' (expected ns, us, ms, s, m or h)"}));

INSTANTIATE_TEST_SUITE_P(Zones, CronErrorsTest, ::testing::Values(
    ErrorCase{"CRON_TZ=Mars/Olympus 0 0 * * * *",
              "unknown time zone 'Mars/Olympus' (expected an IANA name such as Europe/Stockholm or UTC)"},
    ErrorCase{"TZ=../../etc/passwd 0 0 * * * *",
              "unknown time zone '../../etc/passwd' (expected an IANA name such as Europe/Stockholm or UTC)"},
    ErrorCase{"TZ=Europe/Stockholm", "TZ=Europe/Stockholm must be followed by a schedule"},
    ErrorCase{"CRON_TZ= 0 0 * * * *", "CRON_TZ= needs a time zone name"},
    ErrorCase{"CRON_TZ=Europe/Stockholm 0 0 25 * * *", "field 'hour': 25 is out of range 0-23"}));

TEST(CronErrorsEmptyTest, RejectsEmptyExpression) {
  for (const char* expression : {"", "   ", "\t\n"}) {
    auto schedule = CronSchedule::parse(expression);
    ASSERT_FALSE(schedule);
    EXPECT_EQ(schedule.error().message, "cron expression is empty");
  }
}

TEST(CronZoneErrorsTest, RejectsUnknownZones) {
  for (const char* name : {"", "Nowhere/Land", "Europe/Stockholm ", "utc/../UTC"}) {
    auto zone = CronZone::named(name);
    ASSERT_FALSE(zone) << name;
    EXPECT_EQ(zone.error().code, ErrorCode::BadRequest);
    EXPECT_NE(zone.error().message.find("unknown time zone"), std::string::npos);
  }
}

}  // namespace
}  // namespace colonies::model
