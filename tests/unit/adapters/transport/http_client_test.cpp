// HttpClient behaviour against a real HttpServer (and a bare listener) on loopback: helpful
// errors, whole-request timeouts, transparent reconnect after an idle close, TLS verification.
// Fast by construction: the longest wait is the server's 1 s idle timeout.
#include <chrono>
#include <mutex>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/adapters/transport/transport_test_support.hpp"

namespace colonies::transport {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::ServerHarness;
using ::testing::HasSubstr;

std::uint16_t unused_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();  // closed on return: connecting is refused
}

TEST(HttpClientTest, ReportsUnavailableWithHelpfulMessageWhenRefused) {
  HttpClientOptions options;
  options.host = "127.0.0.1";
  options.port = unused_port();
  HttpClient client(options);
  auto result = client.get("/health", 2s);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::Unavailable);
  EXPECT_EQ(result.error().message, "cannot connect to 127.0.0.1:" + std::to_string(options.port) +
                                        ": Connection refused — is coloniesd running?");
}

TEST(HttpClientTest, SendsExtraHeadersAndTheServerSeesAuthorization) {
  std::mutex mutex;
  std::string seen;
  ServerHarness harness([&](HttpRequest request, Responder respond) {
    {
      std::lock_guard lock(mutex);
      seen = request.authorization;
    }
    respond(HttpResponse{200, "application/json", "{}"});
  });
  HttpClient client(harness.client_options());
  auto result = client.request("GET", "/x", "", 2s, {{"Authorization", "Bearer abc"}, {"Accept", "application/json"}});
  ASSERT_TRUE(result) << result.error().message;
  std::lock_guard lock(mutex);
  EXPECT_EQ(seen, "Bearer abc");
}

TEST(HttpClientTest, RefusesHeaderValuesWithLineBreaks) {
  HttpClientOptions options;
  options.host = "127.0.0.1";
  options.port = unused_port();
  HttpClient client(options);
  auto result = client.request("GET", "/x", "", 2s, {{"Authorization", "Bearer a\r\nX-Injected: 1"}});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::BadRequest);
}

TEST(HttpClientTest, NamesTheConfiguredServerWhenRefused) {
  HttpClientOptions options;
  options.host = "127.0.0.1";
  options.port = unused_port();
  options.server_name = "the Kubernetes API server";
  HttpClient client(options);
  auto result = client.get("/", 2s);
  ASSERT_FALSE(result);
  EXPECT_THAT(result.error().message, HasSubstr("is the Kubernetes API server running?"));
}

TEST(HttpClientTest, TimesOutWhenServerDoesNotAnswer) {
  std::vector<Responder> parked;
  std::mutex mutex;
  ServerHarness harness([&](HttpRequest, Responder respond) {
    std::lock_guard lock(mutex);
    parked.push_back(std::move(respond));
  });
  HttpClient client(harness.client_options());
  auto started = std::chrono::steady_clock::now();
  auto result = client.post("/api", "{}", 300ms);
  auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::Timeout);
  EXPECT_THAT(result.error().message, HasSubstr("timed out after 300 ms"));
  EXPECT_GE(elapsed, 300ms);
  EXPECT_LT(elapsed, 1s);
}

TEST(HttpClientTest, TimeoutCoversTheWholeRequestNotEachRead) {
  // A bare listener that accepts (in the kernel backlog) but never answers: the client must not
  // wait longer than its timeout in total.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor silent(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  HttpClientOptions options;
  options.port = silent.local_endpoint().port();
  HttpClient client(options);
  auto started = std::chrono::steady_clock::now();
  auto result = client.get("/", 250ms);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::Timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 800ms);
}

TEST(HttpClientTest, ReconnectsOnceAfterServerClosedIdleConnection) {
  HttpServerOptions options;
  options.idle_timeout_s = 1;
  ServerHarness harness(testing::echo_handler(), options);
  HttpClient client(harness.client_options());
  ASSERT_TRUE(client.get("/first", 2s));
  ASSERT_TRUE(eventually([&] { return harness.server().connection_count() == 0; }, 3s));
  auto result = client.post("/second", "again", 2s);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->body, "POST /second again");
}

