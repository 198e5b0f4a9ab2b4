// HttpForwarder and WsForwarder, which a cluster follower relays calls and subscriptions to the
// leader with: member URLs, a reply passed back untouched, failures that say whether the peer got
// the request, frames and the peer's close code passed through, and a relay ended from our side.
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "adapters/transport/http/http_forwarder.hpp"
#include "adapters/transport/http/http_server.hpp"
#include "adapters/transport/http/ws_forwarder.hpp"
#include "tests/unit/adapters/transport/transport_test_support.hpp"

namespace colonies::transport {
namespace {

using namespace std::chrono_literals;
using testing::eventually;

// A peer (the "leader") and the io_context the forwarders run on, each with its own thread.
class Peers {
 public:
  explicit Peers(WsAcceptor acceptor = {})
      : peer_work_(peer_io_.get_executor()), relay_work_(relay_io_.get_executor()) {
    HttpServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    auto server = HttpServer::start(
        peer_io_, options,
        [](HttpRequest request, Responder respond) {
          if (request.target == "/slow") return;  // never answers
          respond(HttpResponse{request.body == "teapot" ? 418 : 200, "application/json", "reply to " + request.body});
        },
        std::move(acceptor));
    if (!server) throw std::runtime_error(server.error().message);
    server_ = std::move(*server);
    port_ = server_->port();
    peer_thread_ = std::thread([this] { peer_io_.run(); });
    relay_thread_ = std::thread([this] { relay_io_.run(); });
  }
  ~Peers() {
    stop_peer();
    relay_work_.reset();
    relay_io_.stop();
    relay_thread_.join();
  }
  void stop_peer() {
    if (!server_) return;
    server_->stop();
    eventually([this] { return server_->connection_count() == 0; }, 5s);
    server_.reset();
    peer_work_.reset();
    peer_io_.stop();
    peer_thread_.join();
  }
  ForwardTarget target() const { return ForwardTarget{"127.0.0.1", port_}; }
  boost::asio::io_context& relay_io() { return relay_io_; }

 private:
  boost::asio::io_context peer_io_;
  boost::asio::io_context relay_io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> peer_work_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> relay_work_;
  std::unique_ptr<HttpServer> server_;
  std::uint16_t port_ = 0;
  std::thread peer_thread_;
  std::thread relay_thread_;
};

// A port nothing listens on: bound, then released.
std::uint16_t closed_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

template <typename T>
class Latch {
 public:
  void set(T value) {
    std::lock_guard lock(mu_);
    value_ = std::move(value);
    cv_.notify_all();
  }
  std::optional<T> wait(std::chrono::milliseconds limit = 5s) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, limit, [this] { return value_.has_value(); });
    return value_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<T> value_;
};

TEST(MemberUrlTest, AcceptsHttpHostAndPortOnly) {
  auto plain = parse_member_url("http://10.1.0.5:50080");
  ASSERT_TRUE(plain.has_value()) << plain.error().message;
  EXPECT_EQ(plain->host, "10.1.0.5");
  EXPECT_EQ(plain->port, 50080);
  auto slash = parse_member_url("http://node-a:8080/");
  ASSERT_TRUE(slash.has_value());
  EXPECT_EQ(slash->host, "node-a");
  auto v6 = parse_member_url("http://[::1]:50080");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->host, "::1");

  EXPECT_NE(parse_member_url("https://a:1").error().message.find("over http://"), std::string::npos);
  EXPECT_NE(parse_member_url("http://a").error().message.find("has no port"), std::string::npos);
  EXPECT_NE(parse_member_url("http://a:1/api").error().message.find("has a path"), std::string::npos);
  EXPECT_NE(parse_member_url("not a url").error().message.find("is not a URL"), std::string::npos);
}

TEST(HttpForwarderTest, PassesTheBodyAndThePeersReplyUntouched) {
  Peers peers;
  HttpForwarder forwarder(peers.relay_io());
  Latch<ForwardResult> done;
  forwarder.post(peers.target(), "/api", "teapot", 5s, [&](ForwardResult r) { done.set(std::move(r)); });
  auto result = done.wait();
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->delivered);
  EXPECT_EQ(result->status, 418);
  EXPECT_EQ(result->body, "reply to teapot");
}

TEST(HttpForwarderTest, AnUnreachablePeerIsNotDelivered) {
  Peers peers;
  HttpForwarder forwarder(peers.relay_io());
  Latch<ForwardResult> done;
  forwarder.post(ForwardTarget{"127.0.0.1", closed_port()}, "/api", "{}", 5s,
                 [&](ForwardResult r) { done.set(std::move(r)); });
  auto result = done.wait();
  ASSERT_TRUE(result.has_value());
  EXPECT_FALSE(result->delivered);
  EXPECT_EQ(result->status, 0);
  EXPECT_NE(result->error.find("cannot connect to the leader"), std::string::npos) << result->error;
}

