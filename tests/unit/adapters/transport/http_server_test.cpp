// HttpServer behaviour over loopback: keep-alive, late and cross-thread responders, limits and
// timeouts against misbehaving clients, graceful stop, TLS. Timeouts are set to 1 s (the
// smallest the options allow) so the suite stays fast; no case depends on another.
#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>
#include <gtest/gtest.h>

#include "core/protocol/envelope.hpp"
#include "tests/unit/adapters/transport/transport_test_support.hpp"

namespace colonies::transport {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::RawConnection;
using testing::ServerHarness;
using ::testing::HasSubstr;
using ::testing::StartsWith;

HttpServerOptions short_timeouts() {
  HttpServerOptions options;
  options.header_timeout_s = 1;
  options.body_timeout_s = 1;
  options.idle_timeout_s = 1;
  return options;
}

// Collects responders so a test can answer later, from its own thread.
struct ParkedRequests {
  std::mutex mutex;
  std::vector<std::pair<HttpRequest, Responder>> parked;

  HttpHandler handler() {
    return [this](HttpRequest request, Responder respond) {
      std::lock_guard lock(mutex);
      parked.emplace_back(std::move(request), std::move(respond));
    };
  }
  std::size_t size() {
    std::lock_guard lock(mutex);
    return parked.size();
  }
  Responder responder(std::size_t i) {
    std::lock_guard lock(mutex);
    return parked.at(i).second;
  }
};

TEST(HttpServerTest, EchoesRequestThroughHandler) {
  ServerHarness harness(testing::echo_handler());
  HttpClient client(harness.client_options());
  auto result = client.post("/api", R"({"x":1})", 2s);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, R"(POST /api {"x":1})");
}

TEST(HttpServerTest, SetsServerContentTypeAndKeepAliveHeaders) {
  ServerHarness harness(testing::echo_handler());
  RawConnection raw(harness.port());
  raw.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  auto reply = raw.receive_response();
  EXPECT_THAT(reply, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(reply, HasSubstr("Server: coloniesd\r\n"));
  EXPECT_THAT(reply, HasSubstr("Content-Type: text/plain\r\n"));
  EXPECT_THAT(reply, ::testing::Not(HasSubstr("Connection: close")));

  RawConnection closing(harness.port());
  closing.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_THAT(closing.receive(), HasSubstr("Connection: close\r\n"));  // receive() ends at EOF
}

TEST(HttpServerTest, ServesManyRequestsOnOneKeptAliveConnection) {
  std::mutex mutex;
  std::set<std::string> remotes;
  ServerHarness harness([&](HttpRequest request, Responder respond) {
    {
      std::lock_guard lock(mutex);
      remotes.insert(request.remote);
    }
    respond(HttpResponse{200, "text/plain", "ok"});
  });
  HttpClient client(harness.client_options());
  for (int i = 0; i < 50; ++i) {
    auto result = client.get("/health", 2s);
    ASSERT_TRUE(result) << result.error().message;
    ASSERT_EQ(result->status, 200);
  }
  EXPECT_EQ(harness.server().connection_count(), 1u);
  std::lock_guard lock(mutex);
  EXPECT_EQ(remotes.size(), 1u);
  EXPECT_THAT(*remotes.begin(), StartsWith("127.0.0.1:"));
}

TEST(HttpServerTest, DeliversAResponseGivenLaterFromAnotherThread) {
  std::vector<std::thread> workers;
  std::mutex mutex;
  ServerHarness harness([&](HttpRequest request, Responder respond) {
    if (request.target == "/now") {
      respond(HttpResponse{200, "application/json", "now " + request.body});
      return;
    }
    std::lock_guard lock(mutex);
    workers.emplace_back([request = std::move(request), respond] {
      std::this_thread::sleep_for(300ms);
      respond(HttpResponse{200, "application/json", "late " + request.body});
    });
  });
  HttpClient client(harness.client_options());
  auto started = std::chrono::steady_clock::now();
  auto result = client.post("/api", "poll", 5s);
  auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->body, "late poll");
  EXPECT_GE(elapsed, 300ms);
  // The connection is still good for the next request after a long handling time.
  auto second = client.post("/now", "again", 5s);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->body, "now again");
  EXPECT_EQ(harness.server().connection_count(), 1u);
  std::lock_guard lock(mutex);
  for (auto& worker : workers) worker.join();
}

TEST(HttpServerTest, IgnoresResponderCalledAfterClientDisconnected) {
  ParkedRequests parked;
  ServerHarness harness(parked.handler());
  {
    RawConnection raw(harness.port());
    raw.send("POST /api HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi");
    ASSERT_TRUE(eventually([&] { return parked.size() == 1; }));
  }
  // The server notices the peer leaving while the handler still holds the request.
  EXPECT_TRUE(eventually([&] { return harness.server().connection_count() == 0; }));
  auto respond = parked.responder(0);
  respond(HttpResponse{200, "text/plain", "too late"});
  respond(HttpResponse{200, "text/plain", "twice"});

  // And a responder that outlives the server and its io_context is harmless too.
  harness.destroy_server();
  respond(HttpResponse{200, "text/plain", "much too late"});
}

