// Exponential backoff for calls to an unreachable server: initial, doubling, capped. Deterministic
// (no jitter) so that tests can state the exact sequence; executors are few per server, so there
// is no herd to spread. Holds no timer: the caller sleeps or schedules.
#pragma once

#include <algorithm>
#include <chrono>
#include <string>

#include <fmt/format.h>

namespace colonies::executors {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial = std::chrono::milliseconds(500),
          std::chrono::milliseconds max = std::chrono::milliseconds(30'000))
      : initial_(initial), max_(max), next_(initial) {}

  // The delay to wait before the next attempt; each call doubles the following one up to max.
  std::chrono::milliseconds next() {
    std::chrono::milliseconds d = next_;
    next_ = std::min(max_, next_ * 2);
    ++failures_;
    return d;
  }
  // After a success.
  void reset() {
    next_ = initial_;
    failures_ = 0;
  }
  int failures() const { return failures_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds next_;
  int failures_ = 0;
};

// A delay for progress logs: "4 s", "1.5 s", "500 ms".
inline std::string describe_delay(std::chrono::milliseconds d) {
  if (d.count() < 1000) return fmt::format("{} ms", d.count());
  if (d.count() % 1000 == 0) return fmt::format("{} s", d.count() / 1000);
  return fmt::format("{:.1f} s", static_cast<double>(d.count()) / 1000.0);
}

}  // namespace colonies::executors
