// The token bucket and the per-identity rate limiter on a fake clock: refusal past the burst,
// refill with time, independent keys, the retry hint, one "first refusal" per streak, and the
// idle buckets forgotten so that memory follows recent traffic only.
#include <gtest/gtest.h>

#include "server/limits/rate_limiter.hpp"
#include "server/limits/token_bucket.hpp"
#include "tests/support/fake_clock.hpp"

namespace colonies::server::limits {
namespace {

using namespace std::chrono_literals;
using testing::FakeClock;

TEST(TokenBucketTest, StartsFullRefusesPastTheBurstAndRefillsWithTime) {
  const RateLimit limit{2, 3};
  const model::TimeNs t0 = FakeClock::kDefaultStart;
  TokenBucket bucket;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(bucket.take(t0, limit)) << i;
  EXPECT_FALSE(bucket.take(t0, limit));
  EXPECT_EQ(bucket.wait_for_token(t0, limit), 500'000'000);  // one token at 2/s
  EXPECT_FALSE(bucket.take(t0 + 499'000'000, limit));
  EXPECT_TRUE(bucket.take(t0 + 500'000'000, limit));
  EXPECT_FALSE(bucket.full(t0 + 500'000'000, limit));
  EXPECT_TRUE(bucket.full(t0 + 2'000'000'000, limit));  // 3 tokens at 2/s take 1.5 s
}

TEST(TokenBucketTest, NeverHoldsMoreThanTheBurstAndIgnoresTimeGoingBack) {
  const RateLimit limit{1000, 2};
  const model::TimeNs t0 = FakeClock::kDefaultStart;
  TokenBucket bucket;
  EXPECT_TRUE(bucket.take(t0, limit));
  const model::TimeNs later = t0 + 3'600'000'000'000;  // an hour idle
  EXPECT_TRUE(bucket.take(later, limit));
  EXPECT_TRUE(bucket.take(later, limit));
  EXPECT_FALSE(bucket.take(later, limit));
  EXPECT_FALSE(bucket.take(later - 1'000'000'000, limit)) << "an earlier time must not refill";
}

TEST(RateLimiterTest, RefusesAnIdentityPastItsBurstWithoutChargingOthers) {
  FakeClock clock;
  RateLimiter limiter({10, 5}, clock);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.take("alice").admitted) << i;
  auto refused = limiter.take("alice");
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.retry_after, 100'000'000);
  EXPECT_TRUE(limiter.take("bob").admitted);
  clock.advance(100ms);
  EXPECT_TRUE(limiter.take("alice").admitted);
  EXPECT_FALSE(limiter.take("alice").admitted);
  EXPECT_EQ(limiter.refused(), 2u);
}

TEST(RateLimiterTest, ReportsOnlyTheFirstRefusalOfAStreak) {
  FakeClock clock;
  RateLimiter limiter({1, 1}, clock);
  EXPECT_TRUE(limiter.take("alice").admitted);
  EXPECT_TRUE(limiter.take("alice").first_refusal);
  EXPECT_FALSE(limiter.take("alice").first_refusal);
  EXPECT_FALSE(limiter.take("alice").first_refusal);
  // Once the bucket is full again it is swept away (by the next take in its shard, this one),
  // and a new streak is reported again.
  clock.advance(5s);
  EXPECT_TRUE(limiter.take("alice").admitted);
  EXPECT_TRUE(limiter.take("alice").first_refusal);
}

TEST(RateLimiterTest, OffAdmitsEverythingAndStoresNothing) {
  FakeClock clock;
  RateLimiter limiter({0, 0}, clock);
  for (int i = 0; i < 10'000; ++i) ASSERT_TRUE(limiter.take("alice").admitted);
  EXPECT_EQ(limiter.size(), 0u);
  EXPECT_EQ(limiter.refused(), 0u);
}

TEST(RateLimiterTest, ForgetsIdleIdentitiesSoMemoryFollowsRecentTraffic) {
  FakeClock clock;
  RateLimiter limiter({100, 200}, clock);  // an emptied bucket is full again after 2 s
  for (int i = 0; i < 10'000; ++i) limiter.take("one-off-" + std::to_string(i));
  EXPECT_EQ(limiter.size(), 10'000u);
  clock.advance(2s);
  // Each shard sweeps on its next take after its period: a few hundred keys reach all 16.
  for (int i = 0; i < 256; ++i) limiter.take("fresh-" + std::to_string(i));
  EXPECT_EQ(limiter.size(), 256u);
}

TEST(RateLimiterTest, KeepsTheStateOfABusyIdentityAcrossSweeps) {
  FakeClock clock;
  RateLimiter limiter({1, 2}, clock);
  EXPECT_TRUE(limiter.take("alice").admitted);
  EXPECT_TRUE(limiter.take("alice").admitted);
  EXPECT_FALSE(limiter.take("alice").admitted);
  clock.advance(1s);  // the next take sweeps alice's shard: her bucket holds 1 of 2 tokens
  EXPECT_TRUE(limiter.take("alice").admitted);
  EXPECT_FALSE(limiter.take("alice").admitted) << "a sweep must not refill a bucket that is not full";
}

}  // namespace
}  // namespace colonies::server::limits