TEST(HttpServerTest, IgnoresSecondCallOfTheSameResponder) {
  ServerHarness harness([](HttpRequest, Responder respond) {
    respond(HttpResponse{200, "text/plain", "first"});
    respond(HttpResponse{500, "text/plain", "second"});
  });
  HttpClient client(harness.client_options());
  for (int i = 0; i < 3; ++i) {
    auto result = client.get("/", 2s);
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(result->body, "first");
  }
}

TEST(HttpServerTest, AnswersOversizedBodyWith413ErrorEnvelope) {
  auto options = short_timeouts();
  options.body_limit = 1024;
  std::atomic<int> handled{0};
  ServerHarness harness([&](HttpRequest, Responder respond) {
    ++handled;
    respond(HttpResponse{200, "text/plain", "ok"});
  }, options);
  HttpClient client(harness.client_options());
  auto result = client.post("/api", std::string(64 * 1024, 'x'), 3s);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->status, 413);
  auto reply = protocol::decode_reply(result->body);
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_TRUE(reply->error);
  EXPECT_EQ(reply->payloadtype, "error");
  EXPECT_EQ(reply->payload.at("status").as_int64(), 413);
  EXPECT_EQ(reply->payload.at("message").as_string(), "request body of 65536 bytes exceeds the limit of 1024 bytes");
  EXPECT_EQ(handled.load(), 0);
  EXPECT_TRUE(eventually([&] { return harness.server().connection_count() == 0; }));

  // The client reconnects for the next, acceptable request.
  auto small = client.post("/api", "small", 3s);
  ASSERT_TRUE(small) << small.error().message;
  EXPECT_EQ(small->status, 200);
}

TEST(HttpServerTest, AnswersMalformedRequestWith400AndCloses) {
  ServerHarness harness(testing::echo_handler(), short_timeouts());
  RawConnection raw(harness.port());
  raw.send("THIS IS NOT HTTP\r\n\r\n");
  auto reply = raw.receive();  // until the server closes
  EXPECT_THAT(reply, StartsWith("HTTP/1.1 400"));
  EXPECT_THAT(reply, HasSubstr("\"error\":true"));
}

TEST(HttpServerTest, ClosesSlowHeaderClientWhileServingOthers) {
  auto options = short_timeouts();
  options.idle_timeout_s = 30;  // the header timeout, not the idle one, must cut the slow client
  ServerHarness harness(testing::echo_handler(), options, 1);
  RawConnection slow(harness.port());
  slow.send("GET / HTTP/1.1\r\nHost: x\r\n");  // never finishes its header
  auto started = std::chrono::steady_clock::now();

  HttpClient client(harness.client_options());
  auto result = client.get("/fast", 2s);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms);

  EXPECT_TRUE(slow.closed_by_peer());
  auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_GE(elapsed, 900ms);
  EXPECT_LT(elapsed, 3s);
}

TEST(HttpServerTest, ClosesClientThatSendsBodyTooSlowly) {
  ServerHarness harness(testing::echo_handler(), short_timeouts());
  RawConnection slow(harness.port());
  slow.send("POST /api HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab");
  auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(slow.closed_by_peer());
  EXPECT_GE(std::chrono::steady_clock::now() - started, 900ms);
}

TEST(HttpServerTest, AppliesNoReadTimeoutWhileHandlerHoldsRequest) {
  std::vector<std::thread> workers;
  std::mutex mutex;
  ServerHarness harness([&](HttpRequest, Responder respond) {
    std::lock_guard lock(mutex);
    workers.emplace_back([respond] {
      std::this_thread::sleep_for(1150ms);  // longer than every timeout of short_timeouts()
      respond(HttpResponse{200, "text/plain", "patience"});
    });
  }, short_timeouts());
  HttpClient client(harness.client_options());
  auto result = client.get("/long-poll", 5s);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->body, "patience");
  std::lock_guard lock(mutex);
  for (auto& worker : workers) worker.join();
}

