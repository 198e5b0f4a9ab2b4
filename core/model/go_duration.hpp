// Go-style duration strings ("1h30m", "10s", "1.5h", "500ms"), the syntax of the original's
// `@every <duration>` cron descriptor. Parsing only: formatting and calendar units (days) are not
// part of Go's syntax and not offered here.
#pragma once

#include <chrono>
#include <string_view>

#include "core/error/error.hpp"

namespace colonies::model {

// Parses a sequence of decimal numbers, each with an optional fraction and a unit: "ns", "us"
// ("µs", "μs"), "ms", "s", "m", "h", optionally signed ("-1m30s"); "0" alone is zero. Rejects
// anything else, and values beyond ±292 years (the range of int64 nanoseconds), with a
// BadRequest naming the offending part.
Result<std::chrono::nanoseconds> parse_go_duration(std::string_view text);

}  // namespace colonies::model
