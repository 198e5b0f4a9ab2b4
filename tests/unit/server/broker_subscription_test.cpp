// Realtime subscriptions through the broker: the first frame is authenticated and role-checked
// like a request (fix of spec §14.11: real membership, and the process must belong to the
// colony), events come from the commit queue after each durable batch whatever handler made the
// change, and timeouts follow the injected clock.
#include <gtest/gtest.h>

#include "tests/support/recording_stream.hpp"
#include "tests/unit/server/broker_fixture.hpp"

namespace colonies::server::api {
namespace {

using testing::error_status;
using testing::event_state;
using testing::RecordingStream;

class BrokerSubscriptionTest : public BrokerTest {
 protected:
  std::shared_ptr<RecordingStream> subscribe(const Identity& who, std::string_view type, json::object payload) {
    auto stream = std::make_shared<RecordingStream>();
    h_.broker().subscribe(h_.signed_request(who, type, std::move(payload)), stream);
    h_.flush();
    return stream;
  }
  std::shared_ptr<RecordingStream> subscribe_processes(const Identity& who, int state = -1, int timeout = 60) {
    return subscribe(who, msg::kSubscribeProcesses,
                     {{"colonyname", colony_.name}, {"executortype", "worker"}, {"state", state}, {"timeout", timeout}});
  }
  std::shared_ptr<RecordingStream> subscribe_process(const Identity& who, const std::string& id, int state,
                                                     const std::string& colony = "alpha") {
    return subscribe(who, msg::kSubscribeProcess,
                     {{"colonyname", colony}, {"processid", id}, {"executortype", ""}, {"state", state}, {"timeout", 60}});
  }
  // The frame the stream was refused with (it must have ended after it).
  static int refusal(const std::shared_ptr<RecordingStream>& stream) {
    EXPECT_TRUE(stream->wait_ended());
    auto frames = stream->frames();
    return frames.size() == 1 ? error_status(frames[0]) : -1;
  }
};

TEST_F(BrokerSubscriptionTest, MemberSeesSubmitAssignAndCloseInOrder) {
  auto stream = subscribe_processes(user_);
  EXPECT_TRUE(stream->frames().empty());
  std::string id = submit();
  ASSERT_EQ(h_.assign(executor_, "alpha").status, 200);
  ASSERT_EQ(h_.close_successful(executor_, id).status, 200);
  ASSERT_TRUE(stream->wait_frames(3));
  auto frames = stream->frames();
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(event_state(frames[0]), 0);
  EXPECT_EQ(event_state(frames[1]), 1);
  EXPECT_EQ(event_state(frames[2]), 2);
  for (const auto& f : frames) EXPECT_EQ(f.payload.at("processid").as_string(), id);
  EXPECT_FALSE(stream->ended());
}

TEST_F(BrokerSubscriptionTest, AnAcknowledgementAskedForComesFirstAndOnlyOnSuccess) {
  auto acked = subscribe(user_, msg::kSubscribeProcesses,
                         {{"colonyname", colony_.name}, {"executortype", "worker"}, {"state", -1}, {"ack", true}});
  std::string id = submit();
  ASSERT_TRUE(acked->wait_frames(2));
  auto frames = acked->frames();
  EXPECT_EQ(frames[0].payloadtype, msg::kSubscribed);
  EXPECT_FALSE(frames[0].error);
  EXPECT_EQ(frames[0].payload.at("msgtype").as_string(), msg::kSubscribeProcesses);
  EXPECT_EQ(frames[1].payloadtype, msg::kSubscribeProcesses);
  EXPECT_EQ(event_state(frames[1]), 0);

  ASSERT_EQ(h_.assign(executor_, "alpha").status, 200);
  auto one = subscribe(user_, msg::kSubscribeProcess,
                       {{"colonyname", colony_.name}, {"processid", id}, {"state", 2}, {"ack", true}});
  auto unknown = subscribe(user_, msg::kSubscribeProcess,
                                {{"colonyname", colony_.name}, {"processid", "nope"}, {"state", 2}, {"ack", true}});
  ASSERT_EQ(h_.close_successful(executor_, id).status, 200);
  ASSERT_TRUE(one->wait_frames(2));
  EXPECT_EQ(one->frames()[0].payloadtype, msg::kSubscribed);
  EXPECT_EQ(event_state(one->frames()[1]), 2);
  EXPECT_EQ(refusal(unknown), 404) << "a refused subscription is not acknowledged, only refused";

  auto outsider = h_.add_user(h_.add_colony("beta"), "outsider");
  auto refused = subscribe(outsider, msg::kSubscribeProcesses, {{"colonyname", colony_.name}, {"ack", true}});
  EXPECT_EQ(refusal(refused), 403);
  auto malformed = subscribe(user_, msg::kSubscribeProcesses, {{"colonyname", colony_.name}, {"ack", "yes"}});
  EXPECT_EQ(refusal(malformed), 400);
}

TEST_F(BrokerSubscriptionTest, WithoutAskingThereIsNoAcknowledgement) {
  auto stream = subscribe_processes(user_);
  submit();
  ASSERT_TRUE(stream->wait_frames(1));
  EXPECT_EQ(stream->frames()[0].payloadtype, msg::kSubscribeProcesses) << "clients of the original see only events";
}

TEST_F(BrokerSubscriptionTest, StateFilterSelectsEvents) {
  auto running = subscribe_processes(executor_, /*state=*/1);
  std::string id = submit();
  ASSERT_EQ(h_.assign(executor_, "alpha").status, 200);
  ASSERT_EQ(h_.close_successful(executor_, id).status, 200);
  h_.flush();
  ASSERT_EQ(running->frames().size(), 1u);
  EXPECT_EQ(event_state(running->frames()[0]), 1);
}

TEST_F(BrokerSubscriptionTest, NonMembersAreRefusedWith403) {
  auto other = h_.add_colony("beta");
  Identity outsider = h_.add_user(other, "outsider");
  Identity pending = h_.add_executor(colony_, "pending", "worker", /*approve=*/false);
  Identity stranger = h_.new_identity("stranger");
  EXPECT_EQ(refusal(subscribe_processes(outsider)), 403);
  EXPECT_EQ(refusal(subscribe_processes(pending)), 403);
  EXPECT_EQ(refusal(subscribe_processes(stranger)), 403);
  EXPECT_EQ(refusal(subscribe_processes(colony_.owner)), 403);  // the owner is not a member
  EXPECT_EQ(refusal(subscribe_processes(h_.server_owner())), 403);
  EXPECT_EQ(h_.broker().subscriptions(), 0u);
}

TEST_F(BrokerSubscriptionTest, ProcessOfAnotherColonyIsNotFound) {
  auto other = h_.add_colony("beta");
  Identity beta_user = h_.add_user(other, "beta-user");
  std::string id = submit();
  // A member of beta may not watch alpha's process by naming beta.
  EXPECT_EQ(refusal(subscribe_process(beta_user, id, 2, "beta")), 404);
  EXPECT_EQ(refusal(subscribe_process(beta_user, id, 2, "alpha")), 403);
}

TEST_F(BrokerSubscriptionTest, ReplayedSubscribeFrameIsRefused) {
  std::string frame = h_.signed_request(user_, msg::kSubscribeProcesses,
                                        {{"colonyname", "alpha"}, {"executortype", ""}, {"state", -1}, {"timeout", 10}});
  auto first = std::make_shared<RecordingStream>();
  h_.broker().subscribe(frame, first);
  EXPECT_FALSE(first->ended());
  auto second = std::make_shared<RecordingStream>();
  h_.broker().subscribe(frame, second);
  EXPECT_EQ(refusal(second), 401);
}

TEST_F(BrokerSubscriptionTest, UnsignedAndOtherMessagesAreRefused) {
  auto unsigned_stream = std::make_shared<RecordingStream>();
  h_.broker().subscribe(BrokerHarness::unsigned_request(msg::kSubscribeProcesses, {{"colonyname", "alpha"}}),
                        unsigned_stream);
  EXPECT_EQ(refusal(unsigned_stream), 401);
  auto other = subscribe(user_, msg::kGetProcesses, {{"colonyname", "alpha"}});
  EXPECT_EQ(refusal(other), 400);
}

TEST_F(BrokerSubscriptionTest, SubscribeOverPostIsABadRequest) {
  auto reply = h_.call(user_, msg::kSubscribeProcesses, {{"colonyname", "alpha"}, {"state", -1}});
  EXPECT_EQ(reply.status, 400);
  EXPECT_NE(testing::error_message(reply).find("/api/ws"), std::string::npos) << testing::describe(reply);
}

TEST_F(BrokerSubscriptionTest, BadFieldsAreRefusedWith400) {
  EXPECT_EQ(refusal(subscribe(user_, msg::kSubscribeProcesses, {{"colonyname", "alpha"}, {"state", 9}})), 400);
  EXPECT_EQ(refusal(subscribe(user_, msg::kSubscribeProcesses,
                              {{"colonyname", "alpha"}, {"state", -1}, {"timeout", 100000}})), 400);
  EXPECT_EQ(refusal(subscribe(user_, msg::kSubscribeProcess, {{"colonyname", "alpha"}, {"state", 1}})), 400);
}

TEST_F(BrokerSubscriptionTest, ProcessAlreadyInTheWantedStateIsSentAtOnce) {
  std::string id = submit();
  auto stream = subscribe_process(user_, id, /*WAITING*/ 0);
  ASSERT_TRUE(stream->wait_ended());
  ASSERT_EQ(stream->frames().size(), 1u);
  EXPECT_EQ(event_state(stream->frames()[0]), 0);
}

TEST_F(BrokerSubscriptionTest, ProcessSubscriptionEndsWhenTheStateIsReached) {
  std::string id = submit();
  auto stream = subscribe_process(user_, id, /*SUCCESS*/ 2);
  ASSERT_EQ(h_.assign(executor_, "alpha").status, 200);
  h_.flush();
  EXPECT_TRUE(stream->frames().empty());
  ASSERT_EQ(h_.close_successful(executor_, id).status, 200);
  ASSERT_TRUE(stream->wait_ended());
  ASSERT_EQ(stream->frames().size(), 1u);
  EXPECT_EQ(event_state(stream->frames()[0]), 2);
  EXPECT_EQ(h_.broker().subscriptions(), 0u);
}

TEST_F(BrokerSubscriptionTest, FinishedProcessIsSentAndEndsEvenInAnotherState) {
  std::string id = submit();
  ASSERT_EQ(h_.call(user_, msg::kCancelProcess, {{"processid", id}}).status, 200);
  auto stream = subscribe_process(user_, id, /*RUNNING*/ 1);
  ASSERT_TRUE(stream->wait_ended());
  ASSERT_EQ(stream->frames().size(), 1u);
  EXPECT_EQ(event_state(stream->frames()[0]), 4);
}

TEST_F(BrokerSubscriptionTest, ChangesMadeByDeadlinesAreSeenToo) {
  json::object s = spec();
  s["maxwaittime"] = 5;
  std::string id = submit(std::move(s));
  auto stream = subscribe_process(user_, id, /*SUCCESS*/ 2);
  h_.advance_and_tick(6);  // the wait deadline fails it: no handler of ours involved
  ASSERT_TRUE(stream->wait_ended());
  ASSERT_EQ(stream->frames().size(), 1u);
  EXPECT_EQ(event_state(stream->frames()[0]), 3);
}

TEST_F(BrokerSubscriptionTest, TimeoutFollowsTheInjectedClock) {
  auto stream = subscribe_processes(user_, -1, /*timeout=*/30);
  h_.advance_and_tick(29);
  EXPECT_FALSE(stream->ended());
  h_.advance_and_tick(2);
  EXPECT_EQ(refusal(stream), 408);
}

TEST_F(BrokerSubscriptionTest, ShutdownEndsSubscriptionsWith503) {
  auto stream = subscribe_processes(user_);
  h_.broker().shutdown();
  EXPECT_EQ(refusal(stream), 503);
}

}  // namespace
}  // namespace colonies::server::api
