// Backoff: doubling from the initial delay up to the cap, reset after success.
#include "executors/common/backoff.hpp"

#include <gtest/gtest.h>

namespace colonies::executors {
namespace {

using namespace std::chrono_literals;

TEST(BackoffTest, DoublesUpToTheCapAndResets) {
  Backoff b(100ms, 500ms);
  EXPECT_EQ(b.next(), 100ms);
  EXPECT_EQ(b.next(), 200ms);
  EXPECT_EQ(b.next(), 400ms);
  EXPECT_EQ(b.next(), 500ms);
  EXPECT_EQ(b.next(), 500ms);
  EXPECT_EQ(b.failures(), 5);
  b.reset();
  EXPECT_EQ(b.failures(), 0);
  EXPECT_EQ(b.next(), 100ms);
}

}  // namespace
}  // namespace colonies::executors
