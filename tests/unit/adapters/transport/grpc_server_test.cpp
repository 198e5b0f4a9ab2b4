// GrpcServer with scripted handlers, driven by the SDK's GrpcTransport over loopback: replies and
// error replies with their gRPC codes, body limits, a cancelled call seen as not alive, streams
// ending normally, cut off when full, and ended by stop(). No coloniesd: the server integration
// tests (tests/integration/server/transports_test.cpp) cover the wiring.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "adapters/transport/grpc/grpc_server.hpp"
#include "client/client.hpp"
#include "client/grpc_transport.hpp"
#include "core/protocol/envelope.hpp"

namespace colonies::transport {
namespace {

using namespace std::chrono_literals;
using protocol::GrpcCode;

class GrpcServerTest : public ::testing::Test {
 protected:
  void start(GrpcServerOptions options = {}) {
    auto server = GrpcServer::start(
        options,
        [this](std::string body, GrpcReplyFn reply, std::function<bool()> alive) {
          if (body == "hold") {  // answered later by the test (a long-poll)
            std::lock_guard lock(mu_);
            held_ = std::move(reply);
            held_alive_ = std::move(alive);
            cv_.notify_all();
            return;
          }
          if (body.starts_with("fail:")) {
            const int status = std::stoi(body.substr(5));
            reply(status, protocol::encode_error_reply(status, "scripted failure"));
            return;
          }
          reply(200, protocol::encode_reply("echo", boost::json::string(body)));
        },
        [this](std::string envelope, std::shared_ptr<GrpcSubscription> stream) {
          std::lock_guard lock(mu_);
          streams_.push_back(stream);
          envelopes_.push_back(std::move(envelope));
          cv_.notify_all();
          return std::function<void()>([this] { ++closed_; });
        });
    ASSERT_TRUE(server.has_value()) << server.error().message;
    server_ = std::move(*server);
  }
  client::GrpcTransport transport() const {
    client::ClientConfig config;
    config.transport = client::TransportKind::Grpc;
    config.port = server_->port();
    return client::GrpcTransport(config);
  }
  std::shared_ptr<GrpcSubscription> wait_for_stream(std::size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, 5s, [&] { return streams_.size() >= n; });
    return streams_.size() >= n ? streams_[n - 1] : nullptr;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  GrpcReplyFn held_;
  std::function<bool()> held_alive_;
  std::vector<std::shared_ptr<GrpcSubscription>> streams_;
  std::vector<std::string> envelopes_;
  std::atomic<int> closed_{0};
  std::unique_ptr<GrpcServer> server_;
};

TEST_F(GrpcServerTest, CallReturnsTheReplyBody) {
  start();
  auto t = transport();
  auto body = t.call("hello", 5s);
  ASSERT_TRUE(body.has_value()) << body.error().message;
  auto reply = protocol::decode_reply(*body);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->payloadtype, "echo");
  EXPECT_EQ(reply->payload.as_string(), "hello");
}

TEST_F(GrpcServerTest, ErrorRepliesComeBackAsTheSameBodyForEveryStatus) {
  start();
  auto t = transport();
  for (int status : {400, 401, 403, 404, 408, 409, 413, 429, 500, 503}) {
    auto body = t.call("fail:" + std::to_string(status), 5s);
    ASSERT_TRUE(body.has_value()) << status << ": " << body.error().message;
    auto reply = protocol::decode_reply(*body);
    ASSERT_TRUE(reply.has_value()) << status;
    EXPECT_TRUE(reply->error);
    EXPECT_EQ(reply->payload.at("status").as_int64(), status);
    EXPECT_EQ(reply->payload.at("message").as_string(), "scripted failure");
  }
}

TEST_F(GrpcServerTest, OversizedEnvelopeIs413) {
  GrpcServerOptions options;
  options.message_limit = 1000;
  start(options);
  auto t = transport();
  auto body = t.call(std::string(1001, 'x'), 5s);
  ASSERT_TRUE(body.has_value()) << body.error().message;
  auto reply = protocol::decode_reply(*body);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->payload.at("status").as_int64(), 413);
}

