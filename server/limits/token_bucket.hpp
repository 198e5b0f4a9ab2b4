// A token bucket on an injected time: `rate` tokens per second refill it up to `burst`; each
// admitted action takes one token. The rate and burst are passed on every call rather than stored,
// so that a map of many buckets (one per identity, one per process's channels) stays small.
// Not thread-safe: its owner serialises calls. Not a timer: it only reads the time it is given.
#pragma once

#include <algorithm>
#include <cmath>

#include "core/model/json.hpp"

namespace colonies::server::limits {

struct RateLimit {
  double rate = 0;   // tokens per second; <= 0 means no limit
  double burst = 0;  // most tokens the bucket holds (at least 1 is used)
  bool enabled() const { return rate > 0; }
  double capacity() const { return std::max(1.0, burst); }
};

class TokenBucket {
 public:
  static constexpr model::TimeNs kSecond = 1'000'000'000LL;

  // Takes one token at time `now` (nanoseconds); false, taking nothing, when the bucket holds
  // less than one. A bucket never used before is full. Time going backwards refills nothing.
  bool take(model::TimeNs now, const RateLimit& limit) {
    refill(now, limit);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

  // Nanoseconds from `now` until a token is available (0 when one is). Does not change the bucket.
  model::TimeNs wait_for_token(model::TimeNs now, const RateLimit& limit) const {
    const double tokens = level(now, limit);
    if (tokens >= 1.0 || limit.rate <= 0) return 0;
    return static_cast<model::TimeNs>(std::ceil((1.0 - tokens) / limit.rate * static_cast<double>(kSecond)));
  }

  // True when the bucket is full again at `now`: forgetting it changes nothing, as an unused
  // bucket starts full. What lets a map of buckets evict its idle ones.
  bool full(model::TimeNs now, const RateLimit& limit) const { return level(now, limit) >= limit.capacity(); }

 private:
  double level(model::TimeNs now, const RateLimit& limit) const {
    if (refilled_ == 0) return limit.capacity();
    if (now <= refilled_) return tokens_;
    return std::min(limit.capacity(),
                    tokens_ + limit.rate * static_cast<double>(now - refilled_) / static_cast<double>(kSecond));
  }
  void refill(model::TimeNs now, const RateLimit& limit) {
    tokens_ = level(now, limit);
    refilled_ = std::max(refilled_, now);
  }

  double tokens_ = 0;
  model::TimeNs refilled_ = 0;  // 0: never used (a full bucket)
};

}  // namespace colonies::server::limits
