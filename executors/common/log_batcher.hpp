// Coalesces one job's output lines into few addlog calls: a batch is shipped when its oldest line
// has waited `max_delay` or when it reaches `max_bytes`, so a chatty job does not cost one request
// per line and a quiet one still shows its lines within a fraction of a second. Pure logic with
// time passed in (tests need no clock); it does not send anything and knows no server.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace colonies::executors {

class LogBatcher {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  struct Limits {
    std::chrono::milliseconds max_delay{200};
    std::size_t max_bytes = 64 * 1024;
    // Memory bound while the server cannot take logs: beyond this many bytes waiting, the oldest
    // sealed batches are dropped and a "[colonies: N bytes of output dropped]" line says so.
    std::size_t max_buffered = 4 * 1024 * 1024;
  };

  LogBatcher() = default;
  explicit LogBatcher(Limits limits) : limits_(limits) {}

  // Adds one line (a "\n" is appended). A line that does not fit the open batch seals it first.
  void add(std::string_view line, TimePoint now);
  // True if a batch should be shipped now.
  bool due(TimePoint now) const;
  // When the open batch becomes due; nullopt if nothing is waiting. Sealed batches are due at once.
  std::optional<TimePoint> next_due() const;
  // The next batch to ship if one is due at `now` (or any, with force), oldest first. The caller
  // ships it and, if shipping failed, gives it back with requeue() to keep the order.
  std::optional<std::string> take(TimePoint now, bool force = false);
  void requeue(std::string batch);
  // Everything waiting, as batches in shipping order (the drop marker first, if any), leaving
  // the batcher empty: for a finished job, whose remaining output is shipped at once.
  std::deque<std::string> drain();
  bool empty() const { return sealed_.empty() && open_.empty(); }
  std::size_t buffered_bytes() const { return buffered_; }
  void clear();

 private:
  void seal();
  Limits limits_;
  std::deque<std::string> sealed_;
  std::string open_;
  TimePoint open_since_{};
  std::size_t buffered_ = 0;
  std::size_t dropped_ = 0;
};

}  // namespace colonies::executors
