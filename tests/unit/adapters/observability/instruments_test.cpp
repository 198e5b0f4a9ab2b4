// The lock-free instruments of core/metrics: sums over shards under concurrent use, histogram
// bucket boundaries and snapshots.
#include <array>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/metrics/counter.hpp"
#include "core/metrics/histogram.hpp"

namespace colonies::metrics {
namespace {

TEST(CounterTest, SumsWhatManyThreadsAdd) {
  Counter c;
  CounterArray codes(3);
  constexpr int kThreads = 24;  // more threads than shards: some share one
  constexpr int kEach = 10'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        c.add();
        codes.add(static_cast<std::size_t>(t % 3), 2);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), std::uint64_t{kThreads} * kEach);
  EXPECT_EQ(codes.value(0) + codes.value(1) + codes.value(2), std::uint64_t{kThreads} * kEach * 2);
  EXPECT_EQ(codes.value(0), std::uint64_t{8} * kEach * 2);
}

TEST(CounterTest, ShardsStayTheSameForAThread) {
  const auto shard = this_thread_shard();
  EXPECT_LT(shard, kShards);
  EXPECT_EQ(this_thread_shard(), shard);
}

TEST(HistogramTest, PutsValuesInTheFirstBucketWhoseBoundIsAtLeastThem) {
  const std::array<std::int64_t, 3> bounds{10, 20, 30};
  Histogram h(bounds);
  for (std::int64_t v : {-5, 0, 10, 11, 20, 30, 31, 1000}) h.observe(v);
  const auto s = h.snapshot();
  ASSERT_EQ(s.cumulative.size(), 4u);
  EXPECT_EQ(s.cumulative[0], 3u);  // -5, 0, 10
  EXPECT_EQ(s.cumulative[1], 5u);  // + 11, 20
  EXPECT_EQ(s.cumulative[2], 6u);  // + 30
  EXPECT_EQ(s.cumulative[3], 8u);  // + 31, 1000
  EXPECT_EQ(s.count, 8u);
  EXPECT_EQ(s.sum, -5 + 0 + 10 + 11 + 20 + 30 + 31 + 1000);
}

TEST(HistogramTest, CountsEveryObservationOfManyThreads) {
  Histogram h(latency_bounds_ns());
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5'000; ++i) h.observe(std::chrono::microseconds(300));
    });
  }
  for (auto& t : threads) t.join();
  const auto s = h.snapshot();
  EXPECT_EQ(s.count, 40'000u);
  EXPECT_EQ(s.sum, std::int64_t{40'000} * 300'000);
  // 300 us lands in the 500 us bucket (index 3 of 50, 100, 250, 500 us ...).
  EXPECT_EQ(s.cumulative[2], 0u);
  EXPECT_EQ(s.cumulative[3], 40'000u);
}

TEST(HistogramTest, RefusesBoundsThatAreEmptyOrNotAscending) {
  EXPECT_THROW(Histogram(std::span<const std::int64_t>{}), std::invalid_argument);
  const std::array<std::int64_t, 3> repeated{1, 2, 2};
  EXPECT_THROW(Histogram{repeated}, std::invalid_argument);
  const std::array<std::int64_t, 2> descending{5, 1};
  EXPECT_THROW(Histogram{descending}, std::invalid_argument);
}

TEST(HistogramTest, ProjectBoundsAscendFromMicrosecondsToAMinute) {
  const auto ns = latency_bounds_ns();
  EXPECT_EQ(ns.front(), 50'000);
  EXPECT_EQ(ns.back(), 60'000'000'000);
  const auto sizes = size_bounds();
  EXPECT_EQ(sizes.front(), 1);
  EXPECT_EQ(sizes.back(), 16384);
}

}  // namespace
}  // namespace colonies::metrics