TEST(HttpClientTest, RetriesOnceWhenReusedConnectionClosesBeforeAnyReplyByte) {
  const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  // Request 1 arrives on the kept-alive connection, which then closes without a reply (the
  // close crossed our write); the client sends it again once, on a new connection.
  testing::ScriptedServer server([&](int n) { return testing::ScriptedServer::Reply{n == 1 ? "" : ok, n == 1}; });
  HttpClientOptions options;
  options.port = server.port();
  HttpClient client(options);
  ASSERT_TRUE(client.get("/a", 2s));
  auto result = client.get("/b", 2s);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->body, "ok");
  EXPECT_EQ(server.connections(), 2);
  EXPECT_EQ(server.requests(), 3);
}

TEST(HttpClientTest, DoesNotResendWhenPartOfTheReplyArrived) {
  testing::ScriptedServer server([](int n) {
    if (n == 0) return testing::ScriptedServer::Reply{"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false};
    return testing::ScriptedServer::Reply{"HTTP/1.1 200 OK\r\nContent-Len", true};
  });
  HttpClientOptions options;
  options.port = server.port();
  HttpClient client(options);
  ASSERT_TRUE(client.get("/a", 2s));
  auto result = client.get("/b", 2s);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::Unavailable);
  EXPECT_THAT(result.error().message, HasSubstr("lost while reading the reply"));
  EXPECT_EQ(server.requests(), 2);
}

TEST(HttpClientTest, DoesNotRetryOnAFreshConnection) {
  testing::ScriptedServer server([](int) { return testing::ScriptedServer::Reply{"", true}; });
  HttpClientOptions options;
  options.port = server.port();
  HttpClient client(options);
  auto result = client.get("/a", 2s);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::Unavailable);
  EXPECT_EQ(server.requests(), 1);
}

TEST(HttpClientTest, ReconnectsAfterExplicitClose) {
  ServerHarness harness(testing::echo_handler());
  HttpClient client(harness.client_options());
  ASSERT_TRUE(client.get("/a", 2s));
  client.close();
  EXPECT_TRUE(eventually([&] { return harness.server().connection_count() == 0; }));
  auto result = client.get("/b", 2s);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->body, "GET /b ");
}

TEST(HttpClientTest, RejectsUntrustedCertificateWhenVerifying) {
  testing::SelfSignedCert cert;
  HttpServerOptions server_options;
  server_options.tls_cert_file = cert.cert_file();
  server_options.tls_key_file = cert.key_file();
  ServerHarness harness(testing::echo_handler(), server_options);

  auto options = harness.client_options();
  options.tls = true;  // verifying, but the self-signed cert is not trusted
  HttpClient client(options);
  auto result = client.get("/", 2s);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::Unavailable);
  EXPECT_THAT(result.error().message, HasSubstr("TLS handshake with 127.0.0.1:"));
  EXPECT_THAT(result.error().message, HasSubstr("certificate verify failed"));

  options.tls_verify = false;  // explicitly opted out
  HttpClient unverified(options);
  auto accepted = unverified.get("/", 2s);
  ASSERT_TRUE(accepted) << accepted.error().message;
  EXPECT_EQ(accepted->status, 200);
}

TEST(HttpClientTest, RejectsCertificateForAnotherHostName) {
  testing::SelfSignedCert cert("DNS:server.example");  // trusted, but for another name
  HttpServerOptions server_options;
  server_options.tls_cert_file = cert.cert_file();
  server_options.tls_key_file = cert.key_file();
  ServerHarness harness(testing::echo_handler(), server_options);

  auto options = harness.client_options();
  options.tls = true;
  options.ca_file = cert.cert_file();
  HttpClient client(options);
  auto result = client.get("/", 2s);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::Unavailable);
  EXPECT_THAT(result.error().message, HasSubstr("certificate verify failed"));
}

TEST(HttpClientTest, RefusesTargetThatWouldInjectHeaderLines) {
  ServerHarness harness(testing::echo_handler());
  HttpClient client(harness.client_options());
  auto result = client.get("/api HTTP/1.1\r\nX-Injected: 1\r\n", 1s);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::BadRequest);
}

TEST(HttpClientTest, ReportsBadRequestForUnreadableCaFile) {
  HttpClientOptions options;
  options.tls = true;
  options.ca_file = "/nonexistent/ca.pem";
  HttpClient client(options);
  auto result = client.get("/", 1s);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::BadRequest);
  EXPECT_THAT(result.error().message, HasSubstr("/nonexistent/ca.pem"));
}

}  // namespace
}  // namespace colonies::transport