TEST(HttpForwarderTest, APeerThatDoesNotAnswerInTimeWasDeliveredButHasNoReply) {
  Peers peers;
  HttpForwarder forwarder(peers.relay_io());
  Latch<ForwardResult> done;
  forwarder.post(peers.target(), "/slow", "{}", 300ms, [&](ForwardResult r) { done.set(std::move(r)); });
  auto result = done.wait();
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->delivered);  // it may have acted on it: the caller must not repeat blindly
  EXPECT_EQ(result->status, 0);
  EXPECT_NE(result->error.find("did not answer"), std::string::npos) << result->error;
}

// What a relay saw.
struct Seen {
  std::mutex mu;
  std::vector<std::string> frames;
  std::optional<std::pair<int, std::string>> end;
  std::vector<std::string> frames_copy() {
    std::lock_guard lock(mu);
    return frames;
  }
  std::optional<std::pair<int, std::string>> end_copy() {
    std::lock_guard lock(mu);
    return end;
  }
};

WsRelayHandlers record(const std::shared_ptr<Seen>& seen) {
  WsRelayHandlers handlers;
  handlers.on_frame = [seen](std::string frame) {
    std::lock_guard lock(seen->mu);
    seen->frames.push_back(std::move(frame));
  };
  handlers.on_end = [seen](int code, std::string reason) {
    std::lock_guard lock(seen->mu);
    EXPECT_FALSE(seen->end.has_value()) << "on_end called twice";
    seen->end = {code, std::move(reason)};
  };
  return handlers;
}

TEST(WsForwarderTest, SendsTheFirstFrameAndPassesThePeersFramesAndCloseOn) {
  // The peer answers the first frame with three frames and a close of its own.
  Peers peers([](std::shared_ptr<WsConnection> connection, const HttpRequest&) {
    WsHandlers handlers;
    handlers.on_text = [connection](std::string text) {
      for (int i = 1; i <= 3; ++i) connection->send(text + " #" + std::to_string(i));
      connection->close(1000, "that was all");  // a normal close sends the queued frames first
    };
    return handlers;
  });
  WsForwarder forwarder(peers.relay_io());
  auto seen = std::make_shared<Seen>();
  auto relay = forwarder.open(peers.target(), "/api/ws", "subscribe", 5s, record(seen));
  ASSERT_TRUE(eventually([&] { return seen->end_copy().has_value(); }, 5s));
  EXPECT_EQ(seen->frames_copy(), (std::vector<std::string>{"subscribe #1", "subscribe #2", "subscribe #3"}));
  EXPECT_EQ(seen->end_copy()->first, 1000);
  EXPECT_EQ(seen->end_copy()->second, "that was all");
}

TEST(WsForwarderTest, AnUnreachablePeerEndsWithCodeZeroAndWhy) {
  Peers peers;
  WsForwarder forwarder(peers.relay_io());
  auto seen = std::make_shared<Seen>();
  auto relay = forwarder.open(ForwardTarget{"127.0.0.1", closed_port()}, "/api/ws", "subscribe", 5s, record(seen));
  ASSERT_TRUE(eventually([&] { return seen->end_copy().has_value(); }, 5s));
  EXPECT_EQ(seen->end_copy()->first, 0);
  EXPECT_NE(seen->end_copy()->second.find("cannot connect to the leader"), std::string::npos);
}

TEST(WsForwarderTest, ClosingTheRelayClosesThePeersConnectionAndCallsNoHandler) {
  auto peer_closed = std::make_shared<std::atomic<bool>>(false);
  auto peer_got = std::make_shared<std::atomic<int>>(0);
  Peers peers([peer_closed, peer_got](std::shared_ptr<WsConnection> connection, const HttpRequest&) {
    WsHandlers handlers;
    handlers.on_text = [connection, peer_got](std::string) {
      ++*peer_got;
      connection->send("subscribed");
    };
    handlers.on_closed = [peer_closed] { *peer_closed = true; };
    return handlers;
  });
  WsForwarder forwarder(peers.relay_io());
  auto seen = std::make_shared<Seen>();
  auto relay = forwarder.open(peers.target(), "/api/ws", "subscribe", 5s, record(seen));
  ASSERT_TRUE(eventually([&] { return seen->frames_copy().size() == 1; }, 5s));
  relay->close();
  relay->close();  // idempotent
  EXPECT_TRUE(eventually([&] { return peer_closed->load(); }, 5s));
  EXPECT_EQ(peer_got->load(), 1);
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(seen->end_copy().has_value());
}

TEST(WsForwarderTest, APeerThatGoesAwayEndsTheRelay) {
  Peers peers([](std::shared_ptr<WsConnection> connection, const HttpRequest&) {
    WsHandlers handlers;
    handlers.on_text = [connection](std::string) { connection->send("subscribed"); };
    return handlers;
  });
  WsForwarder forwarder(peers.relay_io());
  auto seen = std::make_shared<Seen>();
  auto relay = forwarder.open(peers.target(), "/api/ws", "subscribe", 5s, record(seen));
  ASSERT_TRUE(eventually([&] { return seen->frames_copy().size() == 1; }, 5s));
  peers.stop_peer();
  ASSERT_TRUE(eventually([&] { return seen->end_copy().has_value(); }, 5s));
  EXPECT_EQ(seen->end_copy()->first, 1001);  // going away
  EXPECT_EQ(seen->end_copy()->second, "server shutting down");
}

}  // namespace
}  // namespace colonies::transport
