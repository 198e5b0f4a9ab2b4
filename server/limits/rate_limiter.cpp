// Per-key token buckets with idle eviction (see rate_limiter.hpp).
#include "server/limits/rate_limiter.hpp"

#include <cmath>
#include <functional>

namespace colonies::server::limits {

namespace {
// Sweeps no more often than this even for a tiny burst/rate ratio: a sweep walks the whole shard.
constexpr model::TimeNs kMinSweepPeriod = TokenBucket::kSecond;
}  // namespace

RateLimiter::RateLimiter(RateLimit limit, const ports::Clock& clock)
    : limit_(limit),
      clock_(clock),
      idle_ns_(limit.enabled()
                   ? static_cast<model::TimeNs>(std::ceil(limit.capacity() / limit.rate * TokenBucket::kSecond))
                   : 0) {}

RateLimiter::Decision RateLimiter::take(std::string_view key) {
  if (!limit_.enabled()) return {};
  const model::TimeNs now = clock_.now();
  Shard& shard = shards_[std::hash<std::string_view>{}(key) % kShards];
  std::lock_guard lock(shard.mu);
  if (now >= shard.next_sweep) sweep(shard, now);
  auto it = shard.buckets.find(key);
  if (it == shard.buckets.end()) it = shard.buckets.emplace(std::string(key), Entry{}).first;
  Entry& entry = it->second;
  if (entry.bucket.take(now, limit_)) return {};
  refused_.fetch_add(1, std::memory_order_relaxed);
  Decision refused{false, entry.bucket.wait_for_token(now, limit_), !entry.refused};
  entry.refused = true;
  return refused;
}

void RateLimiter::sweep(Shard& shard, model::TimeNs now) {
  std::erase_if(shard.buckets, [&](const auto& item) { return item.second.bucket.full(now, limit_); });
  shard.next_sweep = now + std::max(idle_ns_, kMinSweepPeriod);
}

std::size_t RateLimiter::size() const {
  std::size_t n = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard.mu);
    n += shard.buckets.size();
  }
  return n;
}

}  // namespace colonies::server::limits
