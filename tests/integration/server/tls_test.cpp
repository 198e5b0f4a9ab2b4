// TLS of a real coloniesd: certificate reload on SIGHUP for HTTPS, WebSocket and gRPC (new
// connections get the new pair, open ones keep theirs, a bad pair is refused and the served one
// stays), the --tls-key permission rule, and what the SDK and the CLI verify (the certificate
// against the CA they were given, the host name against the certificate). Certificates are made
// with the openssl CLI at test time; everything listens on 127.0.0.1.
#include <sys/stat.h>

#include <csignal>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "tests/integration/server/colony_setup.hpp"
#include "tests/integration/server/server_process.hpp"

namespace colonies::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using client::TransportKind;

// A self-signed certificate and its key in `dir` (cert.pem, key.pem) for the subjectAltName
// `san`, e.g. "IP:127.0.0.1" or "DNS:localhost".
bool make_cert(const fs::path& dir, const std::string& san) {
  fs::create_directories(dir);
  const std::string command = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=colonies-test -addext "
                              "subjectAltName=" + san + " -keyout '" + (dir / "key.pem").string() + "' -out '" +
                              (dir / "cert.pem").string() + "' >/dev/null 2>&1";
  if (std::system(command.c_str()) != 0 || !fs::exists(dir / "cert.pem")) return false;
  fs::permissions(dir / "key.pem", fs::perms::owner_read | fs::perms::owner_write);
  return true;
}

