// TLS pieces of the transport adapter: load_tls_material's checks, a certificate swapped into a
// running HttpServer (new connections only), and what the client sends and checks (SNI, the
// host name or address, and an error that says why a certificate was refused).
#include <openssl/ssl.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "adapters/transport/http/http_client.hpp"
#include "adapters/transport/http/http_server.hpp"
#include "adapters/transport/tls/tls_material.hpp"
#include "tests/unit/adapters/transport/transport_test_support.hpp"

namespace colonies::transport {
namespace {

using namespace std::chrono_literals;
using testing::SelfSignedCert;
using testing::ServerHarness;
using ::testing::HasSubstr;

TEST(TlsMaterialTest, LoadsAMatchingPairAndDescribesTheCertificate) {
  SelfSignedCert cert;
  auto material = load_tls_material(cert.cert_file(), cert.key_file());
  ASSERT_TRUE(material.has_value()) << material.error().message;
  EXPECT_THAT(material->cert_pem, HasSubstr("BEGIN CERTIFICATE"));
  EXPECT_THAT(material->key_pem, HasSubstr("PRIVATE KEY"));
  EXPECT_EQ(material->subject, "CN=localhost");
  EXPECT_THAT(material->not_after, HasSubstr("GMT"));
  EXPECT_EQ(material->sha256.size(), 64u);
}

TEST(TlsMaterialTest, RefusesAKeyOfAnotherCertificate) {
  SelfSignedCert a;
  SelfSignedCert b;
  auto material = load_tls_material(a.cert_file(), b.key_file());
  ASSERT_FALSE(material.has_value());
  EXPECT_EQ(material.error().code, ErrorCode::BadRequest);
  EXPECT_EQ(material.error().message,
            "TLS key " + b.key_file() + " does not match certificate " + a.cert_file());
}

TEST(TlsMaterialTest, RefusesFilesWithoutPemAndMissingFiles) {
  SelfSignedCert cert;
  const auto junk = (cert.dir() / "junk.pem").string();
  std::ofstream(junk) << "not PEM\n";
  auto no_cert = load_tls_material(junk, cert.key_file());
  ASSERT_FALSE(no_cert.has_value());
  EXPECT_THAT(no_cert.error().message, HasSubstr("TLS certificate " + junk + " holds no PEM certificate"));
  // A certificate where the key should be is not a key.
  auto no_key = load_tls_material(cert.cert_file(), cert.cert_file());
  ASSERT_FALSE(no_key.has_value());
  EXPECT_THAT(no_key.error().message, HasSubstr("holds no unencrypted PEM private key"));
  auto missing = load_tls_material(cert.cert_file(), "/nonexistent/key.pem");
  ASSERT_FALSE(missing.has_value());
  EXPECT_THAT(missing.error().message, HasSubstr("cannot read the TLS key /nonexistent/key.pem"));
}

TEST(TlsMaterialTest, RefusesAnEncryptedKeyInsteadOfPrompting) {
  SelfSignedCert cert;
  const auto encrypted = (cert.dir() / "encrypted.pem").string();
  const std::string command = "openssl pkey -in '" + cert.key_file() + "' -aes256 -passout pass:secret -out '" +
                              encrypted + "' 2>/dev/null";
  if (std::system(command.c_str()) != 0) GTEST_SKIP() << "the openssl CLI is needed";
  auto material = load_tls_material(cert.cert_file(), encrypted);
  ASSERT_FALSE(material.has_value());
  EXPECT_THAT(material.error().message, HasSubstr("holds no unencrypted PEM private key"));
}

TEST(HttpServerTlsTest, UseTlsServesNewConnectionsTheNewCertificateAndOpenOnesKeepTheirs) {
  SelfSignedCert a;
  SelfSignedCert b;
  HttpServerOptions options;
  options.tls_cert_file = a.cert_file();
  options.tls_key_file = a.key_file();
  ServerHarness harness(testing::echo_handler(), options);
  auto trusting = [&](const SelfSignedCert& cert) {
    auto client_options = harness.client_options();
    client_options.tls = true;
    client_options.ca_file = cert.cert_file();
    return client_options;
  };
  HttpClient kept_alive(trusting(a));
  ASSERT_TRUE(kept_alive.get("/", 2s).has_value());

  auto material = load_tls_material(b.cert_file(), b.key_file());
  ASSERT_TRUE(material.has_value()) << material.error().message;
  ASSERT_TRUE(harness.server().use_tls(*material).has_value());

  HttpClient fresh_b(trusting(b));
  auto served_b = fresh_b.get("/", 2s);
  EXPECT_TRUE(served_b.has_value()) << served_b.error().message;
  HttpClient fresh_a(trusting(a));
  auto refused = fresh_a.get("/", 2s);
  ASSERT_FALSE(refused.has_value());
  EXPECT_THAT(refused.error().message, HasSubstr("certificate verify failed"));
  // The connection made before the swap still carries requests.
  auto again = kept_alive.get("/", 2s);
  EXPECT_TRUE(again.has_value()) << again.error().message;
}

TEST(HttpServerTlsTest, UseTlsOnAPlainServerIsRefused) {
  SelfSignedCert cert;
  ServerHarness harness(testing::echo_handler());
  auto material = load_tls_material(cert.cert_file(), cert.key_file());
  ASSERT_TRUE(material.has_value());
  auto used = harness.server().use_tls(*material);
  ASSERT_FALSE(used.has_value());
  EXPECT_EQ(used.error().code, ErrorCode::BadRequest);
  EXPECT_TRUE(HttpClient(harness.client_options()).get("/", 2s).has_value());
}

TEST(HttpClientTlsTest, UntrustedCertificateNamesTheReasonAndTheHint) {
  SelfSignedCert cert;
  HttpServerOptions options;
  options.tls_cert_file = cert.cert_file();
  options.tls_key_file = cert.key_file();
  ServerHarness harness(testing::echo_handler(), options);
  auto client_options = harness.client_options();
  client_options.tls = true;
  client_options.tls_trust_hint = "give its CA with --tls-ca-file";
  auto result = HttpClient(client_options).get("/", 2s);
  ASSERT_FALSE(result.has_value());
  EXPECT_THAT(result.error().message,
              HasSubstr("certificate verify failed (self-signed certificate): give its CA with --tls-ca-file"));
}

TEST(HttpClientTlsTest, TheCertificateMustNameTheHostOrAddressConnectedTo) {
  SelfSignedCert cert("DNS:localhost");  // no IP address entry
  HttpServerOptions options;
  options.tls_cert_file = cert.cert_file();
  options.tls_key_file = cert.key_file();
  ServerHarness harness(testing::echo_handler(), options);
  auto client_options = harness.client_options();
  client_options.tls = true;
  client_options.ca_file = cert.cert_file();
  client_options.tls_trust_hint = "not shown for a name mismatch";

  auto by_address = HttpClient(client_options).get("/", 2s);
  ASSERT_FALSE(by_address.has_value());
  EXPECT_THAT(by_address.error().message, HasSubstr("certificate verify failed (IP address mismatch)"));
  EXPECT_THAT(by_address.error().message, HasSubstr("not issued for '127.0.0.1'"));
  EXPECT_THAT(by_address.error().message, ::testing::Not(HasSubstr("not shown")));

  client_options.host = "localhost";
  auto by_name = HttpClient(client_options).get("/", 2s);
  EXPECT_TRUE(by_name.has_value()) << by_name.error().message;

  SelfSignedCert other("DNS:server.example");
  HttpServerOptions other_options;
  other_options.tls_cert_file = other.cert_file();
  other_options.tls_key_file = other.key_file();
  ServerHarness other_harness(testing::echo_handler(), other_options);
  auto other_client = other_harness.client_options();
  other_client.host = "localhost";
  other_client.tls = true;
  other_client.ca_file = other.cert_file();
  auto mismatch = HttpClient(other_client).get("/", 2s);
  ASSERT_FALSE(mismatch.has_value());
  EXPECT_THAT(mismatch.error().message, HasSubstr("certificate verify failed (hostname mismatch)"));
}

// A one-connection TLS server that records the server name (SNI) the client asked for, then
// drops the connection.
class SniRecorder {
 public:
  explicit SniRecorder(const SelfSignedCert& cert) : context_(boost::asio::ssl::context::tls_server) {
    context_.use_certificate_chain_file(cert.cert_file());
    context_.use_private_key_file(cert.key_file(), boost::asio::ssl::context::pem);
    acceptor_.open(boost::asio::ip::tcp::v4());
    acceptor_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    thread_ = std::thread([this] {
      boost::system::error_code ec;
      boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream(io_, context_);
      acceptor_.accept(stream.next_layer(), ec);
      if (ec) return;
      stream.handshake(boost::asio::ssl::stream_base::server, ec);
      const char* name = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
      server_name_ = ec ? "(handshake failed: " + ec.message() + ")" : name ? name : "(none)";
    });
  }
  ~SniRecorder() {
    if (thread_.joinable()) thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  // Waits for the one connection to end.
  std::string server_name() {
    if (thread_.joinable()) thread_.join();
    return server_name_;
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ssl::context context_;
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  std::string server_name_;
  std::thread thread_;
};

TEST(HttpClientTlsTest, SendsTheHostNameAsSniButNeverAnAddress) {
  SelfSignedCert cert;
  for (const auto& [host, expected] : {std::pair<std::string, std::string>{"localhost", "localhost"},
                                       std::pair<std::string, std::string>{"127.0.0.1", "(none)"}}) {
    SniRecorder recorder(cert);
    HttpClientOptions options;
    options.host = host;
    options.port = recorder.port();
    options.tls = true;
    options.tls_verify = false;  // only what is sent matters here
    HttpClient(options).get("/", 1s);  // the recorder answers nothing; the handshake is what counts
    EXPECT_EQ(recorder.server_name(), expected) << host;
  }
}

}  // namespace
}  // namespace colonies::transport
