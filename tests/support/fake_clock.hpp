// FakeClock: a Clock that only moves when a test moves it, so deadlines, replay windows and
// retries are tested without sleeping. Thread-safe (the broker reads it from several threads).
// Not a scheduler of timers: whoever owns the deadlines must be ticked after advancing.
#pragma once

#include <atomic>
#include <chrono>

#include "core/ports/clock.hpp"

namespace colonies::testing {

class FakeClock final : public ports::Clock {
 public:
  // 2026-09-20T...: a realistic epoch time, far from 0 so "unset" (0) is never a valid now.
  static constexpr model::TimeNs kDefaultStart = 1'790'000'000'000'000'000LL;

  explicit FakeClock(model::TimeNs start = kDefaultStart) : now_(start) {}

  model::TimeNs now() const override { return now_.load(std::memory_order_acquire); }
  std::int64_t now_s() const { return now() / 1'000'000'000LL; }

  void set(model::TimeNs t) { now_.store(t, std::memory_order_release); }
  void advance(std::chrono::nanoseconds d) { now_.fetch_add(d.count(), std::memory_order_acq_rel); }
  void advance_s(std::int64_t seconds) { advance(std::chrono::seconds(seconds)); }

 private:
  std::atomic<model::TimeNs> now_;
};

}  // namespace colonies::testing
