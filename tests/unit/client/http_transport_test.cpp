// The SDK over real HTTP on loopback: a signed call reaches POST /api and its reply comes back
// typed; error statuses keep their code; a non-envelope error body still maps to its status;
// a closed port is Unavailable.
#include "client/http_transport.hpp"

#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "adapters/crypto/sodium_crypto.hpp"
#include "adapters/transport/http/http_server.hpp"
#include "client/client.hpp"
#include "core/protocol/envelope.hpp"

namespace colonies::client {
namespace {

class HttpTransportTest : public ::testing::Test {
 protected:
  void serve(transport::HttpHandler handler) {
    transport::HttpServerOptions options;
    options.port = 0;
    auto server = transport::HttpServer::start(io_, options, std::move(handler));
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~HttpTransportTest() override {
    if (server_) server_->stop();
    server_.reset();
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }
  ClientConfig config() const {
    ClientConfig c;
    c.port = server_->port();
    c.request_timeout = std::chrono::seconds(5);
    return c;
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
  std::unique_ptr<transport::HttpServer> server_;
  std::thread thread_;
  crypto::SodiumCrypto sodium_;
};

TEST_F(HttpTransportTest, SignedCallRoundTripsOverHttp) {
  std::string seen_target;
  bool verified = false;
  serve([&](transport::HttpRequest request, transport::Responder respond) {
    seen_target = request.target;
    auto envelope = protocol::decode_envelope(request.body);
    verified = envelope && crypto::SodiumCrypto().verify(envelope->payload, envelope->signature, envelope->signer);
    respond({200, "application/json",
             protocol::encode_reply("getcolonymsg", boost::json::object{{"colonyid", std::string(64, 'a')},
                                                                         {"name", "dev"}})});
  });
  auto client = Client::connect(config(), sodium_.generate_private_key());
  ASSERT_TRUE(client);
  auto colony = client->get_colony("dev");
  ASSERT_TRUE(colony) << colony.error().message;
  EXPECT_EQ(colony->name, "dev");
  EXPECT_EQ(seen_target, "/api");
  EXPECT_TRUE(verified);
  // The kept-alive connection serves a second call.
  EXPECT_TRUE(client->get_colony("dev"));
}

TEST_F(HttpTransportTest, ErrorStatusKeepsTheServerMessage) {
  serve([](transport::HttpRequest, transport::Responder respond) {
    respond({403, "application/json", protocol::encode_error_reply(403, "not a member of colony dev")});
  });
  auto client = Client::connect(config(), sodium_.generate_private_key());
  auto result = client->get_colony("dev");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::Forbidden);
  EXPECT_EQ(result.error().message, "not a member of colony dev");
  EXPECT_EQ(client->last_reply_status(), 403);
}

TEST_F(HttpTransportTest, NonEnvelopeErrorBodyStillMapsItsStatus) {
  serve([](transport::HttpRequest, transport::Responder respond) {
    respond({503, "text/plain", "upstream unavailable"});
  });
  auto client = Client::connect(config(), sodium_.generate_private_key());
  auto result = client->get_colony("dev");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::Unavailable);
  EXPECT_EQ(client->last_reply_status(), 503);
  EXPECT_NE(result.error().message.find("upstream unavailable"), std::string::npos) << result.error().message;
}

TEST(HttpTransportNoServerTest, ClosedPortIsUnavailableWithoutReplyStatus) {
  // Bind and release a port so that nothing listens on it.
  boost::asio::io_context io;
  transport::HttpServerOptions options;
  options.port = 0;
  std::uint16_t port = 0;
  {
    auto server = transport::HttpServer::start(io, options, [](transport::HttpRequest, transport::Responder) {});
    ASSERT_TRUE(server);
    port = (*server)->port();
    (*server)->stop();
  }
  io.run();
  ClientConfig config;
  config.port = port;
  config.request_timeout = std::chrono::seconds(2);
  auto client = Client::connect(config, crypto::SodiumCrypto().generate_private_key());
  auto result = client->get_colony("dev");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::Unavailable) << result.error().message;
  EXPECT_EQ(client->last_reply_status(), 0);
}

}  // namespace
}  // namespace colonies::client
