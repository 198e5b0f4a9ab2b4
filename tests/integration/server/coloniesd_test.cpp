// coloniesd end to end over loopback: a full lifecycle with a simulated executor thread using the
// SDK, /health and unknown paths, malformed and oversized bodies (the server answers and keeps
// serving), and a clean exit on SIGTERM. Crash durability is crash_recovery_test.cpp.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "adapters/transport/http/http_client.hpp"
#include "core/protocol/envelope.hpp"
#include "tests/integration/server/colony_setup.hpp"
#include "tests/integration/server/server_process.hpp"

namespace colonies::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class ColoniesdTest : public ::testing::Test {
 protected:
  void SetUp() override { start({}); }

  void start(std::vector<std::string> extra_args) {
    ServerProcess::Options options;
    options.binary = COLONIESD_BINARY;
    options.data_dir = dir_.path() / "data";
    options.server_id = server_owner_.id;
    options.extra_args = std::move(extra_args);
    server_ = std::make_unique<ServerProcess>(options);
    ASSERT_TRUE(server_->start()) << server_->error();
  }
  // Clean shutdown has tests of its own; here the data directory is thrown away anyway.
  void TearDown() override {
    if (server_ && server_->running()) server_->kill9();
  }

  transport::HttpClient http() const {
    transport::HttpClientOptions options;
    options.port = server_->port();
    return transport::HttpClient(options);
  }
  // True if the server still answers a signed SDK call.
  bool still_serving() const {
    auto c = connect(server_->port(), server_owner_);
    auto v = c.version();
    return v.has_value() && !v->buildversion.empty();
  }

  // Polls /health until it reports `n` parked long-polls (or 10 s pass).
  bool wait_for_parked_assigns(std::int64_t n) const {
    auto client = http();
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < until) {
      auto r = client.get("/health", 5s);
      if (r && r->status == 200 && json::parse(r->body).at("parkedassigns").to_number<std::int64_t>() >= n) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  TempDir dir_;
  Key server_owner_ = new_key();
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(ColoniesdTest, HealthAnswers200) {
  auto client = http();
  auto r = client.get("/health", 5s);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  auto body = json::parse(r->body).as_object();
  EXPECT_EQ(body.at("status").as_string(), "ok");
}

TEST_F(ColoniesdTest, UnknownPathIs404) {
  auto client = http();
  auto r = client.get("/no/such/path", 5s);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->status, 404);
  r = client.post("/apis", "{}", 5s);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->status, 404);
}

TEST_F(ColoniesdTest, RunsAFullLifecycleWithASimulatedExecutor) {
  ColonySetup s;
  ASSERT_NO_FATAL_FAILURE(create_colony(server_->port(), server_owner_, s));
  const Key executor_key = add_executor(server_->port(), s, "sim", "sim-type");
  constexpr int kProcesses = 5;

  std::atomic<int> closed{0};
  std::thread executor([&] {
    auto c = connect(server_->port(), executor_key);
    for (int attempts = 0; closed < kProcesses && attempts < 50; ++attempts) {
      auto p = c.assign(s.colony, 5);
      if (!p) continue;  // long-poll timed out
      json::array out{"echo:" + json::serialize(p->spec.args)};
      if (c.close_successful(p->processid, out)) ++closed;
    }
  });

  auto user = connect(server_->port(), s.user);
  std::vector<std::string> ids;
  for (int i = 0; i < kProcesses; ++i) {
    auto spec = make_spec(s.colony, "sim-type", "echo");
    spec.args = json::array{i};
    auto p = user.submit(spec);
    ASSERT_TRUE(p.has_value()) << p.error().message;
    ids.push_back(p->processid);
  }
  executor.join();
  EXPECT_EQ(closed.load(), kProcesses);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    auto p = user.get_process(ids[i]);
    ASSERT_TRUE(p.has_value()) << p.error().message;
    EXPECT_EQ(p->state, model::ProcessState::Success);
    EXPECT_EQ(p->assignedexecutorid, executor_key.id);
    ASSERT_EQ(p->out.size(), 1u);
    EXPECT_EQ(p->out[0].as_string(), "echo:[" + std::to_string(i) + "]");
  }
  auto stats = user.colony_statistics(s.colony);
  ASSERT_TRUE(stats.has_value()) << stats.error().message;
  EXPECT_EQ(stats->successfulprocesses, kProcesses);
  EXPECT_EQ(stats->waitingprocesses, 0);
}

