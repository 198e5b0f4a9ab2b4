// WebSocket side of HttpServer with the WsClient: upgrade on the configured path next to plain
// HTTP on the same port, text frames both ways, the bounded outgoing queue, close semantics
// (normal close flushes, policy close drops), message size limit, server stop.
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "adapters/transport/http/http_client.hpp"
#include "adapters/transport/http/http_server.hpp"
#include "adapters/transport/http/ws_client.hpp"
#include "tests/unit/adapters/transport/transport_test_support.hpp"

namespace colonies::transport {
namespace {

using namespace std::chrono_literals;
using SendResult = WsConnection::SendResult;
using testing::eventually;

// A server whose WebSocket behaviour each test supplies; plain HTTP answers 200 "plain".
class WsHarness {
 public:
  WsHarness(WsAcceptor acceptor, WsOptions ws = {}) : work_(io_.get_executor()) {
    HttpServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.websocket = ws;
    auto server = HttpServer::start(
        io_, options, [](HttpRequest, Responder respond) { respond(HttpResponse{200, "text/plain", "plain"}); },
        std::move(acceptor));
    if (!server) throw std::runtime_error(server.error().message);
    server_ = std::move(*server);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~WsHarness() {
    server_.reset();
    work_.reset();
    io_.stop();
    thread_.join();
  }
  HttpClientOptions client_options() const {
    HttpClientOptions o;
    o.port = server_->port();
    return o;
  }
  std::unique_ptr<WsClient> connect(const std::string& path = "/api/ws") {
    auto ws = WsClient::connect(client_options(), path, 5s);
    EXPECT_TRUE(ws.has_value()) << ws.error().message;
    return ws ? std::move(*ws) : nullptr;
  }
  HttpServer& server() { return *server_; }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

// Reads frames until the close; returns them.
std::vector<std::string> read_all(WsClient& ws) {
  std::vector<std::string> frames;
  for (;;) {
    auto frame = ws.read(5s);
    if (!frame) {
      ADD_FAILURE() << frame.error().message;
      return frames;
    }
    if (!frame->has_value()) return frames;
    frames.push_back(**frame);
  }
}

TEST(WsServerTest, EchoesTextFramesNextToPlainHttp) {
  WsHarness h([](std::shared_ptr<WsConnection> c, const HttpRequest& upgrade) {
    EXPECT_EQ(upgrade.target, "/api/ws");
    return WsHandlers{[c](std::string text) { c->send("echo: " + text); }, {}};
  });
  auto ws = h.connect();
  ASSERT_TRUE(ws);
  ASSERT_TRUE(ws->send("hello", 5s).has_value());
  auto frame = ws->read(5s);
  ASSERT_TRUE(frame.has_value() && frame->has_value());
  EXPECT_EQ(**frame, "echo: hello");
  HttpClient http(h.client_options());
  auto plain = http.get("/api/ws", 5s);  // not an upgrade: a plain request
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->body, "plain");
}

TEST(WsServerTest, UpgradeOnAnotherPathIsAPlainRequest) {
  WsHarness h([](std::shared_ptr<WsConnection>, const HttpRequest&) { return WsHandlers{}; });
  auto ws = WsClient::connect(h.client_options(), "/elsewhere", 5s);
  ASSERT_FALSE(ws.has_value());
  EXPECT_NE(ws.error().message.find("HTTP 200"), std::string::npos) << ws.error().message;
}

TEST(WsServerTest, QueueRefusesFramesBeyondItsBound) {
  std::vector<SendResult> results;
  WsOptions options;
  options.max_queued = 3;
  WsHarness h(
      [&](std::shared_ptr<WsConnection> c, const HttpRequest&) {
        // Inside the connection's strand nothing is written yet, so the queue only grows.
        for (int i = 0; i < 5; ++i) results.push_back(c->send("frame " + std::to_string(i)));
        c->close(1008, "too slow");
        return WsHandlers{};
      },
      options);
  auto ws = h.connect();
  ASSERT_TRUE(ws);
  auto frames = read_all(*ws);
  EXPECT_EQ(results, (std::vector<SendResult>{SendResult::Queued, SendResult::Queued, SendResult::Queued,
                                               SendResult::Full, SendResult::Full}));
  EXPECT_LE(frames.size(), 3u);  // a policy close drops what was not being written
  EXPECT_EQ(ws->closed().code, 1008);
  EXPECT_EQ(ws->closed().reason, "too slow");
}

TEST(WsServerTest, NormalCloseDeliversQueuedFramesFirst) {
  WsHarness h([](std::shared_ptr<WsConnection> c, const HttpRequest&) {
    for (int i = 0; i < 3; ++i) c->send(std::to_string(i));
    c->close(1000, "done");
    EXPECT_EQ(c->send("late"), SendResult::Closed);
    return WsHandlers{};
  });
  auto ws = h.connect();
  ASSERT_TRUE(ws);
  EXPECT_EQ(read_all(*ws), (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(ws->closed().code, 1000);
  EXPECT_EQ(ws->closed().reason, "done");
}

TEST(WsServerTest, OversizedMessageClosesTheConnection) {
  WsOptions options;
  options.message_limit = 16;
  std::atomic<int> texts{0};
  WsHarness h([&](std::shared_ptr<WsConnection>, const HttpRequest&) { return WsHandlers{[&](std::string) { ++texts; }, {}}; },
              options);
  auto ws = h.connect();
  ASSERT_TRUE(ws);
  ASSERT_TRUE(ws->send(std::string(100, 'x'), 5s).has_value());
  read_all(*ws);
  EXPECT_EQ(ws->closed().code, 1009);
  EXPECT_EQ(texts.load(), 0);
}

TEST(WsServerTest, ClosesAConnectionWhoseFirstMessageDoesNotComeInTime) {
  WsOptions options;
  options.first_message_timeout_s = 1;
  std::atomic<int> closed{0};
  WsHarness h(
      [&](std::shared_ptr<WsConnection> c, const HttpRequest&) {
        return WsHandlers{[c](std::string text) { c->send("echo: " + text); }, [&] { ++closed; }};
      },
      options);
  auto silent = h.connect();
  auto talker = h.connect();
  ASSERT_TRUE(silent && talker);
  ASSERT_TRUE(talker->send("hello", 5s).has_value());
  auto echo = talker->read(5s);
  ASSERT_TRUE(echo.has_value() && echo->has_value());
  EXPECT_TRUE(read_all(*silent).empty());
  EXPECT_EQ(silent->closed().code, 1008);
  EXPECT_EQ(silent->closed().reason, "no message within 1 s of the upgrade");
  EXPECT_TRUE(eventually([&] { return closed.load() == 1 && h.server().connection_count() == 1; }));
  // The connection that spoke in time stays open past the limit.
  std::this_thread::sleep_for(1500ms);
  ASSERT_TRUE(talker->send("still here", 5s).has_value());
  auto again = talker->read(5s);
  ASSERT_TRUE(again.has_value() && again->has_value()) << "the first message lifts the limit";
  EXPECT_EQ(**again, "echo: still here");
}

TEST(WsServerTest, PeerCloseRunsOnClosedOnceAndFreesTheSlot) {
  std::atomic<int> closed{0};
  WsHarness h([&](std::shared_ptr<WsConnection>, const HttpRequest&) { return WsHandlers{{}, [&] { ++closed; }}; });
  {
    auto ws = h.connect();
    ASSERT_TRUE(ws);
    EXPECT_TRUE(eventually([&] { return h.server().connection_count() == 1; }));
    ws->close();
  }
  EXPECT_TRUE(eventually([&] { return closed.load() == 1 && h.server().connection_count() == 0; }));
}

TEST(WsServerTest, ServerStopClosesWithGoingAway) {
  WsHarness h([](std::shared_ptr<WsConnection>, const HttpRequest&) { return WsHandlers{}; });
  auto ws = h.connect();
  ASSERT_TRUE(ws);
  EXPECT_TRUE(eventually([&] { return h.server().connection_count() == 1; }));
  h.server().stop();
  read_all(*ws);
  EXPECT_EQ(ws->closed().code, 1001);
  EXPECT_TRUE(eventually([&] { return h.server().connection_count() == 0; }));
}

}  // namespace
}  // namespace colonies::transport
