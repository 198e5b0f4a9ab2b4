// Shards and sums of the lock-free counters (see counter.hpp).
#include "core/metrics/counter.hpp"

namespace colonies::metrics {

namespace {
std::atomic<std::size_t> next_shard{0};
}  // namespace

std::size_t this_thread_shard() noexcept {
  thread_local const std::size_t shard = next_shard.fetch_add(1, std::memory_order_relaxed) % kShards;
  return shard;
}

CounterArray::CounterArray(std::size_t width)
    : width_(width == 0 ? 1 : width),
      stride_((width_ + 7) / 8 * 8),
      lines_(new Line[kShards * stride_ / 8]),
      cells_(&lines_[0].cell[0]) {
  for (std::size_t i = 0; i < kShards * stride_; ++i) cells_[i].store(0, std::memory_order_relaxed);
}

std::uint64_t CounterArray::value(std::size_t index) const noexcept {
  std::uint64_t sum = 0;
  for (std::size_t s = 0; s < kShards; ++s) sum += cells_[s * stride_ + index].load(std::memory_order_relaxed);
  return sum;
}

}  // namespace colonies::metrics
