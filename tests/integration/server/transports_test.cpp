// The same client-level scenarios over both transports of coloniesd: HTTP (POST /api and the
// WebSocket) and gRPC (Call and Subscribe). A lifecycle, errors with their status (a wrong role,
// an unknown process, a double close), unsigned calls, subscriptions, a long-poll timeout, a
// subscriber cut off for reading too slowly, and shutdown with open streams. TLS for gRPC and
// the CLI over gRPC are at the end. Everything listens on 127.0.0.1.
#include <cstdio>
#include <ctime>
#include <thread>

#include <gtest/gtest.h>

#include "adapters/crypto/sodium_crypto.hpp"
#include "core/protocol/envelope.hpp"
#include "core/protocol/messages.hpp"
#include "tests/integration/server/colony_setup.hpp"
#include "tests/integration/server/server_process.hpp"

namespace colonies::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using client::TransportKind;
using model::ProcessState;

std::string name_of(TransportKind kind) { return kind == TransportKind::Grpc ? "grpc" : "http"; }

class TransportTest : public ::testing::TestWithParam<TransportKind> {
 protected:
  void SetUp() override { start({}); }
  void TearDown() override {
    if (server_ && server_->running()) server_->kill9();
  }

  // A fresh server (and data directory) serving both transports, with a colony, a user and an
  // executor set up over the transport under test.
  void start(std::vector<std::string> extra_args) {
    if (server_ && server_->running()) server_->kill9();
    ServerProcess::Options options;
    options.binary = COLONIESD_BINARY;
    options.data_dir = dir_.path() / ("data" + std::to_string(++starts_));
    options.server_id = server_owner_.id;
    options.extra_args = std::move(extra_args);
    options.grpc = true;
    server_ = std::make_unique<ServerProcess>(options);
    ASSERT_TRUE(server_->start()) << server_->error();
    ASSERT_NO_FATAL_FAILURE(create_colony(config(), server_owner_, setup_));
    executor_ = add_executor(config(), setup_, "exec", "worker");
  }

  client::ClientConfig config() const {
    const bool grpc = GetParam() == TransportKind::Grpc;
    return server_at(grpc ? server_->grpc_port() : server_->port(), GetParam());
  }
  client::Client as(const Key& key) const { return connect(config(), key); }

  std::string signed_frame(const Key& key, std::string_view type, json::object payload) {
    auto signer = sodium_.signer(key.private_key);
    return protocol::build_request(type, std::move(payload), **signer, sodium_.random_hex(16), std::time(nullptr));
  }

  TempDir dir_;
  Key server_owner_ = new_key();
  ColonySetup setup_;
  Key executor_;
  crypto::SodiumCrypto sodium_;
  std::unique_ptr<ServerProcess> server_;
  int starts_ = 0;
};

TEST_P(TransportTest, RunsSubmitAssignCloseWithAnExecutorThread) {
  constexpr int kProcesses = 4;
  std::atomic<int> closed{0};
  std::thread worker([&] {
    auto c = as(executor_);
    for (int attempts = 0; closed < kProcesses && attempts < 40; ++attempts) {
      auto p = c.assign(setup_.colony, 5);
      if (!p) continue;
      if (c.close_successful(p->processid, json::array{"done:" + json::serialize(p->spec.args)})) ++closed;
    }
  });
  auto user = as(setup_.user);
  std::vector<std::string> ids;
  for (int i = 0; i < kProcesses; ++i) {
    auto spec = make_spec(setup_.colony, "worker", "echo");
    spec.args = json::array{i};
    auto p = user.submit(spec);
    ASSERT_TRUE(p.has_value()) << p.error().message;
    ids.push_back(p->processid);
  }
  worker.join();
  EXPECT_EQ(closed.load(), kProcesses);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    auto p = user.get_process(ids[i]);
    ASSERT_TRUE(p.has_value()) << p.error().message;
    EXPECT_EQ(p->state, ProcessState::Success);
    ASSERT_EQ(p->out.size(), 1u);
    EXPECT_EQ(p->out[0].as_string(), "done:[" + std::to_string(i) + "]");
  }
}

TEST_P(TransportTest, WrongRoleIs403) {
  auto user = as(setup_.user);  // a member, not the colony owner
  auto approved = user.approve_executor(setup_.colony, "exec");
  ASSERT_FALSE(approved.has_value());
  EXPECT_EQ(approved.error().code, ErrorCode::Forbidden) << approved.error().message;
  EXPECT_EQ(user.last_reply_status(), 403);
  auto stranger = as(new_key());
  auto colony = stranger.get_colony(setup_.colony);
  ASSERT_FALSE(colony.has_value());
  EXPECT_EQ(colony.error().code, ErrorCode::Forbidden);
  EXPECT_EQ(stranger.last_reply_status(), 403);
}

