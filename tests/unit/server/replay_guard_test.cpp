// ReplayGuard: the (signer, nonce) memory and the timestamp window, driven with explicit times
// (no clock, no sleeps). Envelope-level checks are authenticator_test.cpp.
#include <gtest/gtest.h>

#include <limits>

#include "server/auth/replay_guard.hpp"

namespace colonies::server::auth {
namespace {

constexpr std::int64_t kNow = 1'790'000'000;
const std::string kSigner(64, 'a');
const std::string kOtherSigner(64, 'b');
const std::string kNonce = "0123456789abcdef0123456789abcdef";
const std::string kOtherNonce = "fedcba9876543210fedcba9876543210";

TEST(ReplayGuardTest, AcceptsAFreshNonceOnce) {
  ReplayGuard guard(300);
  EXPECT_TRUE(guard.check(kSigner, kNonce, kNow, kNow).has_value());
  auto again = guard.check(kSigner, kNonce, kNow, kNow);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::Unauthenticated);
}

TEST(ReplayGuardTest, RefusesRequestsSignedBeforeTheServerStarted) {
  // After a restart the nonce memory is empty, so anything older than the start is refused.
  ReplayGuard guard(300);
  guard.set_not_before(kNow);
  auto old = guard.check(kSigner, kNonce, kNow - 1, kNow);
  ASSERT_FALSE(old.has_value());
  EXPECT_EQ(old.error().code, ErrorCode::Unauthenticated);
  EXPECT_TRUE(guard.check(kSigner, kNonce, kNow, kNow).has_value());
}

TEST(ReplayGuardTest, RefusesReplayWithADifferentTimestamp) {
  ReplayGuard guard(300);
  ASSERT_TRUE(guard.check(kSigner, kNonce, kNow, kNow).has_value());
  EXPECT_FALSE(guard.check(kSigner, kNonce, kNow + 1, kNow + 2).has_value());
}

TEST(ReplayGuardTest, SameNonceOfAnotherSignerIsNotAReplay) {
  ReplayGuard guard(300);
  ASSERT_TRUE(guard.check(kSigner, kNonce, kNow, kNow).has_value());
  EXPECT_TRUE(guard.check(kOtherSigner, kNonce, kNow, kNow).has_value());
  EXPECT_TRUE(guard.check(kSigner, kOtherNonce, kNow, kNow).has_value());
}

TEST(ReplayGuardTest, RefusesStaleTimestamps) {
  ReplayGuard guard(300);
  EXPECT_TRUE(guard.check(kSigner, kNonce, kNow - 300, kNow).has_value()) << "the window is inclusive";
  auto stale = guard.check(kSigner, kOtherNonce, kNow - 301, kNow);
  ASSERT_FALSE(stale.has_value());
  EXPECT_EQ(stale.error().code, ErrorCode::Unauthenticated);
}

// Found by the envelope fuzzer: timestamp - now overflowed (undefined behaviour) for timestamps
// near the int64 limits, which any signer may write.
TEST(ReplayGuardTest, RefusesTimestampsAtTheInt64LimitsWithoutOverflow) {
  ReplayGuard guard(300);
  for (std::int64_t t : {std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(),
                         std::numeric_limits<std::int64_t>::min() + kNow}) {
    auto refused = guard.check(kSigner, kNonce, t, kNow);
    ASSERT_FALSE(refused.has_value()) << t;
    EXPECT_EQ(refused.error().code, ErrorCode::Unauthenticated);
    EXPECT_NE(refused.error().message.find("check the client's clock"), std::string::npos) << refused.error().message;
  }
  EXPECT_TRUE(guard.check(kSigner, kNonce, kNow, kNow).has_value()) << "refusals record no nonce";
}

TEST(ReplayGuardTest, RefusesFutureTimestamps) {
  ReplayGuard guard(300);
  EXPECT_TRUE(guard.check(kSigner, kNonce, kNow + 300, kNow).has_value());
  auto future = guard.check(kSigner, kOtherNonce, kNow + 301, kNow);
  ASSERT_FALSE(future.has_value());
  EXPECT_EQ(future.error().code, ErrorCode::Unauthenticated);
}

TEST(ReplayGuardTest, ARefusedTimestampDoesNotBurnTheNonce) {
  ReplayGuard guard(300);
  ASSERT_FALSE(guard.check(kSigner, kNonce, kNow - 1000, kNow).has_value());
  EXPECT_TRUE(guard.check(kSigner, kNonce, kNow, kNow).has_value());
}

TEST(ReplayGuardTest, RemembersNoncesAsLongAsTheirTimestampIsAcceptable) {
  ReplayGuard guard(300);
  ASSERT_TRUE(guard.check(kSigner, kNonce, kNow + 300, kNow).has_value());  // clock skew ahead
  // 550 s later the original timestamp is still inside the window: still a replay.
  EXPECT_FALSE(guard.check(kSigner, kNonce, kNow + 300, kNow + 550).has_value());
}

TEST(ReplayGuardTest, ForgetsNoncesOnceTheirTimestampIsOutOfTheWindow) {
  ReplayGuard guard(300);
  ASSERT_TRUE(guard.check(kSigner, kNonce, kNow, kNow).has_value());
  // Much later the nonce is forgotten (bounded memory); the old request is refused as stale anyway.
  EXPECT_FALSE(guard.check(kSigner, kNonce, kNow, kNow + 700).has_value());
  EXPECT_TRUE(guard.check(kSigner, kNonce, kNow + 700, kNow + 700).has_value());
}

}  // namespace
}  // namespace colonies::server::auth
