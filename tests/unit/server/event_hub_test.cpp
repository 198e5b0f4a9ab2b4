// EventHub: which committed changes reach which subscriber, when a process subscription ends,
// timeouts, removals, and dropping a subscriber that refuses frames (too slow). No broker, no
// threads: the test plays the commit thread by calling publish().
#include <gtest/gtest.h>

#include "server/realtime/event_hub.hpp"
#include "tests/support/recording_stream.hpp"

namespace colonies::server::realtime {
namespace {

using model::ProcessState;
using ports::Mutation;
using testing::error_status;
using testing::event_state;
using testing::RecordingStream;
namespace mutation = ports::mutation;

constexpr model::TimeNs kNever = 1'000'000'000'000'000'000LL;

model::Process process(const std::string& id, ProcessState state, const std::string& colony = "alpha",
                       const std::string& type = "worker") {
  model::Process p;
  p.processid = id;
  p.state = state;
  p.spec.conditions.colonyname = colony;
  p.spec.conditions.executortype = type;
  return p;
}

void publish(EventHub& hub, std::vector<Mutation> batch) { hub.publish(batch); }

TEST(EventHubTest, DeliversOnlyMatchingColonyTypeAndState) {
  EventHub hub;
  auto all = std::make_shared<RecordingStream>();
  auto running_gpu = std::make_shared<RecordingStream>();
  hub.subscribe_processes(all, {"alpha", "", std::nullopt}, kNever);
  hub.subscribe_processes(running_gpu, {"alpha", "gpu", ProcessState::Running}, kNever);
  publish(hub, {mutation::PutProcess{process("p1", ProcessState::Waiting)},
                mutation::PutProcess{process("p2", ProcessState::Running, "alpha", "gpu")},
                mutation::PutProcess{process("p3", ProcessState::Running, "beta", "gpu")},
                mutation::PutProcess{process("p4", ProcessState::Waiting, "alpha", "gpu")},
                mutation::AppendLog{}});
  auto frames = all->frames();
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].payloadtype, "subscribeprocessesmsg");
  EXPECT_EQ(frames[0].payload.at("processid").as_string(), "p1");
  EXPECT_EQ(frames[1].payload.at("processid").as_string(), "p2");
  EXPECT_EQ(frames[2].payload.at("processid").as_string(), "p4");
  ASSERT_EQ(running_gpu->frames().size(), 1u);
  EXPECT_EQ(running_gpu->frames()[0].payload.at("processid").as_string(), "p2");
}

TEST(EventHubTest, EverySubscriberGetsEveryMatchingEvent) {
  EventHub hub;
  std::vector<std::shared_ptr<RecordingStream>> streams;
  for (int i = 0; i < 5; ++i) {
    streams.push_back(std::make_shared<RecordingStream>());
    hub.subscribe_processes(streams.back(), {"alpha", "worker", ProcessState::Waiting}, kNever);
  }
  for (int i = 0; i < 10; ++i) publish(hub, {mutation::PutProcess{process("p" + std::to_string(i), ProcessState::Waiting)}});
  for (const auto& s : streams) EXPECT_EQ(s->frames().size(), 10u);
}

TEST(EventHubTest, ProcessSubscriptionEndsWhenTheWantedStateIsCommitted) {
  EventHub hub;
  auto stream = std::make_shared<RecordingStream>();
  hub.subscribe_process(stream, "alpha", "p1", ProcessState::Success, kNever);
  publish(hub, {mutation::PutProcess{process("p1", ProcessState::Running)},
                mutation::PutProcess{process("p2", ProcessState::Success)}});
  EXPECT_TRUE(stream->frames().empty());
  EXPECT_FALSE(stream->ended());
  publish(hub, {mutation::PutProcess{process("p1", ProcessState::Success)}});
  ASSERT_EQ(stream->frames().size(), 1u);
  EXPECT_EQ(stream->frames()[0].payloadtype, "subscribeprocessmsg");
  EXPECT_EQ(event_state(stream->frames()[0]), 2);
  EXPECT_TRUE(stream->ended());
  EXPECT_EQ(hub.size(), 0u);
}

