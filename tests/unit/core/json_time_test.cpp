// RFC 3339 times as the model reads and writes them (core/model/json.hpp): parse_time and
// format_time, at the edges of the TimeNs range.
#include <gtest/gtest.h>

#include "core/model/json.hpp"

namespace colonies::model {
namespace {

TEST(ParseTimeTest, ReadsWhatFormatTimeWrites) {
  for (TimeNs t : {TimeNs{1}, TimeNs{1'790'000'000'123'456'789}, TimeNs{-1'000'000'000}}) {
    auto back = parse_time(format_time(t));
    ASSERT_TRUE(back.has_value()) << format_time(t);
    EXPECT_EQ(*back, t);
  }
  EXPECT_EQ(parse_time("0001-01-01T00:00:00Z").value(), TimeNs{0});
  EXPECT_EQ(parse_time("2026-11-23T10:00:01+01:00").value(), parse_time("2026-11-23T09:00:01Z").value());
}

// Found by the k8s fuzz target: a pod log line stamped in the year 4052 overflowed the
// conversion to nanoseconds (undefined behaviour). Times TimeNs cannot hold are refused.
TEST(ParseTimeTest, RefusesTimesOutsideTheTimeNsRange) {
  for (const char* text : {"4052-11-23T10:00:02Z", "2262-04-12T00:00:00Z", "9999-12-31T23:59:59.999999999Z",
                           "1677-09-20T00:00:00Z", "-999-01-01T00:00:00Z"}) {
    auto parsed = parse_time(text);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_EQ(parsed.error().code, ErrorCode::BadRequest);
  }
  EXPECT_TRUE(parse_time("2262-04-10T23:59:59.999999999Z").has_value());
  EXPECT_TRUE(parse_time("1677-09-22T00:00:00Z").has_value());
}

}  // namespace
}  // namespace colonies::model
