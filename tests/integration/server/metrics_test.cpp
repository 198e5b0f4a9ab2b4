// GET /metrics of the real coloniesd: scraped over HTTP after a process ran through the SDK and
// parsed as Prometheus would; the names, TYPE lines and documentation of every family; request
// counts and histograms that reflect the calls; leader status; the token, --no-metrics, and a
// token file others can read refusing the start.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "adapters/transport/http/http_client.hpp"
#include "tests/integration/server/colony_setup.hpp"
#include "tests/integration/server/server_process.hpp"
#include "tests/support/prometheus_scrape.hpp"

namespace colonies::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

class MetricsTest : public ::testing::Test {
 protected:
  bool start(std::vector<std::string> extra_args, bool grpc = false) {
    ServerProcess::Options options;
    options.grpc = grpc;
    options.binary = COLONIESD_BINARY;
    options.data_dir = dir_.path() / "data";
    options.server_id = server_owner_.id;
    options.extra_args = std::move(extra_args);
    server_ = std::make_unique<ServerProcess>(options);
    return server_->start();
  }
  void TearDown() override {
    if (server_ && server_->running()) server_->kill9();
  }
  Result<transport::HttpResult> get(const std::string& target, const transport::HttpHeaders& headers = {}) {
    transport::HttpClientOptions options;
    options.port = server_->port();
    transport::HttpClient client(options);
    return client.request("GET", target, "", 5s, headers);
  }
  Scrape scrape(const transport::HttpHeaders& headers = {}) {
    auto r = get("/metrics", headers);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    if (!r) return {};
    EXPECT_EQ(r->status, 200) << r->body;
    Scrape s = parse_scrape(r->body);
    for (const auto& e : s.errors) ADD_FAILURE() << e;
    return s;
  }
  std::string write_token(const std::string& token, mode_t mode) {
    const auto path = (dir_.path() / "metrics.token").string();
    std::filesystem::remove(path);
    std::ofstream(path) << token << "\n";
    ::chmod(path.c_str(), mode);
    return path;
  }

