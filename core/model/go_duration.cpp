// Go-style duration parsing, exact in integer arithmetic: fractions are scaled with 128-bit
// intermediates instead of floating point, so "0.1s" is exactly 100 ms.
#include "core/model/go_duration.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <utility>

namespace colonies::model {

namespace {

using Wide = unsigned __int128;

struct Unit {
  std::string_view name;
  std::int64_t nanoseconds;
};

// Longer names first, so that "ms" is not read as "m" followed by garbage.
constexpr std::array<Unit, 8> kUnits{{
    {"ns", 1},
    {"us", 1'000},
    {"\xC2\xB5s", 1'000},  // U+00B5 MICRO SIGN
    {"\xCE\xBCs", 1'000},  // U+03BC GREEK SMALL LETTER MU
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"h", 3'600'000'000'000},
}};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// One "<number><unit>" term at the front of `rest`; advances `rest` past it.
Result<Wide> parse_term(std::string_view& rest, std::string_view text) {
  constexpr Wide kLimit = static_cast<Wide>(std::numeric_limits<std::int64_t>::max()) + 1;
  Wide whole = 0;
  std::size_t i = 0;
  for (; i < rest.size() && is_digit(rest[i]); ++i) {
    whole = whole * 10 + static_cast<unsigned>(rest[i] - '0');
    if (whole >= kLimit) return fail(ErrorCode::BadRequest, "duration '{}' is too large", text);
  }
  const bool has_whole = i > 0;
  Wide fraction = 0;
  Wide scale = 1;
  bool has_fraction = false;
  if (i < rest.size() && rest[i] == '.') {
    ++i;
    for (; i < rest.size() && is_digit(rest[i]); ++i) {
      has_fraction = true;
      // Digits past nanosecond precision of the largest unit cannot change the result.
      if (scale < Wide{1'000'000'000'000'000'000ULL}) {
        fraction = fraction * 10 + static_cast<unsigned>(rest[i] - '0');
        scale *= 10;
      }
    }
  }
  if (!has_whole && !has_fraction) {
    return fail(ErrorCode::BadRequest, "duration '{}': expected a number at '{}'", text, rest);
  }
  rest.remove_prefix(i);
  std::size_t unit_len = 0;
  while (unit_len < rest.size() && !is_digit(rest[unit_len]) && rest[unit_len] != '.') ++unit_len;
  const std::string_view unit_name = rest.substr(0, unit_len);
  if (unit_name.empty()) {
    return fail(ErrorCode::BadRequest, "duration '{}': missing unit (ns, us, ms, s, m or h)", text);
  }
  for (const Unit& unit : kUnits) {
    if (unit.name != unit_name) continue;
    rest.remove_prefix(unit_len);
    const Wide ns = whole * static_cast<Wide>(unit.nanoseconds) + fraction * static_cast<Wide>(unit.nanoseconds) / scale;
    if (ns >= kLimit) return fail(ErrorCode::BadRequest, "duration '{}' is too large", text);
    return ns;
  }
  return fail(ErrorCode::BadRequest, "duration '{}': unknown unit '{}' (expected ns, us, ms, s, m or h)", text,
              unit_name);
}

}  // namespace

Result<std::chrono::nanoseconds> parse_go_duration(std::string_view text) {
  constexpr Wide kLimit = static_cast<Wide>(std::numeric_limits<std::int64_t>::max()) + 1;
  std::string_view rest = text;
  bool negative = false;
  if (!rest.empty() && (rest.front() == '-' || rest.front() == '+')) {
    negative = rest.front() == '-';
    rest.remove_prefix(1);
  }
  if (rest == "0") return std::chrono::nanoseconds{0};
  if (rest.empty()) return fail(ErrorCode::BadRequest, "duration '{}' is empty", text);
  Wide total = 0;
  while (!rest.empty()) {
    COLONIES_TRY(term, parse_term(rest, text));
    total += term;
    if (total >= kLimit) return fail(ErrorCode::BadRequest, "duration '{}' is too large", text);
  }
  const auto magnitude = static_cast<std::int64_t>(total);
  return std::chrono::nanoseconds{negative ? -magnitude : magnitude};
}

}  // namespace colonies::model