TEST(EventHubTest, ProcessSubscriptionEndsOnAFinalStateThatCannotReachTheWantedOne) {
  EventHub hub;
  auto stream = std::make_shared<RecordingStream>();
  hub.subscribe_process(stream, "alpha", "p1", ProcessState::Running, kNever);
  publish(hub, {mutation::PutProcess{process("p1", ProcessState::Cancelled)}});
  ASSERT_EQ(stream->frames().size(), 1u);
  EXPECT_EQ(event_state(stream->frames()[0]), 4);
  EXPECT_TRUE(stream->ended());
  EXPECT_NE(stream->end_reason().find("CANCELLED"), std::string::npos) << stream->end_reason();
}

TEST(EventHubTest, InitialStateIsSentWhenAlreadyInTheWantedState) {
  EventHub hub;
  auto stream = std::make_shared<RecordingStream>();
  hub.subscribe_process(stream, "alpha", "p1", ProcessState::Waiting, kNever);
  hub.initial_state(stream.get(), process("p1", ProcessState::Waiting));
  ASSERT_EQ(stream->frames().size(), 1u);
  EXPECT_TRUE(stream->ended());
}

TEST(EventHubTest, InitialStateLosesToANewerEvent) {
  EventHub hub;
  auto stream = std::make_shared<RecordingStream>();
  hub.subscribe_process(stream, "alpha", "p1", ProcessState::Waiting, kNever);
  // The process was assigned after the subscription began: that event is newer than the view
  // taken at subscription time, which must then not be reported as current.
  publish(hub, {mutation::PutProcess{process("p1", ProcessState::Running)}});
  hub.initial_state(stream.get(), process("p1", ProcessState::Waiting));
  EXPECT_TRUE(stream->frames().empty());
  EXPECT_FALSE(stream->ended());
}

TEST(EventHubTest, TimeoutEndsWithA408Frame) {
  EventHub hub;
  auto stream = std::make_shared<RecordingStream>();
  hub.subscribe_processes(stream, {"alpha", "", std::nullopt}, 1000);
  hub.expire(999);
  EXPECT_FALSE(stream->ended());
  hub.expire(1000);
  ASSERT_EQ(stream->frames().size(), 1u);
  EXPECT_EQ(error_status(stream->frames()[0]), 408);
  EXPECT_TRUE(stream->ended());
  EXPECT_EQ(hub.size(), 0u);
}

TEST(EventHubTest, RemovedProcessEndsItsSubscriptionWith404) {
  EventHub hub;
  auto stream = std::make_shared<RecordingStream>();
  hub.subscribe_process(stream, "alpha", "p1", ProcessState::Success, kNever);
  publish(hub, {mutation::RemoveProcess{"p1"}});
  ASSERT_EQ(stream->frames().size(), 1u);
  EXPECT_EQ(error_status(stream->frames()[0]), 404);
  EXPECT_TRUE(stream->ended());
}

TEST(EventHubTest, RemovedColonyEndsItsSubscriptions) {
  EventHub hub;
  auto alpha = std::make_shared<RecordingStream>();
  auto beta = std::make_shared<RecordingStream>();
  hub.subscribe_processes(alpha, {"alpha", "", std::nullopt}, kNever);
  hub.subscribe_processes(beta, {"beta", "", std::nullopt}, kNever);
  publish(hub, {mutation::RemoveColony{"alpha"}});
  EXPECT_TRUE(alpha->ended());
  EXPECT_FALSE(beta->ended());
  EXPECT_EQ(hub.size(), 1u);
}

