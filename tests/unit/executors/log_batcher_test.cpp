// LogBatcher: coalescing by time and size, order on retry, memory bound. Time is passed in.
#include "executors/common/log_batcher.hpp"

#include <gtest/gtest.h>

namespace colonies::executors {
namespace {

using namespace std::chrono_literals;
using TP = LogBatcher::TimePoint;

TP at(int ms) { return TP{} + std::chrono::milliseconds(ms); }

TEST(LogBatcherTest, HoldsLinesUntilTheOldestHasWaitedMaxDelay) {
  LogBatcher b(LogBatcher::Limits{200ms, 1024, 4096});
  b.add("one", at(0));
  b.add("two", at(150));
  EXPECT_FALSE(b.due(at(199)));
  EXPECT_FALSE(b.take(at(199)).has_value());
  EXPECT_TRUE(b.due(at(200)));
  EXPECT_EQ(b.next_due(), at(200));
  EXPECT_EQ(b.take(at(200)), "one\ntwo\n");
  EXPECT_TRUE(b.empty());
  EXPECT_FALSE(b.next_due().has_value());
}

TEST(LogBatcherTest, CoalescesAChattyJobIntoBatchesOfMaxBytes) {
  LogBatcher b(LogBatcher::Limits{200ms, 100, 1 << 20});
  const std::string line(9, 'x');  // 10 bytes with its newline
  for (int i = 0; i < 1000; ++i) b.add(line, at(0));
  int batches = 0;
  while (auto batch = b.take(at(0))) {
    EXPECT_LE(batch->size(), 100u);
    ++batches;
  }
  EXPECT_EQ(batches, 100);  // 10 lines per call instead of 1000 calls
  EXPECT_TRUE(b.empty());
}

TEST(LogBatcherTest, ForceTakesTheOpenBatchEarly) {
  LogBatcher b;
  b.add("last words", at(0));
  EXPECT_FALSE(b.take(at(1)).has_value());
  EXPECT_EQ(b.take(at(1), true), "last words\n");
}

TEST(LogBatcherTest, RequeuedBatchIsShippedFirstAgain) {
  LogBatcher b(LogBatcher::Limits{200ms, 20, 1 << 20});
  b.add("aaaaaaaaaaaaaaa", at(0));
  b.add("bbbbbbbbbbbbbbb", at(0));
  auto first = b.take(at(0));
  ASSERT_EQ(first, "aaaaaaaaaaaaaaa\n");
  b.requeue(*first);
  EXPECT_EQ(b.take(at(0)), "aaaaaaaaaaaaaaa\n");
  EXPECT_FALSE(b.take(at(0)).has_value());  // the second line is still in the open batch
  EXPECT_EQ(b.take(at(200)), "bbbbbbbbbbbbbbb\n");
}

TEST(LogBatcherTest, DropsOldestBatchesBeyondTheBufferBoundAndSaysSo) {
  LogBatcher b(LogBatcher::Limits{200ms, 10, 50});
  for (int i = 0; i < 20; ++i) b.add("123456789", at(0));  // 20 sealed batches of 10 bytes
  EXPECT_LE(b.buffered_bytes(), 50u);
  auto marker = b.take(at(0));
  ASSERT_TRUE(marker.has_value());
  EXPECT_NE(marker->find("150 bytes of output dropped"), std::string::npos) << *marker;
  int rest = 0;
  while (b.take(at(0), true)) ++rest;
  EXPECT_EQ(rest, 5);
}

}  // namespace
}  // namespace colonies::executors