TEST_F(ColoniesdTest, MalformedBodiesGet400AndTheServerKeepsServing) {
  auto client = http();
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  const std::string bodies[] = {
      "this is not json",
      "",
      "[1, 2, 3]",
      R"({"payloadtype": 5, "payload": "e30=", "signature": "", "signer": ""})",
      R"({"payloadtype": "versionmsg", "payload": {"nested": true}, "signature": "", "signer": ""})",
      R"({"payloadtype": "versionmsg", "payload": "%%%not base64%%%", "signature": "", "signer": ""})",
      R"({"payloadtype": "versionmsg", "payload": "e30=", "signature": "", "signer": "")",
      deep,
      R"({"payloadtype": )" + deep + "}",
  };
  for (const auto& body : bodies) {
    auto r = client.post("/api", body, 10s);
    ASSERT_TRUE(r.has_value()) << "no reply for body starting " << body.substr(0, 60) << ": " << r.error().message;
    EXPECT_EQ(r->status, 400) << body.substr(0, 60);
    auto reply = protocol::decode_reply(r->body);
    ASSERT_TRUE(reply.has_value()) << "not an error envelope: " << r->body.substr(0, 200);
    EXPECT_TRUE(reply->error);
    EXPECT_EQ(reply->payload.at("status").to_number<int>(), 400);
  }
  EXPECT_TRUE(still_serving());
}

TEST_F(ColoniesdTest, GarbageOnTheSocketDoesNotHurtTheServer) {
  for (const std::string& garbage : {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11),
                                    std::string("NOT-HTTP /// \r\n\r\n"),
                                    std::string("POST /api HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n"),
                                    std::string("POST /api HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")}) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(server_->port());
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    ASSERT_GT(::send(fd, garbage.data(), garbage.size(), MSG_NOSIGNAL), 0);
    ::shutdown(fd, SHUT_WR);
    char buffer[512];
    while (::recv(fd, buffer, sizeof(buffer), 0) > 0) {
    }
    ::close(fd);
  }
  EXPECT_TRUE(still_serving());
}

TEST_F(ColoniesdTest, UnsignedRequestsAreRefusedExceptVersionAndServerInfo) {
  auto client = http();
  auto r = client.post("/api", protocol::build_unsigned_request("getcoloniesmsg", {}), 5s);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 401);
  r = client.post("/api", protocol::build_unsigned_request("getserverinfomsg", {}), 5s);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  auto reply = protocol::decode_reply(r->body);
  ASSERT_TRUE(reply.has_value());
  EXPECT_FALSE(reply->error);
  EXPECT_EQ(reply->payloadtype, "getserverinfomsg");
}

TEST_F(ColoniesdTest, OversizedBodyGets413AndTheServerKeepsServing) {
  server_->kill9();
  start({"--body-limit", "65536"});
  auto client = http();
  const std::string body(256 * 1024, 'x');
  auto r = client.post("/api", body, 10s);
  ASSERT_TRUE(r.has_value()) << "the connection was dropped instead of a 413: " << r.error().message;
  EXPECT_EQ(r->status, 413);
  auto reply = protocol::decode_reply(r->body);
  ASSERT_TRUE(reply.has_value()) << "not the protocol's error envelope: " << r->body.substr(0, 200);
  EXPECT_TRUE(reply->error);
  EXPECT_EQ(reply->payloadtype, "error");
  EXPECT_EQ(reply->payload.at("status").to_number<int>(), 413);
  EXPECT_FALSE(reply->payload.at("message").as_string().empty());
  EXPECT_TRUE(still_serving());
}

TEST_F(ColoniesdTest, SigtermExitsCleanlyWithCode0) {
  // A parked long-poll must not hold the shutdown up.
  ColonySetup s;
  ASSERT_NO_FATAL_FAILURE(create_colony(server_->port(), server_owner_, s));
  const Key executor_key = add_executor(server_->port(), s, "sim", "sim-type");
  std::thread poller([&] {
    auto c = connect(server_->port(), executor_key);
    (void)c.assign(s.colony, 60);
  });
  ASSERT_TRUE(wait_for_parked_assigns(1)) << "the long-poll never parked";
  auto code = server_->terminate(10s);
  poller.join();
  ASSERT_TRUE(code.has_value()) << "coloniesd did not exit within 10 s of SIGTERM; log:\n" << server_->log_tail();
  EXPECT_EQ(*code, 0) << server_->log_tail();
}

TEST_F(ColoniesdTest, StateSurvivesACleanRestart) {
  ColonySetup s;
  ASSERT_NO_FATAL_FAILURE(create_colony(server_->port(), server_owner_, s));
  auto user = connect(server_->port(), s.user);
  auto p = user.submit(make_spec(s.colony, "t", "f"));
  ASSERT_TRUE(p.has_value()) << p.error().message;
  ASSERT_EQ(server_->terminate(10s), std::optional<int>(0));
  ASSERT_TRUE(server_->start()) << server_->error();
  auto again = connect(server_->port(), s.user).get_process(p->processid);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(again->state, model::ProcessState::Waiting);
}

}  // namespace
}  // namespace colonies::testing
