// Shared helpers of the cron tests: instants written as RFC 3339 (with the zone's offset, so the
// tables read as wall-clock times) and a checker that walks a schedule through expected runs.
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/model/cron_schedule.hpp"
#include "core/model/json.hpp"

namespace colonies::model::cron_test {

inline TimeNs at(const std::string& rfc3339) {
  auto t = parse_time(rfc3339);
  EXPECT_TRUE(t.has_value()) << "bad instant in test table: " << rfc3339;
  return t.value_or(0);
}

inline std::string show(std::optional<TimeNs> t) { return t ? format_time(*t) : std::string("(no run)"); }

struct Case {
  std::string expression;
  std::string after;                  // RFC 3339
  std::vector<std::string> expected;  // successive runs, RFC 3339
  std::string default_zone = "UTC";
};

inline void PrintTo(const Case& c, std::ostream* os) { *os << "'" << c.expression << "' after " << c.after; }

// Parses, then checks that next_after() visits `expected` in order, each strictly after the
// previous run, and that asking just before a run finds that run again.
inline void check_case(const Case& c) {
  SCOPED_TRACE("expression '" + c.expression + "' (default zone " + c.default_zone + ")");
  auto zone = CronZone::named(c.default_zone);
  ASSERT_TRUE(zone.has_value()) << zone.error().message;
  auto schedule = CronSchedule::parse(c.expression, *zone);
  ASSERT_TRUE(schedule.has_value()) << schedule.error().message;
  TimeNs t = at(c.after);
  for (const std::string& want : c.expected) {
    const std::optional<TimeNs> next = schedule->next_after(t);
    ASSERT_EQ(show(next), show(at(want))) << "after " << show(t) << " expected " << want;
    if (!schedule->every()) {
      EXPECT_EQ(show(schedule->next_after(*next - 1)), show(next)) << "just before " << want;
    }
    t = *next;
  }
}

}  // namespace colonies::model::cron_test
