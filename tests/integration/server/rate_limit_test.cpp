// The per-identity rate limit of the real coloniesd (--rate-limit 5 --rate-burst 10), over HTTP
// and gRPC: a burst past the limit gets 429 (ErrorCode::RateLimited in the SDK) and the refused
// submissions are not queued, another identity is still served, GET /health counts the refusals,
// and the identity is served again once its budget refilled.
#include <chrono>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "adapters/transport/http/http_client.hpp"
#include "tests/integration/server/colony_server_test.hpp"

namespace colonies::testing {
namespace {

using namespace std::chrono_literals;

class RateLimitTest : public ColonyServerTest<::testing::TestWithParam<client::TransportKind>> {
 protected:
  void SetUp() override {
    start_server("exec", "worker", [this](ServerProcess::Options& options) {
      options.grpc = GetParam() == client::TransportKind::Grpc;
      options.extra_args = {"--rate-limit", "5", "--rate-burst", "10"};
    });
  }
  client::ClientConfig config() const {
    const bool grpc = GetParam() == client::TransportKind::Grpc;
    return server_at(grpc ? server_->grpc_port() : server_->port(), GetParam());
  }
  std::int64_t health_rate_limited() const {
    transport::HttpClientOptions options;
    options.port = server_->port();
    transport::HttpClient http(options);
    auto r = http.request("GET", "/health", "", 5s);
    if (!r || r->status != 200) return -1;
    return boost::json::parse(r->body).at("ratelimited").to_number<std::int64_t>();
  }

};

TEST_P(RateLimitTest, BurstPastTheLimitGets429AndChangesNothing) {
  auto user = connect(config(), setup_.user);
  int accepted = 0, refused = 0;
  std::string message;
  for (int i = 0; i < 30; ++i) {
    auto p = user.submit(make_spec(setup_.colony, "worker", "work"));
    if (p) {
      ++accepted;
      continue;
    }
    ASSERT_EQ(p.error().code, ErrorCode::RateLimited) << p.error().message;
    EXPECT_EQ(user.last_reply_status(), 429);
    message = p.error().message;
    ++refused;
  }
  std::printf("30 submissions at once: %d accepted, %d refused: %s\n", accepted, refused, message.c_str());
  EXPECT_GE(accepted, 10) << "the burst is 10";
  EXPECT_GT(refused, 0);
  EXPECT_NE(message.find("rate limit exceeded"), std::string::npos) << message;
  EXPECT_NE(message.find("retry in"), std::string::npos) << message;

  // Another identity is not charged for the user's calls; the refused submissions were not queued.
  auto owner = connect(config(), server_owner_);
  auto stats = owner.statistics();
  ASSERT_TRUE(stats.has_value()) << stats.error().message;
  EXPECT_EQ(stats->waitingprocesses, accepted);
  auto executor = connect(config(), executor_);
  EXPECT_TRUE(executor.assign(setup_.colony, -1).has_value());
  EXPECT_EQ(health_rate_limited(), refused);

  // Served again once a token has refilled (one per 200 ms); polled, not timed.
  bool served = false;
  for (int i = 0; i < 100 && !served; ++i) {
    served = user.get_colony(setup_.colony).has_value();
    if (!served) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(served);
}

INSTANTIATE_TEST_SUITE_P(Transports, RateLimitTest,
                         ::testing::Values(client::TransportKind::Http, client::TransportKind::Grpc),
                         [](const auto& info) { return info.param == client::TransportKind::Http ? "Http" : "Grpc"; });

}  // namespace
}  // namespace colonies::testing
