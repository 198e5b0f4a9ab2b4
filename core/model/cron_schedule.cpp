// Next-run computation for CronSchedule, and CronZone's lookups in the system time-zone database.
//
// The search walks the zone's offset segments (the spans between two transitions, where local
// time = UTC + a constant offset). Inside a segment the calendar search runs on local wall-clock
// seconds. That gives the DST rules of docs/cron.md for free: a local time in a spring-forward
// gap belongs to no segment and is skipped; a local time repeated by a fall-back belongs to two
// segments, and the second one is cut off unless the schedule runs in every hour of the day.
#include <bit>
#include <limits>

#include <date/tz.h>

#include "core/model/cron_schedule.hpp"

namespace colonies::model {

namespace {

constexpr std::int64_t kSecondsPerDay = 86'400;
constexpr std::int64_t kNsPerSecond = 1'000'000'000;
// The last whole second that TimeNs can hold (2262-04-11).
constexpr std::int64_t kMaxSecond = std::numeric_limits<TimeNs>::max() / kNsPerSecond;
constexpr std::uint32_t kAllHours = (1U << 24) - 1;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// The lowest set bit at or above `from`, or -1.
int next_bit(std::uint64_t mask, int from) {
  if (from >= 64) return -1;
  const std::uint64_t rest = mask & (~std::uint64_t{0} << from);
  return rest == 0 ? -1 : std::countr_zero(rest);
}

bool is_utc_name(std::string_view name) { return name == "UTC" || name == "Etc/UTC"; }

// IANA names are ASCII letters, digits and "/_+-"; anything else is not worth a database lookup.
bool plausible_zone_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
                    c == '_' || c == '+' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// The offset span [begin, end) around an instant, as the database states it.
struct Span {
  std::int64_t begin = 0;
  std::int64_t end = 0;
  std::int64_t offset = 0;
};

// Zone files carry explicit transitions only up to 2037; later ones are a POSIX rule in the
// file's footer, which date/tz (USE_OS_TZDB) ignores, so it reports the 2037 winter offset forever.
// A zone whose last transition is in 2037 or later still has rules: we extrapolate them with the
// 28-year Gregorian cycle (same weekdays and leap days; exact through 2099), mapping an instant
// past the last transition back by whole cycles and the answer forward again. A zone whose last
// transition is older really has a fixed offset now and needs nothing.
constexpr std::int64_t kFirstRuleYearStart = 2'114'380'800;    // 2037-01-01T00:00:00Z
constexpr std::int64_t kCycle = 10'227 * kSecondsPerDay;        // 28 years = 1461 weeks exactly

Span span_at(const date::time_zone& zone, std::int64_t t) {
  const date::sys_info info = zone.get_info(date::sys_seconds{std::chrono::seconds{t}});
  Span span{info.begin.time_since_epoch().count(), info.end.time_since_epoch().count(), info.offset.count()};
  const bool open_ended = span.end > t + 100LL * 366 * kSecondsPerDay;
  if (!open_ended || span.begin < kFirstRuleYearStart || t < span.begin) return span;
  const std::int64_t cycles = (t - span.begin) / kCycle + 1;
  const std::int64_t shift = cycles * kCycle;
  const date::sys_info early = zone.get_info(date::sys_seconds{std::chrono::seconds{t - shift}});
  return Span{early.begin.time_since_epoch().count() + shift, early.end.time_since_epoch().count() + shift,
              early.offset.count()};
}

// One span of constant UTC offset around an instant, clamped to what the search needs.
struct Segment {
  std::int64_t offset = 0;  // local = UTC + offset, seconds
  std::int64_t end = 0;     // first UTC second of the next segment (exclusive end)
  // First local second that was not already shown by the previous segment: later than the
  // segment's first local second only right after a fall-back.
  std::int64_t first_new_local = std::numeric_limits<std::int64_t>::min();
};

Segment segment_at(const date::time_zone* zone, std::int64_t t, std::int64_t limit) {
  Segment seg;
  if (zone == nullptr) {
    seg.end = limit;
    return seg;
  }
  const Span span = span_at(*zone, t);
  seg.offset = span.offset;
  seg.end = std::min(span.end, limit);
  // Only a transition less than a day old can still repeat local times at `t`; older ones (and
  // the open-ended first span) are skipped, which also keeps the arithmetic in range.
  if (span.begin > t - kSecondsPerDay) {
    const Span prev = span_at(*zone, span.begin - 1);
    if (prev.offset > span.offset) seg.first_new_local = span.begin + prev.offset;
  }
  return seg;
}

}  // namespace

Result<CronZone> CronZone::named(std::string_view name) {
  if (is_utc_name(name)) return CronZone();
  if (plausible_zone_name(name)) {
    try {
      return CronZone(date::locate_zone(name));
    } catch (const std::exception&) {
      // Falls through to the error below: the database does not have it.
    }
  }
  return fail(ErrorCode::BadRequest, "unknown time zone '{}' (expected an IANA name such as Europe/Stockholm or UTC)",
              name);
}

Result<CronZone> CronZone::local() {
  try {
    const date::time_zone* zone = date::current_zone();
    if (zone == nullptr || is_utc_name(zone->name())) return CronZone();
    return CronZone(zone);
  } catch (const std::exception& e) {
    return fail(ErrorCode::Unavailable, "cannot determine the machine's time zone: {}", e.what());
  }
}

CronZone CronZone::local_or_utc() {
  auto zone = local();
  return zone ? *zone : CronZone();
}

std::string_view CronZone::name() const { return zone_ == nullptr ? std::string_view("UTC") : zone_->name(); }

std::optional<std::chrono::seconds> CronSchedule::every() const {
  if (every_seconds_ <= 0) return std::nullopt;
  return std::chrono::seconds(every_seconds_);
}

bool CronSchedule::day_matches(unsigned day_of_month, unsigned weekday) const {
  const bool dom = (days_ >> day_of_month & 1U) != 0;
  const bool dow = (weekdays_ >> weekday & 1U) != 0;
  if (days_any_ || weekdays_any_) return dom && dow;
  return dom || dow;
}

std::optional<std::int64_t> CronSchedule::next_local(std::int64_t from, std::int64_t limit) const {
  using namespace std::chrono;
  if (from >= limit) return std::nullopt;
  std::int64_t day = floor_div(from, kSecondsPerDay);
  const std::int64_t last_day = floor_div(limit - 1, kSecondsPerDay);
  std::int64_t start = from - day * kSecondsPerDay;  // second of the day to search from
  while (day <= last_day) {
    const sys_days date{days{day}};
    const year_month_day ymd{date};
    const unsigned month = static_cast<unsigned>(ymd.month());
    if ((months_ >> month & 1U) == 0) {
      // Jump to the first day of the next selected month, in this year or the next.
      const int next = next_bit(months_, static_cast<int>(month) + 1);
      const year_month_day first = next > 0 ? ymd.year() / std::chrono::month{static_cast<unsigned>(next)} / 1
                                            : (ymd.year() + years{1}) / std::chrono::month{static_cast<unsigned>(
                                                                               std::countr_zero(months_))} / 1;
      day = sys_days{first}.time_since_epoch().count();
      start = 0;
      continue;
    }
    if (day_matches(static_cast<unsigned>(ymd.day()), weekday{date}.c_encoding())) {
      const int h0 = static_cast<int>(start / 3600);
      const int m0 = static_cast<int>(start / 60 % 60);
      const int s0 = static_cast<int>(start % 60);
      for (int h = next_bit(hours_, h0); h >= 0; h = next_bit(hours_, h + 1)) {
        for (int m = next_bit(minutes_, h == h0 ? m0 : 0); m >= 0; m = next_bit(minutes_, m + 1)) {
          const int s = next_bit(seconds_, h == h0 && m == m0 ? s0 : 0);
          if (s < 0) continue;
          const std::int64_t found = day * kSecondsPerDay + h * 3600 + m * 60 + s;
          if (found >= limit) return std::nullopt;
          return found;
        }
      }
    }
    ++day;
    start = 0;
  }
  return std::nullopt;
}

std::optional<TimeNs> CronSchedule::next_after(TimeNs after) const {
  const std::int64_t after_s = floor_div(after, kNsPerSecond);
  if (every_seconds_ > 0) {
    // Like robfig/cron: a fixed delay from the (whole-second) instant, not aligned to the clock.
    if (after_s > kMaxSecond - every_seconds_) return std::nullopt;
    return (after_s + every_seconds_) * kNsPerSecond;
  }
  if (after_s >= kMaxSecond) return std::nullopt;
  std::int64_t t = after_s + 1;
  const std::int64_t horizon = std::chrono::duration_cast<std::chrono::seconds>(kHorizon).count();
  const std::int64_t limit = t > kMaxSecond - horizon ? kMaxSecond + 1 : t + horizon;
  // A schedule running every hour keeps its cadence through a fall-back (both passes of the
  // repeated hour); any other schedule runs a repeated local time once, at its first occurrence.
  const bool repeat_overlap = hours_ == kAllHours;
  while (t < limit) {
    const Segment seg = segment_at(zone_.zone(), t, limit);
    std::int64_t from = t + seg.offset;
    if (!repeat_overlap) from = std::max(from, seg.first_new_local);
    if (auto local = next_local(from, seg.end + seg.offset)) return (*local - seg.offset) * kNsPerSecond;
    t = seg.end;
  }
  return std::nullopt;
}

}  // namespace colonies::model
