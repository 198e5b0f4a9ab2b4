// A fixed-bucket histogram for hot paths: observe() is a search over a handful of bounds and two
// relaxed atomic adds on this thread's shard (see counter.hpp); no lock, no allocation. Values are
// integers in a unit of the caller's choice (nanoseconds for durations, items for batch sizes) so
// that the sum stays exact; the exposition scales them (seconds = ns * 1e-9). Not a summary: the
// quantiles are the scraper's to estimate from the buckets.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

#include "core/metrics/counter.hpp"

namespace colonies::metrics {

struct HistogramSnapshot {
  std::vector<std::int64_t> bounds;       // upper bounds (inclusive), ascending; +Inf implied after the last
  std::vector<std::uint64_t> cumulative;  // observations <= bounds[i]; one more entry for +Inf (== count)
  std::uint64_t count = 0;
  std::int64_t sum = 0;  // in the observed unit
};

class Histogram {
 public:
  // `bounds`: the buckets' inclusive upper bounds in the observed unit, strictly ascending, at
  // least one. Violations are programming errors: std::invalid_argument.
  explicit Histogram(std::span<const std::int64_t> bounds);

  // Thread-safe, lock-free. Negative values count in the first bucket and subtract from the sum.
  void observe(std::int64_t value) noexcept;
  void observe(std::chrono::nanoseconds elapsed) noexcept { observe(static_cast<std::int64_t>(elapsed.count())); }

  // Bucket counts, their total and the sum. Taken while others observe, the buckets and the
  // count agree with each other (the count is the +Inf bucket); the sum may include an
  // observation or two that the buckets do not yet, or the other way round.
  HistogramSnapshot snapshot() const;
  std::span<const std::int64_t> bounds() const noexcept { return bounds_; }

 private:
  std::vector<std::int64_t> bounds_;
  // Per shard: one cell per bucket (bounds_.size() + 1 with +Inf), then the sum (as uint64 two's
  // complement, so negative observations wrap back correctly).
  CounterArray cells_;
};

// Bucket bounds used across the project, in nanoseconds: 100 us to 60 s, roughly x2.5 per step.
// Request latencies, long-poll waits and commit times all fit; 60 s and more land in +Inf.
std::span<const std::int64_t> latency_bounds_ns();
// Sizes (items per batch): 1, 2, 4, ... 16384.
std::span<const std::int64_t> size_bounds();

}  // namespace colonies::metrics
