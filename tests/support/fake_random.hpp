// ScriptedRandom: a Random that returns the values a test queued, in order, and records every
// range it was asked for, so code that randomises is tested deterministically.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <utility>
#include <vector>

#include "core/ports/random.hpp"

namespace colonies::testing {

class ScriptedRandom final : public ports::Random {
 public:
  ScriptedRandom() = default;
  explicit ScriptedRandom(std::vector<std::int64_t> values) : values_(values.begin(), values.end()) {}

  void push(std::int64_t value) {
    std::lock_guard lock(mutex_);
    values_.push_back(value);
  }

  // The next queued value, or `lo` when the script has run out.
  std::int64_t uniform(std::int64_t lo, std::int64_t hi) override {
    std::lock_guard lock(mutex_);
    requests_.emplace_back(lo, hi);
    if (values_.empty()) return lo;
    const std::int64_t value = values_.front();
    values_.pop_front();
    return value;
  }

  std::vector<std::pair<std::int64_t, std::int64_t>> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  mutable std::mutex mutex_;
  std::deque<std::int64_t> values_;
  std::vector<std::pair<std::int64_t, std::int64_t>> requests_;
};

}  // namespace colonies::testing
