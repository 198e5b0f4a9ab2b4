// Broker start-up: the server owner must be known before the broker serves anything, and a
// restart refuses requests signed before it (their nonces were not kept).
#include <gtest/gtest.h>

#include "adapters/crypto/sodium_crypto.hpp"
#include "server/api/broker.hpp"
#include "tests/support/fake_clock.hpp"
#include "tests/support/fake_leadership.hpp"
#include "tests/support/fake_random.hpp"
#include "tests/support/memory_store.hpp"
#include "tests/support/sequential_ids.hpp"

namespace colonies::server::api {
namespace {

struct Parts {
  colonies::testing::MemoryStore store;
  commit::CommitQueue commits{store, commit::CommitOptions{}};
  crypto::SodiumCrypto crypto;
  colonies::testing::FakeClock clock;
  colonies::testing::SequentialIds ids{"st"};
  colonies::testing::FakeLeadership leadership;
  colonies::testing::ScriptedRandom random;
  Broker make() {
    return Broker(
        BrokerDeps{store, commits, crypto, clock, ids, [](std::function<void()> w) { w(); }, leadership, random}, {});
  }
};

TEST(BrokerStartupTest, RefusesToStartWithoutAServerOwner) {
  Parts parts;
  Broker broker = parts.make();
  auto loaded = broker.load("");
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, ErrorCode::BadRequest);
  EXPECT_NE(loaded.error().message.find("--server-id"), std::string::npos);
}

TEST(BrokerStartupTest, KeepsTheStoredOwnerOnLaterStarts) {
  Parts parts;
  const std::string first(64, 'a');
  const std::string second(64, 'b');
  ASSERT_TRUE(parts.make().load(first));
  ASSERT_TRUE(parts.make().load(""));  // no id needed once one is stored
  ASSERT_TRUE(parts.make().load(second));
  auto snapshot = parts.store.load();
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(snapshot->server_id, first);
}

TEST(BrokerStartupTest, RejectsAMalformedServerId) {
  Parts parts;
  auto loaded = parts.make().load("not-hex");
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, ErrorCode::BadRequest);
}

}  // namespace
}  // namespace colonies::server::api
