// Cron schedules: parse an expression once, then ask for the next run strictly after an instant.
// Pure computation over the system time-zone database (Howard Hinnant's date/tz); it knows nothing
// of crons as stored objects, intervals or `random` (see cron_rule.hpp for those).
// The syntax and every rule (dom/dow, DST gaps and overlaps) are documented in docs/cron.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/error/error.hpp"
#include "core/model/json.hpp"

namespace date {
class time_zone;
}

namespace colonies::model {

// An IANA time zone, or UTC. A cheap value: zones live as long as the process.
class CronZone {
 public:
  CronZone() = default;  // UTC
  static CronZone utc() { return CronZone(); }
  // An IANA name ("Europe/Stockholm", "UTC"); BadRequest naming it when the system time-zone
  // database does not know it.
  static Result<CronZone> named(std::string_view name);
  // The machine's zone (/etc/localtime, or $TZ); Unavailable when it cannot be determined.
  static Result<CronZone> local();
  // local(), or UTC when the machine has no configured zone (common in containers).
  static CronZone local_or_utc();

  std::string_view name() const;
  bool is_utc() const { return zone_ == nullptr; }
  // The zone, or nullptr for UTC (evaluated without the database).
  const date::time_zone* zone() const { return zone_; }

  friend bool operator==(const CronZone&, const CronZone&) = default;

 private:
  explicit CronZone(const date::time_zone* zone) : zone_(zone) {}
  const date::time_zone* zone_ = nullptr;
};

// A parsed expression. Copyable, no heap memory, safe to share between threads.
class CronSchedule {
 public:
  // Parses `sec min hour dom month dow`, a descriptor (@yearly, @annually, @monthly, @weekly,
  // @daily, @midnight, @hourly, @every <duration>), either optionally after `CRON_TZ=<zone> ` or
  // `TZ=<zone> `. Without a prefix the schedule runs in `default_zone`. BadRequest with a message
  // naming the wrong part ("field 'hour': 25 is out of range 0-23"); a schedule that can never
  // fire (day 31 in February only) is rejected too.
  static Result<CronSchedule> parse(std::string_view expression, const CronZone& default_zone = CronZone::utc());

  // The first run strictly after `after` (Unix ns, UTC), always on a whole second. nullopt when
  // there is none within kHorizon or before the end of the TimeNs range (2262): only schedules
  // whose every match falls into DST gaps, or instants near that end, get there.
  std::optional<TimeNs> next_after(TimeNs after) const;

  const CronZone& zone() const { return zone_; }
  // Set for `@every`: the fixed delay between runs.
  std::optional<std::chrono::seconds> every() const;

  // How far ahead next_after() looks. A valid calendar schedule fires at least every 8 years
  // (Feb 29 across a skipped leap year); DST gaps cannot add years.
  static constexpr std::chrono::days kHorizon{366 * 30};

 private:
  friend class CronParser;

  // Bit n set = value n selected.
  std::uint64_t seconds_ = 0;
  std::uint64_t minutes_ = 0;
  std::uint32_t hours_ = 0;
  std::uint32_t days_ = 0;      // bits 1-31
  std::uint16_t months_ = 0;    // bits 1-12
  std::uint8_t weekdays_ = 0;   // bits 0-6, Sunday = 0
  // Classic cron: when both day fields are restricted a day matches if either does; when one is
  // `*` or `?`, the other alone decides.
  bool days_any_ = true;
  bool weekdays_any_ = true;
  std::int64_t every_seconds_ = 0;  // > 0 for @every
  CronZone zone_;

  bool day_matches(unsigned day_of_month, unsigned weekday) const;
  // The first selected local time at or after `from` and before `limit` (both local seconds).
  std::optional<std::int64_t> next_local(std::int64_t from, std::int64_t limit) const;
};

}  // namespace colonies::model