TEST(HttpServerTest, SendsContinueBeforeReadingBodyWhenAsked) {
  ServerHarness harness(testing::echo_handler(), short_timeouts());
  RawConnection raw(harness.port());
  raw.send("POST /api HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  EXPECT_EQ(raw.receive(25), "HTTP/1.1 100 Continue\r\n\r\n");
  raw.send("hello");
  auto reply = raw.receive_response();
  EXPECT_THAT(reply, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(reply, ::testing::EndsWith("POST /api hello"));
}

TEST(HttpServerTest, AnswersHandlerExceptionWith500) {
  ServerHarness harness([](HttpRequest, Responder) { throw std::runtime_error("boom"); });
  HttpClient client(harness.client_options());
  auto result = client.get("/", 2s);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->status, 500);
  auto reply = protocol::decode_reply(result->body);
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_TRUE(reply->error);
}

TEST(HttpServerTest, ClosesIdleKeptAliveConnection) {
  ServerHarness harness(testing::echo_handler(), short_timeouts());
  HttpClient client(harness.client_options());
  ASSERT_TRUE(client.get("/", 2s));
  EXPECT_EQ(harness.server().connection_count(), 1u);
  EXPECT_TRUE(eventually([&] { return harness.server().connection_count() == 0; }, 3s));
}

TEST(HttpServerTest, DropsConnectionsBeyondMaxConnectionsAndWarnsOnceForABurst) {
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(100);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
  auto options = short_timeouts();
  options.max_connections = 1;
  {
    ServerHarness harness(testing::echo_handler(), options);
    HttpClient first(harness.client_options());
    ASSERT_TRUE(first.get("/", 2s));
    RawConnection second(harness.port());
    EXPECT_TRUE(second.closed_by_peer());
    RawConnection third(harness.port());
    EXPECT_TRUE(third.closed_by_peer());
    EXPECT_EQ(harness.server().connection_count(), 1u);
  }
  spdlog::set_default_logger(previous);
  int warnings = 0;
  for (const auto& line : sink->last_formatted()) {
    if (line.find("--max-connections") != std::string::npos) ++warnings;
  }
  EXPECT_EQ(warnings, 1) << "two refused connections within the interval make one warning; log:\n"
                         << ::testing::PrintToString(sink->last_formatted());
}

TEST(HttpServerTest, FinishesInFlightRequestOnStopAndClosesIdleConnections) {
  ParkedRequests parked;
  auto park = parked.handler();
  ServerHarness harness([&](HttpRequest request, Responder respond) {
    if (request.target == "/now") {
      respond(HttpResponse{200, "text/plain", "now"});
      return;
    }
    park(std::move(request), std::move(respond));
  });
  HttpClient idle_client(harness.client_options());
  ASSERT_TRUE(idle_client.get("/now", 2s));
  HttpClient busy_client(harness.client_options());
  auto in_flight = std::async(std::launch::async, [&] { return busy_client.get("/slow", 5s); });
  ASSERT_TRUE(eventually([&] { return parked.size() == 1; }));
  EXPECT_EQ(harness.server().connection_count(), 2u);

  harness.server().stop();
  EXPECT_TRUE(eventually([&] { return harness.server().connection_count() == 1; }, 1s));

  parked.responder(0)(HttpResponse{200, "text/plain", "finished"});
  auto result = in_flight.get();
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->body, "finished");
  EXPECT_TRUE(eventually([&] { return harness.server().connection_count() == 0; }));

  HttpClient late(harness.client_options());
  auto refused = late.get("/now", 1s);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::Unavailable);
  harness.server().stop();  // idempotent
}

TEST(HttpServerTest, ReportsUnavailableWhenPortIsTaken) {
  ServerHarness harness(testing::echo_handler());
  boost::asio::io_context io;
  HttpServerOptions options;
  options.host = "127.0.0.1";
  options.port = harness.port();
  auto second = HttpServer::start(io, options, testing::echo_handler());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::Unavailable);
  EXPECT_THAT(second.error().message, HasSubstr("127.0.0.1:" + std::to_string(harness.port())));
  EXPECT_THAT(second.error().message, ::testing::ContainsRegex("[Aa]ddress already in use"));
}

TEST(HttpServerTest, ReportsBadRequestWhenTlsFilesCannotBeLoaded) {
  boost::asio::io_context io;
  HttpServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.tls_cert_file = "/nonexistent/cert.pem";
  options.tls_key_file = "/nonexistent/key.pem";
  auto started = HttpServer::start(io, options, testing::echo_handler());
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, ErrorCode::BadRequest);
  EXPECT_THAT(started.error().message, HasSubstr("/nonexistent/cert.pem"));

  options.tls_key_file.clear();  // half a TLS configuration fails closed too
  auto half = HttpServer::start(io, options, testing::echo_handler());
  ASSERT_FALSE(half);
  EXPECT_EQ(half.error().code, ErrorCode::BadRequest);
}

TEST(HttpServerTest, ServesOverTlsWithSelfSignedCertificate) {
  testing::SelfSignedCert cert;
  auto options = short_timeouts();
  options.tls_cert_file = cert.cert_file();
  options.tls_key_file = cert.key_file();
  ServerHarness harness(testing::echo_handler(), options);
  auto client_options = harness.client_options();
  client_options.tls = true;
  client_options.ca_file = cert.cert_file();
  HttpClient client(client_options);
  for (int i = 0; i < 3; ++i) {
    auto result = client.post("/api", "secret", 3s);
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(result->body, "POST /api secret");
  }
  EXPECT_EQ(harness.server().connection_count(), 1u);

  // A plain-HTTP client gets nowhere with a TLS server.
  HttpClient plain(harness.client_options());
  EXPECT_FALSE(plain.get("/", 2s));
}

}  // namespace
}  // namespace colonies::transport