TEST(EventHubTest, SubscriberThatRefusesFramesIsDroppedAndOthersContinue) {
  EventHub hub;
  auto slow = std::make_shared<RecordingStream>(/*capacity=*/3);
  auto fast = std::make_shared<RecordingStream>();
  hub.subscribe_processes(slow, {"alpha", "", std::nullopt}, kNever);
  hub.subscribe_processes(fast, {"alpha", "", std::nullopt}, kNever);
  for (int i = 0; i < 10; ++i) publish(hub, {mutation::PutProcess{process("p" + std::to_string(i), ProcessState::Waiting)}});
  EXPECT_TRUE(slow->dropped());
  EXPECT_EQ(slow->frames().size(), 3u);  // never more than its bound
  EXPECT_EQ(fast->frames().size(), 10u);
  EXPECT_EQ(hub.size(), 1u);
}

TEST(EventHubTest, UnsubscribedStreamGetsNothing) {
  EventHub hub;
  auto stream = std::make_shared<RecordingStream>();
  hub.subscribe_processes(stream, {"alpha", "", std::nullopt}, kNever);
  hub.unsubscribe(stream.get());
  publish(hub, {mutation::PutProcess{process("p1", ProcessState::Waiting)}});
  EXPECT_TRUE(stream->frames().empty());
  EXPECT_EQ(hub.size(), 0u);
}

model::ChannelEntry entry(const std::string& process, std::int64_t position) {
  model::ChannelEntry e;
  e.processid = process;
  e.name = "chat";
  e.position = position;
  e.sequence = position;
  return e;
}

TEST(EventHubTest, ChannelBacklogAndLiveEntriesArriveOnceAndInOrder) {
  EventHub hub;
  auto stream = std::make_shared<RecordingStream>();
  hub.subscribe_channel(stream, "alpha", "p1", "chat", /*after=*/1, kNever, /*max_pending=*/10);
  // Committed while the backlog is being read: held back, and 3 is also in the backlog.
  publish(hub, {mutation::AppendChannelEntry{entry("p1", 3)}, mutation::AppendChannelEntry{entry("p1", 4)}});
  EXPECT_TRUE(stream->frames().empty());
  hub.channel_backlog(stream.get(), {entry("p1", 2), entry("p1", 3)}, /*process_ended=*/false);
  publish(hub, {mutation::AppendChannelEntry{entry("p1", 5)}, mutation::AppendChannelEntry{entry("p2", 1)}});
  std::vector<std::int64_t> positions;
  for (const auto& f : stream->frames()) {
    EXPECT_EQ(f.payloadtype, "subscribechannelmsg");
    for (const auto& e : f.payload.as_array()) positions.push_back(e.at("position").as_int64());
  }
  EXPECT_EQ(positions, (std::vector<std::int64_t>{2, 3, 4, 5}));
  publish(hub, {mutation::PutProcess{process("p1", ProcessState::Success)}});
  EXPECT_TRUE(stream->ended());
  EXPECT_EQ(hub.size(), 0u);
}

TEST(EventHubTest, ChannelSubscriptionThatFallsBehindIsEnded) {
  EventHub hub;
  auto stream = std::make_shared<RecordingStream>();
  hub.subscribe_channel(stream, "alpha", "p1", "chat", 0, kNever, /*max_pending=*/2);
  publish(hub, {mutation::AppendChannelEntry{entry("p1", 1)}, mutation::AppendChannelEntry{entry("p1", 2)},
                mutation::AppendChannelEntry{entry("p1", 3)}});
  EXPECT_TRUE(stream->ended());
  EXPECT_EQ(error_status(stream->frames().at(0)), 503);
}

TEST(EventHubTest, EndAllSendsTheReasonToEverySubscriber) {
  EventHub hub;
  auto a = std::make_shared<RecordingStream>();
  auto b = std::make_shared<RecordingStream>();
  hub.subscribe_processes(a, {"alpha", "", std::nullopt}, kNever);
  hub.subscribe_process(b, "alpha", "p1", ProcessState::Success, kNever);
  hub.end_all(503, "server is shutting down");
  EXPECT_EQ(error_status(a->frames().at(0)), 503);
  EXPECT_EQ(error_status(b->frames().at(0)), 503);
  EXPECT_TRUE(a->ended() && b->ended());
}

}  // namespace
}  // namespace colonies::server::realtime
