// Refuses replayed requests: a (signer, nonce) pair is remembered for as long as its timestamp
// could still be accepted (twice the replay window), and timestamps outside the window are
// refused outright. Thread-safe. Memory: ~64 bytes per request seen in the last 2 x window.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string_view>
#include <unordered_set>

#include "core/error/error.hpp"

namespace colonies::server::auth {

class ReplayGuard {
 public:
  explicit ReplayGuard(std::int64_t window_s) : window_s_(window_s) {}
  // Unauthenticated when `timestamp_s` is more than the window away from `now_s`, or when this
  // signer already used this nonce. Records the nonce on success. `signer` and `nonce` are raw
  // hex as received (already validated as 64 and 32 hex characters).
  Status check(std::string_view signer, std::string_view nonce, std::int64_t timestamp_s, std::int64_t now_s);
  std::int64_t window_s() const { return window_s_; }

 private:
  struct Key {
    std::uint64_t a, b;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const { return k.a ^ (k.b * 0x9e3779b97f4a7c15ULL); }
  };
  void purge(std::int64_t now_s);

  const std::int64_t window_s_;
  std::mutex mu_;
  std::unordered_set<Key, KeyHash> seen_;
  std::deque<std::pair<std::int64_t, Key>> expiry_;  // (forget-after second, key), in arrival order
};

}  // namespace colonies::server::auth
