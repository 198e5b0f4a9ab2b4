// client::apply_server_url and client::make_transport: a URL's scheme picks transport and TLS, its
// port (when given) the port; anything else is refused and leaves the configuration alone.
#include <gtest/gtest.h>

#include "client/client.hpp"

namespace colonies::client {
namespace {

TEST(ServerUrlTest, GrpcsPicksGrpcWithTlsHostAndPort) {
  ClientConfig config;
  ASSERT_TRUE(apply_server_url(config, "grpcs://colonies.example.org:50443"));
  EXPECT_EQ(config.transport, TransportKind::Grpc);
  EXPECT_TRUE(config.tls);
  EXPECT_EQ(config.host, "colonies.example.org");
  EXPECT_EQ(config.port, 50443);
}

TEST(ServerUrlTest, HttpWithoutPortKeepsThePortAndDropsTls) {
  ClientConfig config;
  config.port = 8080;
  config.tls = true;
  config.transport = TransportKind::Grpc;
  ASSERT_TRUE(apply_server_url(config, "http://10.0.0.5/ignored/path"));
  EXPECT_EQ(config.transport, TransportKind::Http);
  EXPECT_FALSE(config.tls);
  EXPECT_EQ(config.host, "10.0.0.5");
  EXPECT_EQ(config.port, 8080);
}

TEST(ServerUrlTest, BracketedIpv6HostAndPort) {
  ClientConfig config;
  ASSERT_TRUE(apply_server_url(config, "grpc://[::1]:50081"));
  EXPECT_EQ(config.host, "::1");
  EXPECT_EQ(config.port, 50081);
  EXPECT_FALSE(config.tls);
}

TEST(ServerUrlTest, MalformedUrlsAreRefusedAndChangeNothing) {
  for (const char* url : {"colonies.example.org", "ftp://host", "grpc://:50081", "grpc://host:0", "grpc://host:70000",
                          "grpc://host:12ab", "grpc://[::1", "grpc://[::1]x"}) {
    ClientConfig config;
    config.host = "unchanged";
    auto applied = apply_server_url(config, url);
    ASSERT_FALSE(applied) << url;
    EXPECT_EQ(applied.error().code, ErrorCode::BadRequest) << url;
    EXPECT_EQ(config.host, "unchanged") << url;
    EXPECT_EQ(config.transport, TransportKind::Http) << url;
  }
}

TEST(ServerUrlTest, MakeTransportNamesTheEndpointOfEitherKind) {
  ClientConfig config;
  config.port = 50081;
  config.transport = TransportKind::Grpc;
  EXPECT_EQ(make_transport(config)->endpoint(), "127.0.0.1:50081");
  config.transport = TransportKind::Http;
  EXPECT_EQ(make_transport(config)->endpoint(), "127.0.0.1:50081");
}

}  // namespace
}  // namespace colonies::client
