// Parsing of cron expressions into CronSchedule: the TZ prefix, descriptors, `@every` and the six
// fields. Errors name the field and the offending text; the expression itself is quoted once, by
// CronSchedule::parse, so that every message reads the same way.
#include <array>
#include <charconv>
#include <span>
#include <string>

#include "core/model/cron_schedule.hpp"
#include "core/model/go_duration.hpp"

namespace colonies::model {

namespace {

constexpr std::array<std::string_view, 12> kMonthNames{"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> kWeekdayNames{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

// One of the six fields: its name in errors, its range, and the names it accepts.
struct FieldSpec {
  std::string_view name;
  int min;
  int max;
  std::span<const std::string_view> names;  // names[i] means min + i
  std::string_view names_hint;              // "JAN-DEC", shown in errors
};

constexpr std::array<FieldSpec, 6> kFields{{
    {"second", 0, 59, {}, {}},
    {"minute", 0, 59, {}, {}},
    {"hour", 0, 23, {}, {}},
    {"day of month", 1, 31, {}, {}},
    {"month", 1, 12, kMonthNames, "JAN-DEC"},
    // 7 is accepted as a second Sunday, as classic cron does.
    {"day of week", 0, 7, kWeekdayNames, "SUN-SAT"},
}};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Splits off the first whitespace-separated word of `rest`.
std::string_view next_word(std::string_view& rest) {
  rest = trim(rest);
  std::size_t end = 0;
  while (end < rest.size() && !is_space(rest[end])) ++end;
  const std::string_view word = rest.substr(0, end);
  rest.remove_prefix(end);
  return word;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
    if (x != y) return false;
  }
  return true;
}

// A decimal number or a name of the field; range-checked.
Result<int> parse_value(std::string_view text, const FieldSpec& field) {
  if (text.empty()) return fail(ErrorCode::BadRequest, "field '{}': missing value", field.name);
  if (text.front() >= '0' && text.front() <= '9') {
    unsigned value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ptr != text.data() + text.size()) {
      return fail(ErrorCode::BadRequest, "field '{}': '{}' is not a number", field.name, text);
    }
    if (ec != std::errc() || value < static_cast<unsigned>(field.min) || value > static_cast<unsigned>(field.max)) {
      return fail(ErrorCode::BadRequest, "field '{}': {} is out of range {}-{}", field.name, text, field.min,
                  field.max);
    }
    return static_cast<int>(value);
  }
  for (std::size_t i = 0; i < field.names.size(); ++i) {
    if (equals_ignore_case(text, field.names[i])) return field.min + static_cast<int>(i);
  }
  if (field.names.empty()) return fail(ErrorCode::BadRequest, "field '{}': '{}' is not a number", field.name, text);
  return fail(ErrorCode::BadRequest, "field '{}': '{}' is not a number or a name ({})", field.name, text,
              field.names_hint);
}

struct FieldBits {
  std::uint64_t bits = 0;
  bool any = false;  // an item was a bare `*` or `?`: the field does not restrict
};

// One comma-separated item: `*`, `?`, `v`, `a-b`, each optionally followed by `/step`.
Result<FieldBits> parse_item(std::string_view item, const FieldSpec& field) {
  if (item.empty()) return fail(ErrorCode::BadRequest, "field '{}': empty item in a list", field.name);
  std::string_view range = item;
  int step = 1;
  bool has_step = false;
  if (const auto slash = item.find('/'); slash != std::string_view::npos) {
    range = item.substr(0, slash);
    const std::string_view step_text = item.substr(slash + 1);
    unsigned parsed = 0;
    const auto [ptr, ec] = std::from_chars(step_text.data(), step_text.data() + step_text.size(), parsed);
    if (step_text.empty() || ptr != step_text.data() + step_text.size() || ec != std::errc() ||
        (step_text.front() < '0' || step_text.front() > '9')) {
      return fail(ErrorCode::BadRequest, "field '{}': step '{}' is not a number", field.name, step_text);
    }
    if (parsed == 0 || parsed > static_cast<unsigned>(field.max - field.min + 1)) {
      return fail(ErrorCode::BadRequest, "field '{}': step {} is out of range 1-{}", field.name, step_text,
                  field.max - field.min + 1);
    }
    step = static_cast<int>(parsed);
    has_step = true;
  }
  int low = field.min;
  int high = field.max;
  FieldBits out;
  if (range == "*" || range == "?") {
    // robfig/cron's rule: `*/n` with n > 1 restricts the field (matters for dom/dow only).
    out.any = step == 1;
  } else {
    const auto dash = range.find('-');
    COLONIES_TRY(first, parse_value(range.substr(0, dash), field));
    low = first;
    if (dash != std::string_view::npos) {
      COLONIES_TRY(last, parse_value(range.substr(dash + 1), field));
      high = last;
      if (low > high) {
        return fail(ErrorCode::BadRequest, "field '{}': range {} starts after it ends", field.name, range);
      }
    } else if (!has_step) {
      high = low;  // a single value; `v/n` means v through the maximum, every n
    }
  }
  for (int v = low; v <= high; v += step) out.bits |= std::uint64_t{1} << v;
  return out;
}

Result<FieldBits> parse_field(std::string_view text, const FieldSpec& field) {
  FieldBits out;
  while (true) {
    const auto comma = text.find(',');
    COLONIES_TRY(item, parse_item(text.substr(0, comma), field));
    out.bits |= item.bits;
    out.any = out.any || item.any;
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

struct Descriptor {
  std::string_view name;
  std::string_view fields;
};

constexpr std::array<Descriptor, 7> kDescriptors{{
    {"@yearly", "0 0 0 1 1 *"},
    {"@annually", "0 0 0 1 1 *"},
    {"@monthly", "0 0 0 1 * *"},
    {"@weekly", "0 0 0 * * 0"},
    {"@daily", "0 0 0 * * *"},
    {"@midnight", "0 0 0 * * *"},
    {"@hourly", "0 0 * * * *"},
}};

constexpr int kMaxDaysInMonth[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

}  // namespace

// Friend of CronSchedule: fills its private fields.
class CronParser {
 public:
  static Status fields(std::string_view text, CronSchedule& out) {
    std::array<std::string_view, 6> words{};
    std::size_t count = 0;
    std::string_view rest = text;
    for (std::string_view word = next_word(rest); !word.empty(); word = next_word(rest)) {
      if (count < words.size()) words[count] = word;
      ++count;
    }
    if (count != words.size()) {
      return fail(ErrorCode::BadRequest, "expected 6 fields (second minute hour day-of-month month day-of-week), got {}",
                  count);
    }
    std::array<FieldBits, 6> bits{};
    for (std::size_t i = 0; i < words.size(); ++i) {
      COLONIES_TRY(field, parse_field(words[i], kFields[i]));
      bits[i] = field;
    }
    out.seconds_ = bits[0].bits;
    out.minutes_ = bits[1].bits;
    out.hours_ = static_cast<std::uint32_t>(bits[2].bits);
    out.days_ = static_cast<std::uint32_t>(bits[3].bits);
    out.months_ = static_cast<std::uint16_t>(bits[4].bits);
    // Day 7 is Sunday again.
    const std::uint64_t weekdays = bits[5].bits | ((bits[5].bits >> 7) & 1U);
    out.weekdays_ = static_cast<std::uint8_t>(weekdays & 0x7FU);
    out.days_any_ = bits[3].any;
    out.weekdays_any_ = bits[5].any;
    return check_fires(out);
  }

  // When the day of month alone decides, some selected month must have a selected day.
  static Status check_fires(const CronSchedule& s) {
    if (!s.weekdays_any_) return ok();  // a selected weekday comes every week
    for (int month = 1; month <= 12; ++month) {
      if ((s.months_ >> month & 1U) == 0) continue;
      const std::uint32_t possible = (std::uint32_t{2} << kMaxDaysInMonth[month]) - 2;  // bits 1..max
      if ((s.days_ & possible) != 0) return ok();
    }
    return fail(ErrorCode::BadRequest,
                "the schedule never fires: none of the selected months has any of the selected days of month");
  }

  static Status every(std::string_view text, CronSchedule& out) {
    if (text.empty()) return fail(ErrorCode::BadRequest, "@every needs a duration, e.g. '@every 1h30m'");
    COLONIES_TRY(duration, parse_go_duration(text));
    if (duration < std::chrono::seconds(1)) {
      return fail(ErrorCode::BadRequest, "@every {}: the interval must be at least 1s", text);
    }
    if (duration % std::chrono::seconds(1) != std::chrono::nanoseconds(0)) {
      return fail(ErrorCode::BadRequest, "@every {}: the interval must be a whole number of seconds", text);
    }
    out.every_seconds_ = std::chrono::duration_cast<std::chrono::seconds>(duration).count();
    return ok();
  }

  static Status descriptor(std::string_view text, CronSchedule& out) {
    std::string_view rest = text;
    const std::string_view name = next_word(rest);
    if (equals_ignore_case(name, "@every")) return every(trim(rest), out);
    for (const Descriptor& d : kDescriptors) {
      if (!equals_ignore_case(name, d.name)) continue;
      if (!trim(rest).empty()) return fail(ErrorCode::BadRequest, "{} takes no arguments", d.name);
      return fields(d.fields, out);
    }
    return fail(ErrorCode::BadRequest, "unknown descriptor '{}' (expected @yearly, @annually, @monthly, @weekly, "
                                       "@daily, @midnight, @hourly or @every <duration>)", name);
  }

  // `CRON_TZ=<zone> ` or `TZ=<zone> ` in front of the schedule; leaves the schedule in `rest`.
  static Status zone_prefix(std::string_view& rest, CronZone& zone) {
    for (const std::string_view prefix : {std::string_view("CRON_TZ="), std::string_view("TZ=")}) {
      if (!rest.starts_with(prefix)) continue;
      std::string_view after = rest.substr(prefix.size());
      if (after.empty() || is_space(after.front())) {
        return fail(ErrorCode::BadRequest, "{} needs a time zone name", prefix);
      }
      const std::string_view name = next_word(after);
      if (trim(after).empty()) {
        return fail(ErrorCode::BadRequest, "{}{} must be followed by a schedule", prefix, name);
      }
      COLONIES_TRY(named, CronZone::named(name));
      zone = named;
      rest = trim(after);
      return ok();
    }
    return ok();
  }
};

Result<CronSchedule> CronSchedule::parse(std::string_view expression, const CronZone& default_zone) {
  std::string_view rest = trim(expression);
  if (rest.empty()) return fail(ErrorCode::BadRequest, "cron expression is empty");
  CronSchedule schedule;
  schedule.zone_ = default_zone;
  Status parsed = CronParser::zone_prefix(rest, schedule.zone_);
  if (parsed) {
    parsed = rest.starts_with('@') ? CronParser::descriptor(rest, schedule) : CronParser::fields(rest, schedule);
  }
  if (!parsed) {
    return fail(ErrorCode::BadRequest, "cron expression '{}': {}", trim(expression), parsed.error().message);
  }
  return schedule;
}

}  // namespace colonies::model
