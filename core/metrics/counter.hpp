// Lock-free instruments for hot paths: a Counter and a group of counters (CounterArray), each
// spread over per-thread shards on separate cache lines, so that I/O threads counting the same
// thing never share a cache line and never take a lock. Reading sums the shards (a scrape, not a
// hot path). Plain memory, no I/O: rendering them is adapters/observability's job.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace colonies::metrics {

// Shards per instrument. Threads take shards round-robin in the order they first count, so up to
// this many threads never contend; beyond it two threads share a shard (still correct, relaxed
// atomic adds, just a shared cache line).
inline constexpr std::size_t kShards = 16;

// This thread's shard, 0 <= shard < kShards; fixed for the thread's life.
std::size_t this_thread_shard() noexcept;

// `width` counters that are always updated by the same threads (the status codes of one message
// type, the buckets of a histogram). Each shard holds all of them contiguously, padded to whole
// cache lines. Thread-safe; add() is one relaxed atomic add.
class CounterArray {
 public:
  explicit CounterArray(std::size_t width);
  CounterArray(const CounterArray&) = delete;
  CounterArray& operator=(const CounterArray&) = delete;

  // Precondition: index < width().
  void add(std::size_t index, std::uint64_t n = 1) noexcept {
    cells_[this_thread_shard() * stride_ + index].fetch_add(n, std::memory_order_relaxed);
  }
  // The sum over every shard. Concurrent adds may or may not be included.
  std::uint64_t value(std::size_t index) const noexcept;
  std::size_t width() const noexcept { return width_; }

 private:
  struct alignas(64) Line {
    std::atomic<std::uint64_t> cell[8];
  };
  std::size_t width_;
  std::size_t stride_;  // cells per shard: width rounded up to whole lines
  std::unique_ptr<Line[]> lines_;
  std::atomic<std::uint64_t>* cells_;
};

// One monotonically increasing count.
class Counter {
 public:
  Counter() : cells_(1) {}
  void add(std::uint64_t n = 1) noexcept { cells_.add(0, n); }
  std::uint64_t value() const noexcept { return cells_.value(0); }

 private:
  CounterArray cells_;
};

}  // namespace colonies::metrics
