// Channels through the broker: who may use them (the submitter and the assigned executor, only
// declared channels), ordering per sender, positions and afterseq, the size, count and rate
// limits (rate on the injected clock), read-only after the end, surviving a restart, and
// subscribechannelmsg (backlog, then live entries, ending with the process).
#include <gtest/gtest.h>

#include "core/protocol/encoding.hpp"
#include "tests/support/recording_stream.hpp"
#include "tests/unit/server/broker_fixture.hpp"

namespace colonies::server::api {
namespace {

class BrokerChannelTest : public BrokerTest {
 protected:
  BrokerChannelTest() {
    json::object s = spec();
    s["channels"] = json::array{"chat"};
    id_ = submit(std::move(s));
  }
  ApiReply append(const Identity& who, std::int64_t sequence, const std::string& text = "hello",
                  const std::string& name = "chat", BrokerHarness* h = nullptr) {
    return (h ? *h : h_).call(who, msg::kChannelAppend,
                              {{"processid", id_},
                               {"name", name},
                               {"sequence", sequence},
                               {"inreplyto", 0},
                               {"payload", protocol::base64_encode(text)},
                               {"payloadtype", "data"}});
  }
  ApiReply read(const Identity& who, std::int64_t after = 0, int limit = 100, BrokerHarness* h = nullptr) {
    return (h ? *h : h_).call(who, msg::kChannelRead, {{"processid", id_}, {"name", "chat"}, {"afterseq", after}, {"limit", limit}});
  }
  static std::vector<std::string> payloads(const ApiReply& r) {
    std::vector<std::string> out;
    if (!r.payload.is_array()) return out;
    for (const auto& e : r.payload.as_array()) out.push_back(*protocol::base64_decode(e.at("payload").as_string()));
    return out;
  }
  static std::int64_t position(const ApiReply& r) { return r.payload.at("position").as_int64(); }
  void assign() { ASSERT_EQ(h_.assign(executor_, "alpha").status, 200); }