TEST_F(GrpcServerTest, DeadlineEndsTheCallAsTimeoutAndTheHandlerSeesItGone) {
  start();
  auto t = transport();
  auto body = t.call("hold", 300ms);
  ASSERT_FALSE(body.has_value());
  EXPECT_EQ(body.error().code, ErrorCode::Timeout) << body.error().message;
  std::unique_lock lock(mu_);
  ASSERT_TRUE(cv_.wait_for(lock, 5s, [&] { return static_cast<bool>(held_alive_); }));
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (held_alive_() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(10ms);
  EXPECT_FALSE(held_alive_());
  held_(200, "{}");  // a late answer goes nowhere, harmlessly
  lock.unlock();
  server_.reset();
  EXPECT_TRUE(true);
}

TEST_F(GrpcServerTest, NoServerIsUnavailable) {
  start();
  const auto port = server_->port();
  server_.reset();
  client::ClientConfig config;
  config.port = port;
  client::GrpcTransport t(config);
  auto body = t.call("hello", 2s);
  ASSERT_FALSE(body.has_value());
  EXPECT_EQ(body.error().code, ErrorCode::Unavailable) << body.error().message;
}

TEST_F(GrpcServerTest, StreamDeliversFramesThenEndsNormally) {
  start();
  auto t = transport();
  auto stream = t.open_stream(5s);
  ASSERT_TRUE(stream.has_value()) << stream.error().message;
  ASSERT_TRUE((*stream)->send("subscribe", 5s).has_value());
  auto server_side = wait_for_stream(1);
  ASSERT_TRUE(server_side);
  EXPECT_EQ(envelopes_[0], "subscribe");
  EXPECT_EQ(server_side->send("one"), GrpcSubscription::SendResult::Queued);
  EXPECT_EQ(server_side->send("two"), GrpcSubscription::SendResult::Queued);
  server_side->finish(GrpcCode::Ok, "done");
  EXPECT_EQ(server_side->send("late"), GrpcSubscription::SendResult::Closed);
  for (const char* expected : {"one", "two"}) {
    auto frame = (*stream)->read(5s);
    ASSERT_TRUE(frame.has_value()) << frame.error().message;
    ASSERT_TRUE(frame->has_value());
    EXPECT_EQ(**frame, expected);
  }
  auto end = (*stream)->read(5s);
  ASSERT_TRUE(end.has_value()) << end.error().message;
  EXPECT_FALSE(end->has_value());
  EXPECT_EQ((*stream)->closed().code, 1000);
  EXPECT_EQ((*stream)->closed().reason, "done");
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (closed_ == 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(closed_.load(), 1);  // on_closed ran once
}

TEST_F(GrpcServerTest, ReadTimesOutAndTheStreamStaysUsable) {
  start();
  auto t = transport();
  auto stream = t.open_stream(5s);
  ASSERT_TRUE(stream.has_value());
  ASSERT_TRUE((*stream)->send("subscribe", 5s).has_value());
  auto server_side = wait_for_stream(1);
  ASSERT_TRUE(server_side);
  auto nothing = (*stream)->read(100ms);
  ASSERT_FALSE(nothing.has_value());
  EXPECT_EQ(nothing.error().code, ErrorCode::Timeout);
  server_side->send("after");
  auto frame = (*stream)->read(5s);
  ASSERT_TRUE(frame.has_value() && frame->has_value());
  EXPECT_EQ(**frame, "after");
}

TEST_F(GrpcServerTest, FullQueueIsReportedAndANonOkFinishDropsWhatIsQueued) {
  GrpcServerOptions options;
  options.max_queued = 2;
  start(options);
  auto t = transport();
  auto stream = t.open_stream(5s);
  ASSERT_TRUE(stream.has_value());
  ASSERT_TRUE((*stream)->send("subscribe", 5s).has_value());
  auto server_side = wait_for_stream(1);
  ASSERT_TRUE(server_side);
  // Big frames the client does not read: writes stall on flow control, the queue fills.
  const std::string big(1024 * 1024, 'x');
  GrpcSubscription::SendResult result = GrpcSubscription::SendResult::Queued;
  for (int i = 0; i < 200 && result == GrpcSubscription::SendResult::Queued; ++i) result = server_side->send(big);
  ASSERT_EQ(result, GrpcSubscription::SendResult::Full);
  server_side->finish(GrpcCode::ResourceExhausted, "subscriber too slow: 2 events queued");
  int frames = 0;
  for (;;) {
    auto frame = (*stream)->read(10s);
    ASSERT_TRUE(frame.has_value()) << frame.error().message;
    if (!frame->has_value()) break;
    ++frames;
  }
  EXPECT_LT(frames, 200);
  EXPECT_EQ((*stream)->closed().code, 1008);
  EXPECT_EQ((*stream)->closed().reason, "subscriber too slow: 2 events queued");
}

TEST_F(GrpcServerTest, StopEndsStreamsUnavailableAndRefusesNewCalls) {
  start();
  auto t = transport();
  auto stream = t.open_stream(5s);
  ASSERT_TRUE(stream.has_value());
  ASSERT_TRUE((*stream)->send("subscribe", 5s).has_value());
  ASSERT_TRUE(wait_for_stream(1));
  server_->stop(2s);
  auto end = (*stream)->read(5s);
  ASSERT_TRUE(end.has_value()) << end.error().message;
  EXPECT_FALSE(end->has_value());
  EXPECT_EQ((*stream)->closed().code, 1001);
  EXPECT_EQ((*stream)->closed().reason, "server is shutting down");
  auto body = t.call("hello", 2s);
  EXPECT_FALSE(body.has_value() && !protocol::decode_reply(*body)->error);
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (server_->active_calls() > 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(server_->active_calls(), 0u);
}

TEST_F(GrpcServerTest, ClientCancelRunsOnClosed) {
  start();
  {
    auto t = transport();
    auto stream = t.open_stream(5s);
    ASSERT_TRUE(stream.has_value());
    ASSERT_TRUE((*stream)->send("subscribe", 5s).has_value());
    ASSERT_TRUE(wait_for_stream(1));
  }  // the stream and its transport are gone: the call is cancelled
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (closed_ == 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(closed_.load(), 1);
  EXPECT_EQ(streams_[0]->send("late"), GrpcSubscription::SendResult::Closed);
}

}  // namespace
}  // namespace colonies::transport
