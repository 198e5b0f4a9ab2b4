// Replay window bookkeeping.
#include "server/auth/replay_guard.hpp"

#include <cstring>

namespace colonies::server::auth {

namespace {
std::uint64_t hex64(std::string_view hex) {
  std::uint64_t v = 0;
  for (char c : hex.substr(0, 16)) v = (v << 4) | static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  return v;
}
}  // namespace

Status ReplayGuard::check(std::string_view signer, std::string_view nonce, std::int64_t timestamp_s,
                          std::int64_t now_s) {
  // The timestamp is whatever the signer wrote, anywhere in int64, so `timestamp_s - now_s` may
  // overflow: the window is checked as bounds around the server's clock (now and the window are
  // small), and the skew in the message is computed only when it fits.
  if (timestamp_s > now_s + window_s_ || timestamp_s < now_s - window_s_) {
    std::int64_t skew = 0;
    if (__builtin_sub_overflow(timestamp_s, now_s, &skew)) {
      return fail(ErrorCode::Unauthenticated,
                  "request timestamp {} is nowhere near the server clock ({}; allowed: {} s); check the client's clock",
                  timestamp_s, now_s, window_s_);
    }
    return fail(ErrorCode::Unauthenticated,
                "request timestamp {} is {} s away from the server clock (allowed: {} s); check the client's clock",
                timestamp_s, skew, window_s_);
  }
  if (timestamp_s < not_before_s_.load()) {
    return fail(ErrorCode::Unauthenticated,
                "request timestamp {} predates the server's start ({}); sign it again (and check the client's clock)",
                timestamp_s, not_before_s_.load());
  }
  // The nonce's 128 random bits, mixed with the signer so that one identity cannot block another's
  // nonces without knowing them in advance.
  Key key{hex64(nonce.substr(0, 16)) ^ hex64(signer.substr(0, 16)),
          hex64(nonce.substr(16, 16)) ^ hex64(signer.substr(16, 16))};
  std::lock_guard lock(mu_);
  purge(now_s);
  if (!seen_.insert(key).second) {
    return fail(ErrorCode::Unauthenticated, "request nonce was already used (replayed request refused)");
  }
  // Once the timestamp is out of the window the request is refused anyway; keep it until then.
  expiry_.emplace_back(timestamp_s + window_s_ + 1, key);
  return ok();
}

void ReplayGuard::purge(std::int64_t now_s) {
  // Arrival order approximates expiry order (timestamps are within the window of arrival), so
  // entries are dropped from the front while due; a few may linger at most 2 x window.
  while (!expiry_.empty() && expiry_.front().first < now_s) {
    seen_.erase(expiry_.front().second);
    expiry_.pop_front();
  }
}

}  // namespace colonies::server::auth