// Replaces `to` with a copy of `from` in one rename, as an operator's deploy script should.
void install(const fs::path& from, const fs::path& to, fs::perms mode = fs::perms::owner_read | fs::perms::owner_write) {
  const fs::path staged = to.string() + ".new";
  fs::copy_file(from, staged, fs::copy_options::overwrite_existing);
  fs::permissions(staged, mode);
  fs::rename(staged, to);
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class TlsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(make_cert(dir_.path() / "a", "IP:127.0.0.1")) << "the openssl CLI is needed";
    ASSERT_TRUE(make_cert(dir_.path() / "b", "IP:127.0.0.1"));
    fs::create_directories(served_);
    install(dir_.path() / "a" / "cert.pem", served_ / "cert.pem", fs::perms::owner_read | fs::perms::owner_write |
                                                                       fs::perms::group_read | fs::perms::others_read);
    install(dir_.path() / "a" / "key.pem", served_ / "key.pem");
  }
  void TearDown() override {
    if (server_ && server_->running()) server_->kill9();
  }

  void start_server() {
    ServerProcess::Options options;
    options.binary = COLONIESD_BINARY;
    options.data_dir = dir_.path() / "data";
    options.server_id = server_owner_.id;
    options.extra_args = {"--tls-cert", (served_ / "cert.pem").string(), "--tls-key", (served_ / "key.pem").string()};
    options.grpc = true;
    options.tls = true;
    options.log_level = "info";
    server_ = std::make_unique<ServerProcess>(options);
    ASSERT_TRUE(server_->start()) << server_->error();
  }

  // A client configuration that trusts only the CA `trusted` ("a" or "b": self-signed, so the
  // certificate itself) over `transport`.
  client::ClientConfig trusting(const std::string& trusted, TransportKind transport) const {
    auto config = server_at(transport == TransportKind::Grpc ? server_->grpc_port() : server_->port(), transport);
    config.tls = true;
    config.ca_file = (dir_.path() / trusted / "cert.pem").string();
    return config;
  }

  // Sends SIGHUP and waits until `log_line` appears once more in the server's log.
  void reload_and_wait_for(const std::string& log_line) {
    const auto before = count_of(server_->log_tail(1 << 20), log_line);
    ASSERT_TRUE(server_->send_signal(SIGHUP));
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (count_of(server_->log_tail(1 << 20), log_line) == before) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "no '" << log_line << "' in:\n" << server_->log_tail();
      std::this_thread::sleep_for(20ms);
    }
  }

  // Whether a fresh client trusting `trusted` gets an answer; over gRPC the reload reaches new
  // connections within the certificate provider's refresh interval, so it waits for that.
  bool fresh_client_connects(const std::string& trusted, TransportKind transport, bool expected) const {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (true) {
      const bool connected = client::Client(trusting(trusted, transport), nullptr).version().has_value();
      if (connected == expected || std::chrono::steady_clock::now() >= deadline) return connected;
      std::this_thread::sleep_for(100ms);
    }
  }

  TempDir dir_;
  fs::path served_ = dir_.path() / "served";
  Key server_owner_ = new_key();
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(TlsServerTest, SighupServesTheNewPairToNewConnectionsAndOpenOnesKeepGoing) {
  ASSERT_NO_FATAL_FAILURE(start_server());
  ColonySetup setup;
  ASSERT_NO_FATAL_FAILURE(create_colony(trusting("a", TransportKind::Http), server_owner_, setup));
  // Connections made with certificate A, open across the reload.
  auto http_a = connect(trusting("a", TransportKind::Http), setup.user);
  auto grpc_a = connect(trusting("a", TransportKind::Grpc), setup.user);
  ASSERT_TRUE(http_a.get_colony(setup.colony).has_value());
  ASSERT_TRUE(grpc_a.get_colony(setup.colony).has_value());
  auto subscription_a = http_a.open_processes_subscription(setup.colony, "", std::nullopt, 60);
  ASSERT_TRUE(subscription_a.has_value()) << subscription_a.error().message;

  install(dir_.path() / "b" / "cert.pem", served_ / "cert.pem");
  install(dir_.path() / "b" / "key.pem", served_ / "key.pem");
  ASSERT_NO_FATAL_FAILURE(reload_and_wait_for("TLS certificate reloaded"));

  for (auto transport : {TransportKind::Http, TransportKind::Grpc}) {
    SCOPED_TRACE(transport == TransportKind::Grpc ? "grpc" : "http");
    EXPECT_TRUE(fresh_client_connects("b", transport, true)) << server_->log_tail();
    EXPECT_FALSE(fresh_client_connects("a", transport, false));
  }
  auto refused = client::Client(trusting("a", TransportKind::Http), nullptr).version();
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("certificate verify failed"), std::string::npos) << refused.error().message;
  // WebSocket: a new subscription handshakes with B; trusting A it is refused.
  auto user_b = connect(trusting("b", TransportKind::Http), setup.user);
  auto subscription_b = user_b.open_processes_subscription(setup.colony, "", std::nullopt, 60);
  ASSERT_TRUE(subscription_b.has_value()) << subscription_b.error().message;
  auto user_a = connect(trusting("a", TransportKind::Http), setup.user);
  EXPECT_FALSE(user_a.open_processes_subscription(setup.colony, "", std::nullopt, 60).has_value());

  // The connections opened with A still work: calls on both transports, and the WebSocket
  // subscription gets the event of a process submitted after the reload.
  auto submitted = http_a.submit(make_spec(setup.colony, "worker", "compute"));
  ASSERT_TRUE(submitted.has_value()) << submitted.error().message;
  EXPECT_TRUE(grpc_a.get_process(submitted->processid).has_value());
  for (auto* subscription : {subscription_a->get(), subscription_b->get()}) {
    auto event = subscription->next(10s);
    ASSERT_TRUE(event.has_value()) << event.error().message;
    ASSERT_TRUE(event->has_value()) << "subscription ended";
    EXPECT_EQ((*event)->processid, submitted->processid);
  }
}

