// The SDK subscribes again when a failover cuts a subscription (docs/sdk.md, docs/ha.md): the
// relaying server's leader went away (1012), no leader was elected yet (503 and 1013), or the
// connection was lost; it does not for a normal end, a subscriber cut off for reading too slowly
// (1008) or an error of the request, and it gives up after ClientConfig::resubscribe_patience.
#include <gtest/gtest.h>

#include "core/protocol/messages.hpp"
#include "tests/unit/client/client_fixture.hpp"

namespace colonies::client {
namespace {

using colonies::testing::ScriptedStream;
namespace msg = protocol::msg;

std::string ack(std::string_view msgtype) {
  return protocol::encode_reply(msg::kSubscribed, boost::json::object{{"msgtype", msgtype}});
}

std::string event(const std::string& processid, model::ProcessState state) {
  model::Process process;
  process.processid = processid;
  process.state = state;
  return protocol::encode_reply(msg::kSubscribeProcess, model::to_json(process));
}

ScriptedStream stream(std::vector<std::string> frames, int code, std::string reason = "") {
  ScriptedStream s;
  s.frames = std::move(frames);
  s.close = {code, std::move(reason)};
  return s;
}

const std::string kId(64, 'a');
const std::string kOther(64, 'b');

TEST_F(ClientFixture, WaitForProcessSubscribesAgainWhenTheLeaderWentAway) {
  auto first = stream({ack(msg::kSubscribeProcess)}, 1012, "leader a: connection lost; subscribe again");
  auto second = stream({ack(msg::kSubscribeProcess), event(kId, model::ProcessState::Success)}, 1000);
  auto first_sent = first.sent;
  auto second_sent = second.sent;
  transport_->push_stream(std::move(first));
  transport_->push_stream(std::move(second));

  auto process = client_->wait_for_process("c", kId, model::ProcessState::Success, 60);
  ASSERT_TRUE(process.has_value()) << process.error().message;
  EXPECT_EQ(process->processid, kId);
  EXPECT_EQ(*transport_->streams_opened(), 2);
  // Each attempt is signed anew: the server refuses a replayed envelope.
  ASSERT_EQ(first_sent->size(), 1u);
  ASSERT_EQ(second_sent->size(), 1u);
  EXPECT_NE(*first_sent, *second_sent);
}

TEST_F(ClientFixture, WaitForProcessSubscribesAgainAfterA503AndALostConnection) {
  transport_->push_stream(
      stream({protocol::encode_error_reply(503, "no leader is elected; subscribe again shortly")}, 1013));
  ScriptedStream lost;
  lost.frames = {ack(msg::kSubscribeProcess)};
  lost.lost = true;
  transport_->push_stream(std::move(lost));
  transport_->push_stream(stream({ack(msg::kSubscribeProcess), event(kId, model::ProcessState::Failed)}, 1000));

  auto process = client_->wait_for_process("c", kId, model::ProcessState::Success, 60);
  ASSERT_TRUE(process.has_value()) << process.error().message;
  EXPECT_EQ(process->state, model::ProcessState::Failed);
  EXPECT_EQ(*transport_->streams_opened(), 3);
}

TEST_F(ClientFixture, SubscribeProcessesGoesOnAcrossAFailover) {
  transport_->push_stream(
      stream({ack(msg::kSubscribeProcesses), event(kId, model::ProcessState::Waiting)}, 1012, "leader went away"));
  transport_->push_stream(stream({ack(msg::kSubscribeProcesses), event(kOther, model::ProcessState::Waiting)}, 1000));

  std::vector<std::string> seen;
  auto status = client_->subscribe_processes("c", "", std::nullopt, 60, [&](const model::Process& p) {
    seen.push_back(p.processid);
    return true;
  });
  ASSERT_TRUE(status.has_value()) << status.error().message;
  EXPECT_EQ(seen, (std::vector<std::string>{kId, kOther}));
}

TEST_F(ClientFixture, ASubscriberCutOffForReadingTooSlowlyIsNotResubscribed) {
  transport_->push_stream(stream({ack(msg::kSubscribeProcesses)}, 1008, "subscriber too slow: 1024 events queued"));
  transport_->push_stream(stream({ack(msg::kSubscribeProcesses)}, 1000));

  auto status = client_->subscribe_processes("c", "", std::nullopt, 60, [](const model::Process&) { return true; });
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ErrorCode::Unavailable);
  EXPECT_NE(status.error().message.find("subscriber too slow"), std::string::npos) << status.error().message;
  EXPECT_EQ(*transport_->streams_opened(), 1);
}

TEST_F(ClientFixture, AnErrorOfTheRequestIsNotResubscribed) {
  transport_->push_stream(stream({protocol::encode_error_reply(403, "not a member of colony c")}, 1000));
  transport_->push_stream(stream({ack(msg::kSubscribeProcess)}, 1000));

  auto process = client_->wait_for_process("c", kId, model::ProcessState::Success, 60);
  ASSERT_FALSE(process.has_value());
  EXPECT_EQ(process.error().code, ErrorCode::Forbidden);
  EXPECT_EQ(*transport_->streams_opened(), 1);
}

class ImpatientClient : public ClientFixture {
 protected:
  ImpatientClient() {
    config_.resubscribe_patience = std::chrono::milliseconds(600);
    auto transport = std::make_unique<colonies::testing::FakeTransport>();
    transport_ = transport.get();
    client_ = std::make_unique<Client>(std::move(transport), std::move(*sodium_.signer(private_key_)), config_);
  }
};

TEST_F(ImpatientClient, GivesUpAfterThePatienceWithBothReasons) {
  transport_->push_stream(stream({ack(msg::kSubscribeProcess)}, 1012, "leader a went away"));
  // No further stream: every attempt fails like an unreachable server.
  auto process = client_->wait_for_process("c", kId, model::ProcessState::Success, 60);
  ASSERT_FALSE(process.has_value());
  EXPECT_EQ(process.error().code, ErrorCode::Unavailable);
  EXPECT_NE(process.error().message.find("leader a went away"), std::string::npos) << process.error().message;
  EXPECT_NE(process.error().message.find("subscribing again for 600 ms did not succeed"), std::string::npos)
      << process.error().message;
}

}  // namespace
}  // namespace colonies::client
