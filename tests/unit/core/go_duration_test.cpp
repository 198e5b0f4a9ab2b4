// parse_go_duration: Go's duration syntax, exact results and every error.
#include "core/model/go_duration.hpp"

#include <gtest/gtest.h>

namespace colonies::model {
namespace {

using namespace std::chrono_literals;

TEST(GoDurationTest, ParsesGoSyntax) {
  const std::vector<std::pair<std::string, std::chrono::nanoseconds>> cases{
      {"0", 0ns},          {"-0", 0ns},           {"10s", 10s},          {"1h30m", 90min},
      {"1.5h", 90min},     {"500ms", 500ms},      {"0.1s", 100ms},       {"1.s", 1s},
      {".5s", 500ms},      {"1h0.5m", 3630s},     {"-1m30s", -90s},      {"+5s", 5s},
      {"1ns", 1ns},        {"1us", 1us},          {"1\xC2\xB5s", 1us},   {"1\xCE\xBCs", 1us},
      {"2h45m10s5ms", 2h + 45min + 10s + 5ms},   {"1.000000001s", 1'000'000'001ns},
      {"0.0000000001s", 0ns},                    {"2562047h47m16.854775807s", std::chrono::nanoseconds::max()},
  };
  for (const auto& [text, want] : cases) {
    auto got = parse_go_duration(text);
    ASSERT_TRUE(got) << text << ": " << got.error().message;
    EXPECT_EQ(got->count(), want.count()) << text;
  }
}

TEST(GoDurationTest, RejectsWithMessage) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"", "duration '' is empty"},
      {"-", "duration '-' is empty"},
      {"5", "duration '5': missing unit (ns, us, ms, s, m or h)"},
      {"5d", "duration '5d': unknown unit 'd' (expected ns, us, ms, s, m or h)"},
      {"h", "duration 'h': expected a number at 'h'"},
      {".s", "duration '.s': expected a number at '.s'"},
      {"1h-5m", "duration '1h-5m': unknown unit 'h-' (expected ns, us, ms, s, m or h)"},
      {"2562048h", "duration '2562048h' is too large"},
      {"2562047h47m16.854775808s", "duration '2562047h47m16.854775808s' is too large"},
      {"99999999999999999999s", "duration '99999999999999999999s' is too large"},
  };
  for (const auto& [text, message] : cases) {
    auto got = parse_go_duration(text);
    ASSERT_FALSE(got) << text;
    EXPECT_EQ(got.error().code, ErrorCode::BadRequest);
    EXPECT_EQ(got.error().message, message) << text;
  }
}

}  // namespace
}  // namespace colonies::model