  std::string id_;
};

// The submitter keeps its processes' channels when it changes keys (the channel check compares
// the caller with the process's initiatorid, which the rotation carries over).
TEST_F(BrokerChannelTest, TheSubmitterKeepsItsChannelsAfterChangingKeys) {
  assign();
  Identity rotated = h_.new_identity("user");
  auto r = h_.call(user_, msg::kChangeUserId, {{"colonyname", colony_.name}, {"userid", rotated.id}});
  ASSERT_EQ(r.status, 200) << testing::describe(r);
  user_ = rotated;
  auto sent = append(rotated, 1, "still mine");
  ASSERT_EQ(sent.status, 200) << testing::describe(sent);
  EXPECT_EQ(payloads(read(executor_)), (std::vector<std::string>{"still mine"}));
  EXPECT_EQ(process(id_).at("initiatorid").as_string(), rotated.id);
}

TEST_F(BrokerChannelTest, SubmitterAndExecutorExchangeInOrder) {
  assign();
  auto first = append(user_, 1, "question");
  ASSERT_EQ(first.status, 200) << testing::describe(first);
  EXPECT_EQ(position(first), 1);
  EXPECT_EQ(first.payload.at("senderid").as_string(), user_.id);
  ASSERT_EQ(append(executor_, 1, "answer").status, 200);
  ASSERT_EQ(append(user_, 2, "thanks").status, 200);
  auto all = read(executor_);
  ASSERT_EQ(all.status, 200) << testing::describe(all);
  EXPECT_EQ(payloads(all), (std::vector<std::string>{"question", "answer", "thanks"}));
  EXPECT_EQ(payloads(read(user_, /*after=*/1)), (std::vector<std::string>{"answer", "thanks"}));
  EXPECT_EQ(payloads(read(user_, 0, /*limit=*/1)), (std::vector<std::string>{"question"}));
}

TEST_F(BrokerChannelTest, SequenceMustGrowPerSender) {
  ASSERT_EQ(append(user_, 5).status, 200);
  EXPECT_EQ(append(user_, 5).status, 409);  // duplicate
  EXPECT_EQ(append(user_, 4).status, 409);  // backwards
  assign();
  EXPECT_EQ(append(executor_, 1).status, 200);  // another sender has its own sequence
  EXPECT_EQ(append(user_, 6).status, 200);
  EXPECT_EQ(append(user_, 0).status, 400);
}

TEST_F(BrokerChannelTest, OnlySubmitterAndAssignedExecutorMayUseIt) {
  Identity other_user = h_.add_user(colony_, "other-user");
  Identity other_executor = h_.add_executor(colony_, "other-exec");
  EXPECT_EQ(append(executor_, 1).status, 403);  // not assigned yet
  assign();
  EXPECT_EQ(append(other_user, 1).status, 403);
  EXPECT_EQ(append(other_executor, 1).status, 403);
  EXPECT_EQ(read(other_user).status, 403);
  EXPECT_EQ(append(colony_.owner, 1).status, 403);
  EXPECT_EQ(append(executor_, 1).status, 200);
}

TEST_F(BrokerChannelTest, UndeclaredChannelIsNotFound) {
  auto r = append(user_, 1, "x", "elsewhere");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(testing::error_message(r).find("elsewhere"), std::string::npos) << testing::describe(r);
}

TEST_F(BrokerChannelTest, OversizedMessageIs413) {
  BrokerHarness::Options options;
  options.broker.channel_message_limit = 8;
  BrokerHarness h(options);
  auto colony = h.add_colony("alpha");
  Identity user = h.add_user(colony, "user");
  json::object s = BrokerHarness::spec("alpha");
  s["channels"] = json::array{"chat"};
  id_ = std::string(h.submit(user, std::move(s)).at("processid").as_string());
  EXPECT_EQ(append(user, 1, "12345678", "chat", &h).status, 200);
  auto r = append(user, 2, "123456789", "chat", &h);
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(testing::error_message(r).find("9 bytes exceeds the limit of 8"), std::string::npos) << testing::describe(r);
}

TEST_F(BrokerChannelTest, RateLimitIs429AndRefillsWithTheClock) {
  BrokerHarness::Options options;
  options.broker.channel_rate = {2, 3};
  BrokerHarness h(options);
  auto colony = h.add_colony("alpha");
  Identity user = h.add_user(colony, "user");
  json::object s = BrokerHarness::spec("alpha");
  s["channels"] = json::array{"chat"};
  id_ = std::string(h.submit(user, std::move(s)).at("processid").as_string());
  for (int i = 1; i <= 3; ++i) EXPECT_EQ(append(user, i, "x", "chat", &h).status, 200);
  EXPECT_EQ(append(user, 4, "x", "chat", &h).status, 429);
  h.clock().advance(std::chrono::milliseconds(500));  // one token at 2/s
  EXPECT_EQ(append(user, 5, "x", "chat", &h).status, 200);
  EXPECT_EQ(append(user, 6, "x", "chat", &h).status, 429);
}

TEST_F(BrokerChannelTest, FullChannelIsRefused) {
  BrokerHarness::Options options;
  options.broker.channel_max_entries = 2;
  BrokerHarness h(options);
  auto colony = h.add_colony("alpha");
  Identity user = h.add_user(colony, "user");
  json::object s = BrokerHarness::spec("alpha");
  s["channels"] = json::array{"chat"};
  id_ = std::string(h.submit(user, std::move(s)).at("processid").as_string());
  EXPECT_EQ(append(user, 1, "x", "chat", &h).status, 200);
  EXPECT_EQ(append(user, 2, "x", "chat", &h).status, 200);
  EXPECT_EQ(append(user, 3, "x", "chat", &h).status, 409);
}

TEST_F(BrokerChannelTest, FinishedProcessIsReadOnlyButReadable) {
  assign();
  ASSERT_EQ(append(executor_, 1, "last words").status, 200);
  ASSERT_EQ(h_.close_successful(executor_, id_).status, 200);
  EXPECT_EQ(append(executor_, 2).status, 404);
  EXPECT_EQ(payloads(read(user_)), (std::vector<std::string>{"last words"}));
  Identity other_user = h_.add_user(colony_, "other-user");
  EXPECT_EQ(read(other_user).status, 403);
}

TEST_F(BrokerChannelTest, SurvivesARestartAndContinuesPositionsAndSequences) {
  assign();
  ASSERT_EQ(append(user_, 1, "a").status, 200);
  ASSERT_EQ(append(user_, 2, "b").status, 200);
  h_.flush();
  auto restarted = h_.restart();
  EXPECT_EQ(payloads(read(user_, 0, 100, restarted.get())), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(append(user_, 2, "dup", "chat", restarted.get()).status, 409);
  auto next = append(user_, 3, "c", "chat", restarted.get());
  ASSERT_EQ(next.status, 200) << testing::describe(next);
  EXPECT_EQ(position(next), 3);
}

TEST_F(BrokerChannelTest, RemovingTheProcessRemovesItsChannels) {
  ASSERT_EQ(append(user_, 1, "a").status, 200);
  ASSERT_EQ(h_.call(user_, msg::kCancelProcess, {{"processid", id_}}).status, 200);
  ASSERT_EQ(h_.call(user_, msg::kRemoveProcess, {{"processid", id_}, {"all", false}}).status, 200);
  h_.flush();
  auto left = h_.store().list_channel_entries({id_, "chat", 0, 100});
  ASSERT_TRUE(left);
  EXPECT_TRUE(left->empty());
}

TEST_F(BrokerChannelTest, SubscriptionSendsTheBacklogThenNewEntriesThenEndsWithTheProcess) {
  assign();
  ASSERT_EQ(append(user_, 1, "one").status, 200);
  ASSERT_EQ(append(user_, 2, "two").status, 200);
  auto stream = std::make_shared<testing::RecordingStream>();
  h_.broker().subscribe(h_.signed_request(executor_, msg::kSubscribeChannel,
                                          {{"processid", id_}, {"name", "chat"}, {"afterseq", 1}, {"timeout", 60}}),
                        stream);
  ASSERT_TRUE(stream->wait_frames(1));
  ASSERT_EQ(append(executor_, 1, "three").status, 200);
  ASSERT_TRUE(stream->wait_frames(2));
  auto frames = stream->frames();
  ASSERT_EQ(frames[0].payloadtype, "subscribechannelmsg");
  ASSERT_EQ(frames[0].payload.as_array().size(), 1u);  // only after position 1
  EXPECT_EQ(frames[0].payload.as_array()[0].at("position").as_int64(), 2);
  EXPECT_EQ(frames[1].payload.as_array()[0].at("position").as_int64(), 3);
  ASSERT_EQ(h_.close_successful(executor_, id_).status, 200);
  EXPECT_TRUE(stream->wait_ended());
}

TEST_F(BrokerChannelTest, SubscriptionIsRefusedToOthers) {
  Identity other_user = h_.add_user(colony_, "other-user");
  auto stream = std::make_shared<testing::RecordingStream>();
  h_.broker().subscribe(h_.signed_request(other_user, msg::kSubscribeChannel,
                                          {{"processid", id_}, {"name", "chat"}, {"afterseq", 0}, {"timeout", 60}}),
                        stream);
  ASSERT_TRUE(stream->wait_ended());
  ASSERT_EQ(stream->frames().size(), 1u);
  EXPECT_EQ(testing::error_status(stream->frames()[0]), 403);
}

TEST_F(BrokerChannelTest, SubscriptionToAFinishedProcessSendsEverythingAndEnds) {
  assign();
  ASSERT_EQ(append(executor_, 1, "bye").status, 200);
  ASSERT_EQ(h_.close_successful(executor_, id_).status, 200);
  auto stream = std::make_shared<testing::RecordingStream>();
  h_.broker().subscribe(h_.signed_request(user_, msg::kSubscribeChannel,
                                          {{"processid", id_}, {"name", "chat"}, {"afterseq", 0}, {"timeout", 60}}),
                        stream);
  ASSERT_TRUE(stream->wait_ended());
  ASSERT_EQ(stream->frames().size(), 1u);
  EXPECT_EQ(stream->frames()[0].payload.as_array().size(), 1u);
}

}  // namespace
}  // namespace colonies::server::api
