// Fixed-bucket histogram (see histogram.hpp).
#include "core/metrics/histogram.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

namespace colonies::metrics {

namespace {

constexpr std::int64_t kUs = 1'000;
constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kS = 1'000'000'000;
constexpr std::array<std::int64_t, 19> kLatencyBounds{
    50 * kUs, 100 * kUs, 250 * kUs, 500 * kUs, 1 * kMs,   2500 * kUs, 5 * kMs, 10 * kMs, 25 * kMs, 50 * kMs,
    100 * kMs, 250 * kMs, 500 * kMs, 1 * kS,   2500 * kMs, 5 * kS,     10 * kS, 30 * kS,  60 * kS};
constexpr std::array<std::int64_t, 15> kSizeBounds{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384};

std::vector<std::int64_t> checked(std::span<const std::int64_t> bounds) {
  if (bounds.empty()) throw std::invalid_argument("a histogram needs at least one bucket bound");
  if (std::adjacent_find(bounds.begin(), bounds.end(), std::greater_equal<>()) != bounds.end()) {
    throw std::invalid_argument("histogram bucket bounds must be strictly ascending");
  }
  return {bounds.begin(), bounds.end()};
}

}  // namespace

Histogram::Histogram(std::span<const std::int64_t> bounds) : bounds_(checked(bounds)), cells_(bounds_.size() + 2) {}

void Histogram::observe(std::int64_t value) noexcept {
  // The first bound >= value: `le` is inclusive.
  const auto bucket = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  cells_.add(bucket);
  cells_.add(bounds_.size() + 1, static_cast<std::uint64_t>(value));
}

HistogramSnapshot Histogram::snapshot() const {
  HistogramSnapshot s;
  s.bounds = bounds_;
  s.cumulative.reserve(bounds_.size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += cells_.value(i);
    s.cumulative.push_back(running);
  }
  s.count = running;
  s.sum = static_cast<std::int64_t>(cells_.value(bounds_.size() + 1));
  return s;
}

std::span<const std::int64_t> latency_bounds_ns() { return kLatencyBounds; }
std::span<const std::int64_t> size_bounds() { return kSizeBounds; }

}  // namespace colonies::metrics