  TempDir dir_;
  Key server_owner_ = new_key();
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(MetricsTest, ScrapeReflectsAProcessLifecycleInDocumentedWellTypedMetrics) {
  ASSERT_TRUE(start({})) << server_->error();
  ColonySetup s;
  create_colony(server_->port(), server_owner_, s);
  const Key executor = add_executor(server_->port(), s, "sim", "sim-type");

  // An executor parked in a long-poll is woken by the submit: one wake-up, one lifecycle.
  std::thread worker([&] {
    auto c = connect(server_->port(), executor);
    auto p = c.assign(s.colony, 10);
    ASSERT_TRUE(p.has_value()) << p.error().message;
    ASSERT_TRUE(c.close_successful(p->processid, json::array{"done"}));
  });
  const auto parked_by = std::chrono::steady_clock::now() + 10s;
  while (scrape().sum("colonies_parked_assigns", {{"colony", s.colony}, {"executortype", "sim-type"}}) < 1 &&
         std::chrono::steady_clock::now() < parked_by) {
    std::this_thread::sleep_for(20ms);
  }
  auto user = connect(server_->port(), s.user);
  auto submitted = user.submit(make_spec(s.colony, "sim-type", "echo"));
  ASSERT_TRUE(submitted.has_value()) << submitted.error().message;
  worker.join();
  // A second process nobody takes: the queue depth of its type.
  ASSERT_TRUE(user.submit(make_spec(s.colony, "gpu-type", "train")).has_value());

  const Scrape m = scrape();
  // Every family has a TYPE (the parser checked) and is documented; names follow the conventions.
  const auto documented = documented_metrics(COLONIES_SOURCE_DIR);
  for (const auto& [name, type] : m.types) {
    EXPECT_TRUE(documented.contains(name)) << name << " is not in docs/metrics.md";
    if (type == "counter") EXPECT_TRUE(name.ends_with("_total")) << name;
    EXPECT_TRUE(name.starts_with("colonies_") || name.starts_with("process_")) << name;
  }
  EXPECT_EQ(m.types.at("colonies_requests_total"), "counter");
  EXPECT_EQ(m.types.at("colonies_request_duration_seconds"), "histogram");
  EXPECT_EQ(m.types.at("colonies_queued_processes"), "gauge");
  EXPECT_EQ(m.types.at("colonies_commit_duration_seconds"), "histogram");

  EXPECT_EQ(m.value("colonies_leader"), 1.0);
  EXPECT_EQ(m.value("colonies_store_healthy"), 1.0);
  EXPECT_EQ(m.value("colonies_requests_total", {{"msgtype", "submitfuncspecmsg"}, {"code", "200"}}), 2.0);
  EXPECT_EQ(m.value("colonies_requests_total", {{"msgtype", "assignprocessmsg"}, {"code", "200"}}), 1.0);
  EXPECT_EQ(m.value("colonies_requests_total", {{"msgtype", "closesuccessfulmsg"}, {"code", "200"}}), 1.0);
  EXPECT_EQ(m.value("colonies_requests_total", {{"msgtype", "addcolonymsg"}, {"code", "200"}}), 1.0);
  // The submit histogram: cumulative buckets ending in +Inf == _count == the two submits.
  const std::vector<std::pair<std::string, std::string>> submit{{"msgtype", "submitfuncspecmsg"}};
  EXPECT_EQ(m.value("colonies_request_duration_seconds_count", submit), 2.0);
  EXPECT_EQ(m.value("colonies_request_duration_seconds_bucket", {{"msgtype", "submitfuncspecmsg"}, {"le", "+Inf"}}), 2.0);
  EXPECT_GT(m.value("colonies_request_duration_seconds_sum", submit).value_or(0), 0.0);
  double previous = 0;
  for (const char* le : {"0.00005", "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
                         "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "60", "+Inf"}) {
    auto bucket = m.value("colonies_request_duration_seconds_bucket", {{"msgtype", "submitfuncspecmsg"}, {"le", le}});
    ASSERT_TRUE(bucket.has_value()) << "no bucket le=" << le;
    EXPECT_GE(*bucket, previous) << "le=" << le;
    previous = *bucket;
  }
  EXPECT_EQ(m.value("colonies_assign_wakeup_seconds_count"), 1.0);
  EXPECT_EQ(m.value("colonies_queue_wait_seconds_count"), 1.0);
  EXPECT_EQ(m.value("colonies_queued_processes", {{"colony", s.colony}, {"executortype", "gpu-type"}}), 1.0);
  EXPECT_EQ(m.value("colonies_executors", {{"colony", s.colony}, {"executortype", "sim-type"}, {"state", "approved"}}), 1.0);
  EXPECT_EQ(m.value("colonies_executors_alive", {{"colony", s.colony}, {"executortype", "sim-type"}}), 1.0);
  EXPECT_EQ(m.value("colonies_active_processes"), 1.0);
  EXPECT_GT(m.value("colonies_commit_batch_mutations_count").value_or(0), 0.0);
  EXPECT_GT(m.value("colonies_commit_duration_seconds_count").value_or(0), 0.0);
  EXPECT_GE(m.value("colonies_commit_mutations_total").value_or(0), 4.0);
  // Nothing secret: no key or ID of anyone appears.
  const auto body = get("/metrics")->body;
  for (const auto& id : {server_owner_.id, s.owner.id, s.user.id, executor.id, executor.private_key}) {
    EXPECT_EQ(body.find(id), std::string::npos);
  }
}

TEST_F(MetricsTest, UnauthenticatedRequestsAreCountedWithoutTrustingTheirClaimedType) {
  ASSERT_TRUE(start({})) << server_->error();
  transport::HttpClientOptions options;
  options.port = server_->port();
  transport::HttpClient client(options);
  auto r = client.post("/api", R"({"payloadtype":"madeupmsg","payload":"e30=","signature":"00","signer":"00"})", 5s);
  ASSERT_TRUE(r.has_value());
  EXPECT_NE(r->status, 200);
  const Scrape m = scrape();
  EXPECT_GE(m.sum("colonies_requests_total", {{"msgtype", "unauthenticated"}}), 1.0);
  EXPECT_EQ(m.sum("colonies_requests_total", {{"msgtype", "madeupmsg"}}), 0.0);
}

#ifdef COLONIES_TEST_GRPC
TEST_F(MetricsTest, CallsOverGrpcAreCountedLikeHttpOnes) {
  ASSERT_TRUE(start({}, true)) << server_->error();
  ColonySetup s;
  create_colony(server_->port(), server_owner_, s);
  auto user = connect(server_at(server_->grpc_port(), client::TransportKind::Grpc), s.user);
  ASSERT_TRUE(user.submit(make_spec(s.colony, "t", "f")).has_value());
  const Scrape m = scrape();
  EXPECT_EQ(m.value("colonies_requests_total", {{"msgtype", "submitfuncspecmsg"}, {"code", "200"}}), 1.0);
  EXPECT_TRUE(m.value("colonies_grpc_active_calls").has_value());
}
#endif

TEST_F(MetricsTest, ATokenFileMakesScrapesSendTheBearerToken) {
  const std::string token = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6";
  ASSERT_TRUE(start({"--metrics-token-file", write_token(token, 0600)})) << server_->error();
  auto anonymous = get("/metrics");
  ASSERT_TRUE(anonymous.has_value());
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(anonymous->body.find("colonies_"), std::string::npos);
  auto wrong = get("/metrics", {{"Authorization", "Bearer not-the-token-at-all-no"}});
  ASSERT_TRUE(wrong.has_value());
  EXPECT_EQ(wrong->status, 401);
  const Scrape m = scrape({{"Authorization", "Bearer " + token}});
  EXPECT_EQ(m.value("colonies_leader"), 1.0);
  // The rest of the API does not need it.
  auto health = get("/health");
  ASSERT_TRUE(health.has_value());
  EXPECT_EQ(health->status, 200);
}

TEST_F(MetricsTest, NoMetricsTurnsTheEndpointOff) {
  ASSERT_TRUE(start({"--no-metrics"})) << server_->error();
  auto r = get("/metrics");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 404);
}

TEST_F(MetricsTest, ATokenFileOthersCanReadRefusesTheStart) {
  const auto path = write_token("a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6", 0644);
  auto [code, out] = run_shell(std::string(COLONIESD_BINARY) + " --server-id " + server_owner_.id + " --data-dir " +
                               (dir_.path() / "data").string() + " --port 0 --metrics-token-file " + path + " 2>&1");
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("--metrics-token-file"), std::string::npos) << out;
  EXPECT_NE(out.find("chmod 600"), std::string::npos) << out;
}

}  // namespace
}  // namespace colonies::testing