TEST_P(TransportTest, UnknownProcessIs404AndClosingTwiceIs409) {
  auto user = as(setup_.user);
  auto missing = user.get_process(std::string(64, 'a'));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::NotFound) << missing.error().message;
  EXPECT_EQ(user.last_reply_status(), 404);

  ASSERT_TRUE(user.submit(make_spec(setup_.colony, "worker", "once")).has_value());
  auto executor = as(executor_);
  auto p = executor.assign(setup_.colony, 5);
  ASSERT_TRUE(p.has_value()) << p.error().message;
  ASSERT_TRUE(executor.close_successful(p->processid, json::array{}).has_value());
  auto again = executor.close_successful(p->processid, json::array{});
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::Conflict) << again.error().message;
  EXPECT_EQ(executor.last_reply_status(), 409);
}

TEST_P(TransportTest, UnsignedCallsWorkAndServerInfoListsBothListeners) {
  client::Client anonymous(config(), nullptr);
  auto version = anonymous.version();
  ASSERT_TRUE(version.has_value()) << version.error().message;
  EXPECT_FALSE(version->buildversion.empty());
  auto info = anonymous.server_info();
  ASSERT_TRUE(info.has_value()) << info.error().message;
  ASSERT_EQ(info->backends.size(), 2u);
  EXPECT_EQ(info->backends[0].type, "http");
  EXPECT_EQ(info->backends[0].port, server_->port());
  EXPECT_EQ(info->backends[1].type, "grpc");
  EXPECT_EQ(info->backends[1].port, server_->grpc_port());
  // Anything else unsigned is refused, with the same status on both transports.
  auto refused = anonymous.call_unsigned(protocol::msg::kGetColonies, {});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::Unauthenticated) << refused.error().message;
}

TEST_P(TransportTest, LongPollTimesOutWith408) {
  auto executor = as(executor_);
  const auto started = std::chrono::steady_clock::now();
  auto p = executor.assign(setup_.colony, 1);
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().code, ErrorCode::Timeout) << p.error().message;
  EXPECT_EQ(executor.last_reply_status(), 408);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST_P(TransportTest, SubscriptionReceivesSubmitAssignCloseInOrder) {
  auto user = as(setup_.user);
  auto executor = as(executor_);
  auto sub = user.open_processes_subscription(setup_.colony, "", std::nullopt, 30);
  ASSERT_TRUE(sub.has_value()) << sub.error().message;
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

TEST_P(TransportTest, WaitForProcessReturnsOnceItSucceeds) {
  auto user = as(setup_.user);
  auto submitted = user.submit(make_spec(setup_.colony, "worker", "compute"));
  ASSERT_TRUE(submitted.has_value());
  std::thread worker([&] {
    auto executor = as(executor_);
    auto assigned = executor.assign(setup_.colony, 10);
    if (assigned) (void)executor.close_successful(assigned->processid, json::array{"42"});
  });
  auto done = user.wait_for_process(setup_.colony, submitted->processid, ProcessState::Success, 30);
  worker.join();
  ASSERT_TRUE(done.has_value()) << done.error().message;
  EXPECT_EQ(done->state, ProcessState::Success);
}

TEST_P(TransportTest, NonMemberSubscriptionIsRefusedWith403) {
  auto stranger = as(new_key());
  auto status =
      stranger.subscribe_processes(setup_.colony, "", std::nullopt, 5, [](const model::Process&) { return true; });
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ErrorCode::Forbidden) << status.error().message;
  EXPECT_EQ(stranger.last_reply_status(), 403);
}

TEST_P(TransportTest, SubscriptionTimeoutEndsItNormally) {
  auto user = as(setup_.user);
  auto sub = user.open_processes_subscription(setup_.colony, "", std::nullopt, 1);
  ASSERT_TRUE(sub.has_value()) << sub.error().message;
  auto event = (*sub)->next(10s);
  ASSERT_TRUE(event.has_value()) << event.error().message;
  EXPECT_FALSE(event->has_value());
  EXPECT_TRUE((*sub)->timed_out());
}

