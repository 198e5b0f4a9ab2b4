// The broker while its store is down (a database outage): a request whose change is queued
// before the outage is noticed waits and succeeds once the store is back (never acknowledged
// before it is durable); requests arriving while the store is known to be down get 503 at once.
#include <chrono>
#include <thread>

#include "tests/unit/server/broker_fixture.hpp"

namespace colonies::server::api {
namespace {

// Polls `condition` (the commit queue retries on its own thread with real-time backoff).
template <class F>
bool eventually(F&& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

TEST_F(BrokerTest, RefusesRequestsWith503WhileTheStoreIsDownAndLosesNoQueuedChange) {
  h_.store().set_unavailable(true);
  // Queued before the outage is noticed: it waits for the store.
  auto pending = h_.send(user_, msg::kSubmitFunctionSpec, {{"spec", spec()}});
  ASSERT_TRUE(eventually([&] { return !h_.broker().healthy(); }));
  EXPECT_EQ(pending.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);

  auto refused = h_.call(user_, msg::kSubmitFunctionSpec, {{"spec", spec()}});
  EXPECT_EQ(refused.status, 503) << testing::describe(refused);
  EXPECT_NE(testing::describe(refused).find("storage unavailable"), std::string::npos) << testing::describe(refused);

  h_.store().set_unavailable(false);
  auto accepted = h_.wait(pending);
  ASSERT_EQ(accepted.status, 200) << testing::describe(accepted);
  const std::string id = id_of(accepted);
  ASSERT_TRUE(eventually([&] { return h_.broker().healthy(); }));
  // Durable: a restarted server over the same store knows the process.
  h_.flush();
  auto restarted = h_.restart();
  auto got = restarted->get_process(user_, id);
  EXPECT_EQ(got.status, 200) << testing::describe(got);
}

}  // namespace
}  // namespace colonies::server::api
