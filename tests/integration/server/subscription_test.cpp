// Realtime subscriptions end to end: the real coloniesd over loopback and the SDK's WebSocket
// client. Events arrive in order for submit/assign/close; a non-member's subscription is
// refused with an error frame; a replayed subscribe envelope is refused; a subscriber that stops
// reading is disconnected with a reason; other paths keep working next to the WebSocket.
#include <thread>

#include <gtest/gtest.h>

#include "adapters/crypto/sodium_crypto.hpp"
#include "adapters/transport/http/http_client.hpp"
#include "adapters/transport/http/ws_client.hpp"
#include "core/protocol/envelope.hpp"
#include "core/protocol/messages.hpp"
#include "tests/integration/server/colony_setup.hpp"
#include "tests/integration/server/server_process.hpp"

namespace colonies::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using model::ProcessState;

class SubscriptionTest : public ::testing::Test {
 protected:
  void SetUp() override { start({}); }

  // A fresh server (and data directory) each time.
  void start(std::vector<std::string> extra_args) {
    ServerProcess::Options options;
    options.binary = COLONIESD_BINARY;
    options.data_dir = dir_.path() / ("data" + std::to_string(++starts_));
    options.server_id = server_owner_.id;
    options.extra_args = std::move(extra_args);
    server_ = std::make_unique<ServerProcess>(options);
    ASSERT_TRUE(server_->start()) << server_->error();
    create_colony(server_->port(), server_owner_, setup_);
    executor_ = add_executor(server_->port(), setup_, "exec", "worker");
  }
  void TearDown() override {
    if (server_ && server_->running()) server_->kill9();
  }

  std::unique_ptr<transport::WsClient> open_ws() {
    transport::HttpClientOptions options;
    options.port = server_->port();
    auto ws = transport::WsClient::connect(options, "/api/ws", 5s);
    EXPECT_TRUE(ws.has_value()) << ws.error().message;
    return ws ? std::move(*ws) : nullptr;
  }
  std::string signed_frame(const Key& key, std::string_view type, json::object payload) {
    auto signer = sodium_.signer(key.private_key);
    return protocol::build_request(type, std::move(payload), **signer, sodium_.random_hex(16),
                                   std::time(nullptr));
  }

  TempDir dir_;
  Key server_owner_ = new_key();
  ColonySetup setup_;
  Key executor_;
  crypto::SodiumCrypto sodium_;
  std::unique_ptr<ServerProcess> server_;
  int starts_ = 0;
};

TEST_F(SubscriptionTest, SubmitAssignCloseArriveInOrder) {
  auto user = connect(server_->port(), setup_.user);
  auto executor = connect(server_->port(), executor_);
  auto sub = user.open_processes_subscription(setup_.colony, "", std::nullopt, 30);
  ASSERT_TRUE(sub.has_value()) << sub.error().message;
  // open_processes_subscription() returns once the server acknowledged the subscription, so
  // everything submitted from here on is delivered.
  auto submitted = user.submit(make_spec(setup_.colony, "worker", "compute"));
  ASSERT_TRUE(submitted.has_value()) << submitted.error().message;
  auto assigned = executor.assign(setup_.colony, 5);
  ASSERT_TRUE(assigned.has_value()) << assigned.error().message;
  ASSERT_TRUE(executor.close_successful(assigned->processid, json::array{"done"}).has_value());

  std::vector<ProcessState> states;
  while (states.size() < 3) {
    auto event = (*sub)->next(10s);
    ASSERT_TRUE(event.has_value()) << event.error().message;
    ASSERT_TRUE(event->has_value()) << "subscription ended early";
    EXPECT_EQ((*event)->processid, submitted->processid);
    states.push_back((*event)->state);
  }
  EXPECT_EQ(states, (std::vector<ProcessState>{ProcessState::Waiting, ProcessState::Running, ProcessState::Success}));
}

TEST_F(SubscriptionTest, WaitForProcessReturnsOnceItSucceeds) {
  auto user = connect(server_->port(), setup_.user);
  auto submitted = user.submit(make_spec(setup_.colony, "worker", "compute"));
  ASSERT_TRUE(submitted.has_value());
  std::thread worker([&] {
    auto executor = connect(server_->port(), executor_);
    auto assigned = executor.assign(setup_.colony, 10);
    if (assigned) (void)executor.close_successful(assigned->processid, json::array{"42"});
  });
  auto done = user.wait_for_process(setup_.colony, submitted->processid, ProcessState::Success, 30);
  worker.join();
  ASSERT_TRUE(done.has_value()) << done.error().message;
  EXPECT_EQ(done->state, ProcessState::Success);
  ASSERT_EQ(done->out.size(), 1u);
  EXPECT_EQ(done->out[0].as_string(), "42");
}

TEST_F(SubscriptionTest, NonMemberIsRefusedWithAnErrorFrame) {
  Key stranger = new_key();
  auto client = connect(server_->port(), stranger);
  auto status = client.subscribe_processes(setup_.colony, "", std::nullopt, 5, [](const model::Process&) { return true; });
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ErrorCode::Forbidden) << status.error().message;
  EXPECT_EQ(client.last_reply_status(), 403);
}

