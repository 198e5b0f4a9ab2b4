// Random port: uniformly distributed integers for decisions that must look random in production
// (a cron's `random` next run) and be scripted in tests. Not for keys or IDs: those come from the
// crypto port and IdGenerator.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>

namespace colonies::ports {

class Random {
 public:
  virtual ~Random() = default;
  // A uniformly distributed integer in [lo, hi], both inclusive. Precondition: lo <= hi.
  // Thread-safe, never blocks.
  virtual std::int64_t uniform(std::int64_t lo, std::int64_t hi) = 0;
};

// The real source: a Mersenne Twister seeded once from std::random_device. Like SystemClock it has
// no I/O beyond that seed, so it lives beside its port.
class SystemRandom final : public Random {
 public:
  SystemRandom() : engine_(std::random_device{}()) {}

  std::int64_t uniform(std::int64_t lo, std::int64_t hi) override {
    std::lock_guard lock(mutex_);
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(engine_);
  }

 private:
  std::mutex mutex_;
  std::mt19937_64 engine_;
};

}  // namespace colonies::ports
