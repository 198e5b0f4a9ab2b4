// Clock port: wall-clock time for timestamps and deadlines. Injected so that deadlines, replay
// windows and retries are tested with a fake clock instead of sleeps.
#pragma once

#include <chrono>

#include "core/model/json.hpp"

namespace colonies::ports {

class Clock {
 public:
  virtual ~Clock() = default;
  // Nanoseconds since the Unix epoch. Thread-safe, never blocks.
  virtual model::TimeNs now() const = 0;
};

// The real clock; std::chrono is not I/O, so it lives beside its port.
class SystemClock final : public Clock {
 public:
  model::TimeNs now() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace colonies::ports