TEST_P(TransportTest, SlowSubscriberIsCutOffWithTheSameReason) {
  ASSERT_NO_FATAL_FAILURE(start({"--ws-queue-limit", "4"}));
  auto transport = client::make_transport(config());
  auto stream = transport->open_stream(5s);
  ASSERT_TRUE(stream.has_value()) << stream.error().message;
  ASSERT_TRUE((*stream)
                  ->send(signed_frame(setup_.user, protocol::msg::kSubscribeProcesses,
                                      {{"colonyname", setup_.colony}, {"executortype", ""}, {"state", -1},
                                       {"timeout", 60}, {"ack", true}}),
                         5s)
                  .has_value());
  auto ack = (*stream)->read(5s);  // subscribed before the flood
  ASSERT_TRUE(ack.has_value() && ack->has_value()) << (ack ? "ended" : ack.error().message);
  // 50 events of 256 KiB are more than the socket and HTTP/2 buffers plus a queue of 4 hold
  // while the subscriber reads nothing.
  auto user = as(setup_.user);
  auto spec = make_spec(setup_.colony, "worker", "compute");
  spec.args.push_back(json::value(std::string(256 * 1024, 'x')));
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(user.submit(spec).has_value());
  int events = 0;
  for (;;) {
    auto frame = (*stream)->read(20s);
    ASSERT_TRUE(frame.has_value()) << frame.error().message;
    if (!frame->has_value()) break;
    ++events;
  }
  EXPECT_LT(events, 50);
  EXPECT_EQ((*stream)->closed().code, 1008);
  EXPECT_NE((*stream)->closed().reason.find("subscriber too slow: "), std::string::npos) << (*stream)->closed().reason;
  EXPECT_NE((*stream)->closed().reason.find(" events queued"), std::string::npos) << (*stream)->closed().reason;
  EXPECT_TRUE(user.get_colony(setup_.colony).has_value());  // the server is unharmed
}

TEST_P(TransportTest, SigtermEndsSubscriptionsAndLongPollsAndExitsCleanly) {
  auto user = as(setup_.user);
  auto sub = user.open_processes_subscription(setup_.colony, "", std::nullopt, 60);
  ASSERT_TRUE(sub.has_value()) << sub.error().message;
  std::optional<Result<model::Process>> parked;
  std::thread poller([&] {
    auto executor = as(executor_);
    parked = executor.assign(setup_.colony, 30);
  });
  std::this_thread::sleep_for(300ms);  // let the long-poll park
  auto code = server_->terminate(10s);
  poller.join();
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
  ASSERT_TRUE(parked.has_value());
  EXPECT_FALSE(parked->has_value());  // answered (503 or a closed connection), not left hanging
  auto event = (*sub)->next(5s);
  ASSERT_FALSE(event.has_value());
  EXPECT_EQ(event.error().code, ErrorCode::Unavailable) << event.error().message;
}

INSTANTIATE_TEST_SUITE_P(BothTransports, TransportTest, ::testing::Values(TransportKind::Http, TransportKind::Grpc),
                         [](const auto& info) { return name_of(info.param); });

// ---- gRPC over TLS, with a self-signed certificate for 127.0.0.1.

bool make_self_signed_cert(const std::filesystem::path& dir) {
  const std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
      "-keyout '" + (dir / "key.pem").string() + "' -out '" + (dir / "cert.pem").string() + "' >/dev/null 2>&1";
  return std::system(command.c_str()) == 0 && std::filesystem::exists(dir / "cert.pem");
}

class GrpcTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(make_self_signed_cert(dir_.path())) << "the openssl CLI is needed";
    ServerProcess::Options options;
    options.binary = COLONIESD_BINARY;
    options.data_dir = dir_.path() / "data";
    options.server_id = server_owner_.id;
    options.extra_args = {"--tls-cert", (dir_.path() / "cert.pem").string(), "--tls-key",
                          (dir_.path() / "key.pem").string()};
    options.grpc = true;
    options.tls = true;
    server_ = std::make_unique<ServerProcess>(options);
    ASSERT_TRUE(server_->start()) << server_->error();
  }
  void TearDown() override {
    if (server_ && server_->running()) server_->kill9();
  }
  client::ClientConfig grpcs() const {
    auto config = server_at(server_->grpc_port(), TransportKind::Grpc);
    config.tls = true;
    return config;
  }

  TempDir dir_;
  Key server_owner_ = new_key();
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(GrpcTlsTest, SignedCallsWorkWithTheCertificateTrusted) {
  auto config = grpcs();
  config.ca_file = (dir_.path() / "cert.pem").string();
  ColonySetup setup;
  ASSERT_NO_FATAL_FAILURE(create_colony(config, server_owner_, setup));
  auto user = connect(config, setup.user);
  auto colony = user.get_colony(setup.colony);
  ASSERT_TRUE(colony.has_value()) << colony.error().message;
  auto info = client::Client(config, nullptr).server_info();
  ASSERT_TRUE(info.has_value()) << info.error().message;
  ASSERT_EQ(info->backends.size(), 2u);
  EXPECT_TRUE(info->backends[1].tls);
  // A subscription over the same TLS channel.
  auto sub = user.open_processes_subscription(setup.colony, "", std::nullopt, 1);
  ASSERT_TRUE(sub.has_value()) << sub.error().message;
}

