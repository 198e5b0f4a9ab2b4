// Per-key request rate limits: one token bucket per key (the signer's ID of an authenticated
// request), refilled on the injected clock. Memory stays bounded by recent traffic: a bucket
// that is full again is the same as no bucket, so idle ones are forgotten as the map is swept,
// and at most the keys seen in the last two max(burst/rate, 1 s) periods are held. Keys are
// authenticated signers, so even fresh keys per request are bounded by how fast the server
// verifies signatures (~16k/s per core: ~64k buckets, a few MB, at the default 2 s period).
// Not the place of authentication or of what a refusal means to the protocol (server/api).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/ports/clock.hpp"
#include "server/limits/token_bucket.hpp"

namespace colonies::server::limits {

class RateLimiter {
 public:
  // `limit.rate` <= 0 turns the limiter off: every take() is admitted and nothing is stored.
  RateLimiter(RateLimit limit, const ports::Clock& clock);

  struct Decision {
    bool admitted = true;
    // Refused only: nanoseconds until the key has a token again.
    model::TimeNs retry_after = 0;
    // Refused only: the key's first refusal since its bucket was last forgotten (a burst of
    // refusals is logged once, not once per request).
    bool first_refusal = false;
  };
  // Admits one request of `key` or refuses it, taking nothing then. Thread-safe, never blocks on
  // I/O; amortised O(1), including the sweep of idle buckets.
  Decision take(std::string_view key);

  const RateLimit& limit() const { return limit_; }
  // Buckets held now (for tests and stats). Thread-safe.
  std::size_t size() const;
  // Requests refused since construction. Thread-safe.
  std::uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    TokenBucket bucket;
    bool refused = false;  // refused since the entry was created
  };
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // Shards keep requests of different identities on different I/O threads from queueing on one
  // mutex; a key always lands in the same shard.
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, Entry, StringHash, std::equal_to<>> buckets;
    model::TimeNs next_sweep = 0;
  };
  static constexpr std::size_t kShards = 16;
  // Forgets the shard's buckets that are full again. Runs at most once per idle period (the time
  // an empty bucket needs to fill), so its cost spreads over the requests of that period.
  void sweep(Shard& shard, model::TimeNs now);

  RateLimit limit_;
  const ports::Clock& clock_;
  model::TimeNs idle_ns_;  // how long an emptied bucket takes to be full again
  std::array<Shard, kShards> shards_;
  std::atomic<std::uint64_t> refused_{0};
};

}  // namespace colonies::server::limits