TEST_F(SubscriptionTest, ReplayedSubscribeEnvelopeIsRefused) {
  std::string frame = signed_frame(setup_.user, protocol::msg::kSubscribeProcesses,
                                   {{"colonyname", setup_.colony}, {"executortype", ""}, {"state", -1}, {"timeout", 5},
                                    {"ack", true}});
  auto first = open_ws();
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->send(frame, 5s).has_value());
  // The acknowledgement says the server has checked the envelope (and seen its nonce), so the
  // replay below is certainly the second use.
  auto ack = first->read(5s);
  ASSERT_TRUE(ack.has_value()) << ack.error().message;
  ASSERT_TRUE(ack->has_value());
  EXPECT_EQ(protocol::decode_reply(**ack)->payloadtype, protocol::msg::kSubscribed);
  auto replay = open_ws();
  ASSERT_TRUE(replay);
  ASSERT_TRUE(replay->send(frame, 5s).has_value());
  auto refused = replay->read(5s);
  ASSERT_TRUE(refused.has_value()) << refused.error().message;
  ASSERT_TRUE(refused->has_value());
  auto reply = protocol::decode_reply(**refused);
  ASSERT_TRUE(reply.has_value());
  EXPECT_TRUE(reply->error);
  EXPECT_EQ(reply->payload.at("status").as_int64(), 401);
  auto closed = replay->read(5s);
  ASSERT_TRUE(closed.has_value());
  EXPECT_FALSE(closed->has_value());  // the server closed after the error frame
  EXPECT_EQ(replay->closed().code, 1000);
}

TEST_F(SubscriptionTest, SlowSubscriberIsDisconnectedWithAReason) {
  server_->kill9();
  start({"--ws-queue-limit", "4"});
  auto user = connect(server_->port(), setup_.user);
  auto ws = open_ws();
  ASSERT_TRUE(ws);
  ASSERT_TRUE(ws->send(signed_frame(setup_.user, protocol::msg::kSubscribeProcesses,
                                    {{"colonyname", setup_.colony}, {"executortype", ""}, {"state", -1}, {"timeout", 60}}),
                       5s)
                  .has_value());
  // 50 events of 256 KiB are more than the socket buffers (a few MiB on loopback) plus the queue
  // of 4 can hold, so the queue fills while the subscriber reads nothing; it then must start
  // reading within the server's close timeout (10 s) to see the close frame and its reason.
  auto spec = make_spec(setup_.colony, "worker", "compute");
  spec.args.push_back(json::value(std::string(256 * 1024, 'x')));
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(user.submit(spec).has_value());
  // Now read: some events, then the close with the reason.
  int events = 0;
  for (;;) {
    auto frame = ws->read(20s);
    ASSERT_TRUE(frame.has_value()) << frame.error().message;
    if (!frame->has_value()) break;
    ++events;
  }
  EXPECT_LT(events, 50);
  EXPECT_EQ(ws->closed().code, 1008);
  EXPECT_NE(ws->closed().reason.find("subscriber too slow"), std::string::npos) << ws->closed().reason;
  // The server is unharmed.
  EXPECT_TRUE(user.get_colony(setup_.colony).has_value());
}

TEST_F(SubscriptionTest, PostStillWorksAndOtherUpgradesAreNotFound) {
  transport::HttpClientOptions options;
  options.port = server_->port();
  auto elsewhere = transport::WsClient::connect(options, "/nope", 5s);
  ASSERT_FALSE(elsewhere.has_value());
  EXPECT_NE(elsewhere.error().message.find("404"), std::string::npos) << elsewhere.error().message;
  transport::HttpClient http(options);
  auto health = http.get("/health", 5s);
  ASSERT_TRUE(health.has_value());
  EXPECT_EQ(health->status, 200);
}

TEST_F(SubscriptionTest, ShutdownClosesSubscribersGoingAway) {
  auto ws = open_ws();
  ASSERT_TRUE(ws);
  ASSERT_TRUE(ws->send(signed_frame(setup_.user, protocol::msg::kSubscribeProcesses,
                                    {{"colonyname", setup_.colony}, {"executortype", ""}, {"state", -1}, {"timeout", 60}}),
                       5s)
                  .has_value());
  auto user = connect(server_->port(), setup_.user);
  ASSERT_TRUE(user.submit(make_spec(setup_.colony, "worker", "compute")).has_value());
  auto event = ws->read(5s);
  ASSERT_TRUE(event.has_value() && event->has_value());
  // The subscriber keeps reading, as a live client does, while the server stops.
  std::string read_error;
  std::thread reader([&] {
    for (;;) {
      auto frame = ws->read(15s);
      if (!frame) {
        read_error = frame.error().message;
        return;
      }
      if (!frame->has_value()) return;
    }
  });
  auto code = server_->terminate(10s);
  reader.join();
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
  EXPECT_EQ(read_error, "");
  EXPECT_EQ(ws->closed().code, 1001);
}

}  // namespace
}  // namespace colonies::testing