TEST_F(TlsServerTest, ABadPairIsRefusedAndTheServedOneStays) {
  ASSERT_NO_FATAL_FAILURE(start_server());
  install(dir_.path() / "b" / "cert.pem", served_ / "cert.pem");
  install(dir_.path() / "b" / "key.pem", served_ / "key.pem");
  ASSERT_NO_FATAL_FAILURE(reload_and_wait_for("TLS certificate reloaded"));
  ASSERT_TRUE(fresh_client_connects("b", TransportKind::Grpc, true));

  // Certificate A with key B: they do not match.
  install(dir_.path() / "a" / "cert.pem", served_ / "cert.pem");
  ASSERT_NO_FATAL_FAILURE(reload_and_wait_for("TLS reload refused"));
  EXPECT_NE(server_->log_tail().find("does not match certificate"), std::string::npos) << server_->log_tail();
  // Not a certificate at all.
  std::ofstream(served_ / "cert.pem") << "not a certificate\n";
  ASSERT_NO_FATAL_FAILURE(reload_and_wait_for("TLS reload refused"));
  // The right pair, but the key readable by others.
  install(dir_.path() / "a" / "key.pem", served_ / "key.pem",
          fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
  install(dir_.path() / "a" / "cert.pem", served_ / "cert.pem");
  ASSERT_NO_FATAL_FAILURE(reload_and_wait_for("TLS reload refused"));
  EXPECT_NE(server_->log_tail().find("chmod 600 " + (served_ / "key.pem").string()), std::string::npos)
      << server_->log_tail();

  // B is still what new connections get, on every transport.
  for (auto transport : {TransportKind::Http, TransportKind::Grpc}) {
    EXPECT_TRUE(client::Client(trusting("b", transport), nullptr).version().has_value());
    EXPECT_FALSE(client::Client(trusting("a", transport), nullptr).version().has_value());
  }
  ASSERT_TRUE(server_->exit_code() == std::nullopt) << "coloniesd ended: " << server_->log_tail();
}

TEST_F(TlsServerTest, SighupWithoutTlsIsLoggedNotFatal) {
  ServerProcess::Options options;
  options.binary = COLONIESD_BINARY;
  options.data_dir = dir_.path() / "plain";
  options.server_id = server_owner_.id;
  options.log_level = "info";
  server_ = std::make_unique<ServerProcess>(options);
  ASSERT_TRUE(server_->start()) << server_->error();
  ASSERT_NO_FATAL_FAILURE(reload_and_wait_for("nothing to reload"));
  EXPECT_TRUE(client::Client(server_at(server_->port()), nullptr).version().has_value());
}

TEST_F(TlsServerTest, StartIsRefusedWhenTheKeyIsReadableByOthers) {
  fs::permissions(served_ / "key.pem", fs::perms::group_read, fs::perm_options::add);
  const auto key = (served_ / "key.pem").string();
  auto [code, output] = run_shell("'" COLONIESD_BINARY "' --port 0 --data-dir '" + (dir_.path() / "data").string() +
                                  "' --server-id " + server_owner_.id + " --tls-cert '" +
                                  (served_ / "cert.pem").string() + "' --tls-key '" + key + "' 2>&1");
  EXPECT_EQ(code, 2) << output;
  EXPECT_NE(output.find("--tls-key " + key), std::string::npos) << output;
  EXPECT_NE(output.find("mode 0640"), std::string::npos) << output;
  EXPECT_NE(output.find("chmod 600 " + key), std::string::npos) << output;
}

// ---- What clients verify.

class TlsVerificationTest : public ::testing::Test {
 protected:
  // A server whose certificate names only DNS:localhost (no IP address).
  void SetUp() override {
    ASSERT_TRUE(make_cert(dir_.path() / "localhost", "DNS:localhost")) << "the openssl CLI is needed";
    ServerProcess::Options options;
    options.binary = COLONIESD_BINARY;
    options.data_dir = dir_.path() / "data";
    options.server_id = server_owner_.id;
    options.extra_args = {"--tls-cert", ca(), "--tls-key", (dir_.path() / "localhost" / "key.pem").string()};
    options.grpc = true;
    options.tls = true;
    server_ = std::make_unique<ServerProcess>(options);
    ASSERT_TRUE(server_->start()) << server_->error();
  }
  void TearDown() override {
    if (server_ && server_->running()) server_->kill9();
  }
  std::string ca() const { return (dir_.path() / "localhost" / "cert.pem").string(); }
  client::ClientConfig config(const std::string& host, TransportKind transport, bool with_ca) const {
    auto c = server_at(transport == TransportKind::Grpc ? server_->grpc_port() : server_->port(), transport);
    c.host = host;
    c.tls = true;
    if (with_ca) c.ca_file = ca();
    return c;
  }
  std::pair<int, std::string> colonies(const std::string& args) {
    return run_shell("env -u COLONIES_SERVER_HOST -u COLONIES_TLS -u COLONIES_TLS_CA_FILE -u COLONIES_TRANSPORT '" COLONIES_CLI_BINARY
                     "' --port " + std::to_string(server_->port()) + " " + args + " 2>&1");
  }

  TempDir dir_;
  Key server_owner_ = new_key();
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(TlsVerificationTest, CertificatesAreVerifiedByDefaultAndTheErrorNamesTheCaOption) {
  for (auto transport : {TransportKind::Http, TransportKind::Grpc}) {
    SCOPED_TRACE(transport == TransportKind::Grpc ? "grpc" : "http");
    auto version = client::Client(config("localhost", transport, false), nullptr).version();
    ASSERT_FALSE(version.has_value());
    EXPECT_EQ(version.error().code, ErrorCode::Unavailable);
    const auto& message = version.error().message;
    EXPECT_NE(message.find("certificate verify failed"), std::string::npos) << message;
    EXPECT_NE(message.find("--tls-ca-file"), std::string::npos) << message;
    EXPECT_NE(message.find("COLONIES_TLS_CA_FILE"), std::string::npos) << message;
  }
}

TEST_F(TlsVerificationTest, TheHostNameMustBeOneTheCertificateNames) {
  for (auto transport : {TransportKind::Http, TransportKind::Grpc}) {
    SCOPED_TRACE(transport == TransportKind::Grpc ? "grpc" : "http");
    auto by_name = client::Client(config("localhost", transport, true), nullptr).version();
    EXPECT_TRUE(by_name.has_value()) << by_name.error().message;
    // Same server, same trusted CA, but reached by an address the certificate does not name.
    auto by_address = client::Client(config("127.0.0.1", transport, true), nullptr).version();
    ASSERT_FALSE(by_address.has_value());
    EXPECT_EQ(by_address.error().code, ErrorCode::Unavailable);
    if (transport == TransportKind::Http) {
      EXPECT_NE(by_address.error().message.find("mismatch"), std::string::npos) << by_address.error().message;
    }
  }
  // The WebSocket client checks the name as well.
  auto user = new_key();
  auto subscriber = connect(config("127.0.0.1", TransportKind::Http, true), user);
  auto subscription = subscriber.open_processes_subscription("lab", "", std::nullopt, 5);
  ASSERT_FALSE(subscription.has_value());
  EXPECT_NE(subscription.error().message.find("mismatch"), std::string::npos) << subscription.error().message;
}

TEST_F(TlsVerificationTest, CliTakesTheCaFromTlsCaFileOrTheEnvironment) {
  auto [refused, refused_output] = colonies("--host localhost --tls server status");
  EXPECT_NE(refused, 0) << refused_output;
  EXPECT_NE(refused_output.find("--tls-ca-file"), std::string::npos) << refused_output;
  auto [by_flag, flag_output] = colonies("--host localhost --tls --tls-ca-file '" + ca() + "' server status");
  EXPECT_EQ(by_flag, 0) << flag_output;
  auto [by_env, env_output] = run_shell("COLONIES_TLS_CA_FILE='" + ca() + "' '" COLONIES_CLI_BINARY "' --port " +
                                        std::to_string(server_->port()) + " --host localhost --tls server status 2>&1");
  EXPECT_EQ(by_env, 0) << env_output;
  auto [insecure, insecure_output] = colonies("--host 127.0.0.1 --tls --insecure server status");
  EXPECT_EQ(insecure, 0) << insecure_output;
}

}  // namespace
}  // namespace colonies::testing
