// Channels end to end over loopback with the real coloniesd and SQLite: the submitter and the
// executor exchange entries, an outsider is refused, and everything survives a restart (kill -9:
// acknowledged entries were durable), with positions and sequences continuing afterwards.
#include <thread>

#include <gtest/gtest.h>

#include "tests/integration/server/colony_server_test.hpp"

namespace colonies::testing {
namespace {

using namespace std::chrono_literals;

class ChannelTest : public ColonyServerTest<> {
 protected:
  void SetUp() override { start_server("exec", "worker"); }
  static std::vector<std::string> payloads(const Result<std::vector<model::ChannelEntry>>& entries) {
    std::vector<std::string> out;
    if (entries) for (const auto& e : *entries) out.push_back(e.payload);
    return out;
  }

};

TEST_F(ChannelTest, ExchangeSurvivesARestart) {
  auto user = connect(server_->port(), setup_.user);
  auto executor = connect(server_->port(), executor_);
  auto spec = make_spec(setup_.colony, "worker", "chat");
  spec.channels = {"chat"};
  auto process = user.submit(spec);
  ASSERT_TRUE(process.has_value()) << process.error().message;
  ASSERT_TRUE(executor.assign(setup_.colony, 5).has_value());

  auto q = user.channel_append(process->processid, "chat", 1, std::string("what is 6*7?\0", 13));
  ASSERT_TRUE(q.has_value()) << q.error().message;
  EXPECT_EQ(q->position, 1);
  auto a = executor.channel_append(process->processid, "chat", 1, "42", "data", q->position);
  ASSERT_TRUE(a.has_value()) << a.error().message;
  EXPECT_EQ(a->inreplyto, 1);

  Key stranger = new_key();
  auto outsider = connect(server_->port(), stranger);
  auto refused = outsider.channel_read(process->processid, "chat");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(outsider.last_reply_status(), 403);

  server_->kill9();
  ASSERT_TRUE(server_->start()) << server_->error();
  auto user2 = connect(server_->port(), setup_.user);
  EXPECT_EQ(payloads(user2.channel_read(process->processid, "chat")),
            (std::vector<std::string>{std::string("what is 6*7?\0", 13), "42"}));
  auto dup = user2.channel_append(process->processid, "chat", 1, "again");
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(user2.last_reply_status(), 409);
  auto next = user2.channel_append(process->processid, "chat", 2, "thanks", "end");
  ASSERT_TRUE(next.has_value()) << next.error().message;
  EXPECT_EQ(next->position, 3);
  EXPECT_EQ(payloads(user2.channel_read(process->processid, "chat", 2)), (std::vector<std::string>{"thanks"}));
}

TEST_F(ChannelTest, SubscriptionDeliversBacklogThenLiveEntriesUntilTheProcessEnds) {
  auto user = connect(server_->port(), setup_.user);
  auto spec = make_spec(setup_.colony, "worker", "stream");
  spec.channels = {"out"};
  auto process = user.submit(spec);
  ASSERT_TRUE(process.has_value()) << process.error().message;
  auto executor = connect(server_->port(), executor_);
  ASSERT_TRUE(executor.assign(setup_.colony, 5).has_value());
  ASSERT_TRUE(executor.channel_append(process->processid, "out", 1, "first").has_value());

  auto sub = user.open_channel_subscription(process->processid, "out", 0, 30);
  ASSERT_TRUE(sub.has_value()) << sub.error().message;
  std::thread producer([&] {
    auto e = connect(server_->port(), executor_);
    (void)e.channel_append(process->processid, "out", 2, "second");
    (void)e.channel_append(process->processid, "out", 3, "third", "end");
    (void)e.close_successful(process->processid);
  });
  std::vector<std::string> seen;
  for (;;) {
    auto batch = (*sub)->next_entries(10s);
    ASSERT_TRUE(batch.has_value()) << batch.error().message;
    if (!batch->has_value()) break;
    for (const auto& e : **batch) seen.push_back(e.payload);
  }
  producer.join();
  EXPECT_FALSE((*sub)->timed_out());
  EXPECT_EQ(seen, (std::vector<std::string>{"first", "second", "third"}));
}

}  // namespace
}  // namespace colonies::testing