TEST_F(GrpcTlsTest, UntrustedCertificateIsRefusedUnlessVerificationIsOff) {
  auto untrusted = client::Client(grpcs(), nullptr).version();  // system CAs only
  ASSERT_FALSE(untrusted.has_value());
  EXPECT_EQ(untrusted.error().code, ErrorCode::Unavailable) << untrusted.error().message;
  auto config = grpcs();
  config.tls_verify = false;
  auto insecure = client::Client(config, nullptr).version();
  ASSERT_TRUE(insecure.has_value()) << insecure.error().message;
}

TEST_F(GrpcTlsTest, UnreadableCaFileIsABadRequestNotTheSystemStore) {
  auto config = grpcs();
  config.ca_file = (dir_.path() / "no-such-ca.pem").string();
  auto version = client::Client(config, nullptr).version();
  ASSERT_FALSE(version.has_value());
  EXPECT_EQ(version.error().code, ErrorCode::BadRequest) << version.error().message;
  EXPECT_NE(version.error().message.find("no-such-ca.pem"), std::string::npos) << version.error().message;
}

TEST_F(GrpcTlsTest, PlaintextClientCannotTalkToTheTlsPort) {
  auto plain = client::Client(server_at(server_->grpc_port(), TransportKind::Grpc), nullptr).version();
  ASSERT_FALSE(plain.has_value());
  EXPECT_EQ(plain.error().code, ErrorCode::Unavailable) << plain.error().message;
}

// ---- The `colonies` CLI over gRPC.

class CliOverGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerProcess::Options options;
    options.binary = COLONIESD_BINARY;
    options.data_dir = dir_.path() / "data";
    options.server_id = server_owner_.id;
    options.grpc = true;
    server_ = std::make_unique<ServerProcess>(options);
    ASSERT_TRUE(server_->start()) << server_->error();
    ASSERT_NO_FATAL_FAILURE(create_colony(server_at(server_->grpc_port(), TransportKind::Grpc), server_owner_, setup_));
  }
  void TearDown() override {
    if (server_ && server_->running()) server_->kill9();
  }
  // Runs `colonies <args>` with the server owner's key; returns exit code and stdout+stderr.
  std::pair<int, std::string> colonies(const std::string& args) {
    const std::string command = "env -u COLONIES_SERVER_HOST -u COLONIES_SERVER_HTTP_PORT -u COLONIES_TRANSPORT "
                                "-u COLONIES_SERVER_GRPC_PORT COLONIES_SERVER_PRVKEY=" + server_owner_.private_key +
                                " '" COLONIES_CLI_BINARY "' " + args + " 2>&1";
    return run_shell(command);
  }

  TempDir dir_;
  Key server_owner_ = new_key();
  ColonySetup setup_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(CliOverGrpcTest, TransportFlagAndGrpcPortReachTheService) {
  // The HTTP port is wrong on purpose: only gRPC can answer.
  auto [code, output] = colonies("--transport grpc --grpc-port " + std::to_string(server_->grpc_port()) +
                                 " --port 1 colony ls --json");
  EXPECT_EQ(code, 0) << output;
  EXPECT_NE(output.find(setup_.colony), std::string::npos) << output;
}

TEST_F(CliOverGrpcTest, GrpcUrlAsHostChoosesTheTransport) {
  auto [code, output] = colonies("--host grpc://127.0.0.1:" + std::to_string(server_->grpc_port()) + " server status");
  EXPECT_EQ(code, 0) << output;
  EXPECT_NE(output.find("grpc 127.0.0.1:" + std::to_string(server_->grpc_port())), std::string::npos) << output;
}

TEST_F(CliOverGrpcTest, ErrorsKeepTheirStatusOverGrpc) {
  // A colony owner command signed by the server owner: refused with 403, reported as over HTTP.
  auto [code, output] = colonies("--transport grpc --grpc-port " + std::to_string(server_->grpc_port()) +
                                 " --prvkey " + new_key().private_key + " colony get --colonyname " + setup_.colony);
  EXPECT_NE(code, 0) << output;
  EXPECT_NE(output.find("403"), std::string::npos) << output;
}

}  // namespace
}  // namespace colonies::testing
