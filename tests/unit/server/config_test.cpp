// coloniesd configuration: defaults, environment, --config file and flags, in the documented
// order (flag > file > environment > default), and the cross-field checks of finish().
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <vector>

#include "server/main/config.hpp"

namespace colonies::server {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const auto& [name, old] : set_) {
      if (old) ::setenv(name.c_str(), old->c_str(), 1);
      else ::unsetenv(name.c_str());
    }
    if (!file_.empty()) std::filesystem::remove(file_);
  }
  // Sets a variable for this test; TearDown puts back what was there.
  void env(const std::string& name, const std::string& value) {
    const char* old = std::getenv(name.c_str());
    set_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  std::string config_file(const std::string& text) {
    file_ = std::filesystem::temp_directory_path() / ("coloniesd-config-test-" + std::to_string(::getpid()) + ".toml");
    std::ofstream(file_) << text;
    return file_.string();
  }
  Config parse(std::vector<std::string> args) {
    Config config;
    CLI::App app;
    add_options(app, config);
    args.insert(args.begin(), "coloniesd");
    std::vector<const char*> argv;
    for (auto& a : args) argv.push_back(a.c_str());
    app.parse(static_cast<int>(argv.size()), argv.data());
    return config;
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> set_;
  std::filesystem::path file_;
};

TEST_F(ConfigTest, DefaultsListenOnLoopbackPort50080WithSqlite) {
  Config c = parse({});
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 50080);
  EXPECT_EQ(c.db_type, "sqlite");
  EXPECT_EQ(c.db_sync, "full");
}

TEST_F(ConfigTest, EnvironmentSetsWhatNoFlagSets) {
  env("COLONIES_SERVER_HTTP_PORT", "51000");
  env("COLONIES_SERVER_ID", std::string(64, 'a'));
  Config c = parse({});
  EXPECT_EQ(c.port, 51000);
  EXPECT_EQ(c.server_id, std::string(64, 'a'));
}

TEST_F(ConfigTest, FlagBeatsFileAndFileBeatsEnvironment) {
  env("COLONIES_SERVER_HTTP_PORT", "51000");
  env("COLONIES_LOG_LEVEL", "error");
  const std::string file = config_file("port = 52000\nlog-level = \"warn\"\n");
  Config c = parse({"--config", file, "--log-level", "debug"});
  EXPECT_EQ(c.port, 52000);          // file over environment
  EXPECT_EQ(c.log_level, "debug");   // flag over file
}

TEST_F(ConfigTest, MetricsAreOnByDefaultAndOffWithNoMetricsTheEnvironmentOrTheFile) {
  EXPECT_TRUE(parse({}).metrics);
  EXPECT_FALSE(parse({"--no-metrics"}).metrics);
  EXPECT_TRUE(parse({"--metrics"}).metrics);
  EXPECT_FALSE(parse({"--config", config_file("metrics = false\n")}).metrics);
  env("COLONIES_METRICS", "false");
  EXPECT_FALSE(parse({}).metrics);
}

TEST_F(ConfigTest, AMetricsTokenFileWithMetricsOffIsAMistake) {
  Config c = parse({"--no-metrics", "--metrics-token-file", "/etc/colonies/metrics.token"});
  auto finished = finish(c);
  ASSERT_FALSE(finished);
  EXPECT_NE(finished.error().message.find("--metrics-token-file"), std::string::npos);
  env("COLONIES_METRICS_TOKEN_FILE", "/etc/colonies/metrics.token");
  Config d = parse({});
  EXPECT_EQ(d.metrics_token_file, "/etc/colonies/metrics.token");
  EXPECT_TRUE(finish(d));
}

TEST_F(ConfigTest, GrpcIsOffByDefaultAndItsPortComesFromFlagOrEnvironment) {
  EXPECT_EQ(parse({}).grpc_port, 0);
  env("COLONIES_SERVER_GRPC_PORT", "50081");
  EXPECT_EQ(parse({}).grpc_port, 50081);
  EXPECT_EQ(parse({"--grpc-port", "50090"}).grpc_port, 50090);
}

TEST_F(ConfigTest, GrpcPortMustDifferFromTheHttpPort) {
  Config c = parse({"--port", "50080", "--grpc-port", "50080"});
  auto status = finish(c);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("--grpc-port"), std::string::npos);
}

TEST_F(ConfigTest, RejectsAnUnknownSyncLevel) {
  EXPECT_THROW(parse({"--db-sync", "sometimes"}), CLI::ValidationError);
}

TEST_F(ConfigTest, ConnectionLimitAndLongPollOrderHaveFlagsAndVariables) {
  Config defaults = parse({});
  EXPECT_EQ(defaults.max_connections, 20000);
  EXPECT_EQ(defaults.long_poll_order, "fifo");
  env("COLONIES_MAX_CONNECTIONS", "500");
  env("COLONIES_LONG_POLL_ORDER", "lifo");
  Config c = parse({});
  EXPECT_EQ(c.max_connections, 500);
  EXPECT_EQ(c.long_poll_order, "lifo");
  EXPECT_THROW(parse({"--long-poll-order", "random"}), CLI::ValidationError);
  EXPECT_THROW(parse({"--max-connections", "0"}), CLI::ValidationError);
}

TEST_F(ConfigTest, TlsNeedsBothCertificateAndKey) {
  Config c = parse({"--tls-cert", "cert.pem"});
  auto status = finish(c);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("--tls-key"), std::string::npos);
}

TEST_F(ConfigTest, DataDirDefaultsUnderHome) {
  env("HOME", "/home/someone");
  Config c = parse({});
  ASSERT_TRUE(finish(c));
  EXPECT_EQ(c.data_dir, "/home/someone/.local/share/colonies");
}

TEST_F(ConfigTest, PostgresqlTakesItsConnectionStringFromTheEnvironment) {
  env("COLONIES_DB_TYPE", "postgresql");
  env("COLONIES_POSTGRES_URL", "postgresql://colonies@db.example.org/colonies?sslmode=verify-full");
  Config c = parse({});
  ASSERT_TRUE(finish(c));
  EXPECT_EQ(c.db_type, "postgresql");
  EXPECT_EQ(c.postgres_url, "postgresql://colonies@db.example.org/colonies?sslmode=verify-full");
  EXPECT_EQ(c.postgres_readers, 2);
}

TEST_F(ConfigTest, TheDocumentedPostgresExampleFileParses) {
  Config c = parse({"--config", COLONIES_SOURCE_DIR "/docs/examples/coloniesd-postgres.toml"});
  ASSERT_TRUE(finish(c));
  EXPECT_EQ(c.db_type, "postgresql");
  EXPECT_EQ(c.postgres_url.rfind("postgresql://colonies@db.example.org:5432/colonies?sslmode=verify-full", 0), 0u);
  EXPECT_EQ(c.postgres_readers, 4);
}

TEST_F(ConfigTest, PostgresqlNeedsAConnectionString) {
  Config c = parse({"--db-type", "postgresql"});
  auto status = finish(c);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("--postgres URL or COLONIES_POSTGRES_URL"), std::string::npos);
}

TEST_F(ConfigTest, AConnectionStringWithSqliteIsAMistake) {
  Config c = parse({"--postgres", "host=/run/postgresql dbname=colonies"});
  auto status = finish(c);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("add --db-type postgresql"), std::string::npos);
}

TEST_F(ConfigTest, ClusterDefaultsToNoneWithNameAndUrlFromHostAndPort) {
  Config c = parse({"--port", "51001"});
  ASSERT_TRUE(finish(c));
  EXPECT_EQ(c.cluster, "none");
  EXPECT_EQ(c.etcd_prefix, "/colonies");
  EXPECT_EQ(c.lease_ttl_s, 3);
  EXPECT_TRUE(c.cluster_name.ends_with(":51001")) << c.cluster_name;
  EXPECT_EQ(c.advertise_url, "http://127.0.0.1:51001");
}

TEST_F(ConfigTest, WildcardHostAdvertisesTheHostName) {
  Config c = parse({"--host", "0.0.0.0", "--port", "51002"});
  ASSERT_TRUE(finish(c));
  EXPECT_EQ(c.advertise_url, "http://" + c.cluster_name);
}

TEST_F(ConfigTest, EtcdClusterTakesItsSettingsFromTheEnvironment) {
  env("COLONIES_CLUSTER", "etcd");
  env("COLONIES_DB_TYPE", "postgresql");
  env("COLONIES_POSTGRES_URL", "host=/run/postgresql dbname=colonies");
  env("COLONIES_ETCD_ENDPOINTS", "http://10.0.0.1:2379,http://10.0.0.2:2379");
  env("COLONIES_ETCD_PREFIX", "/prod");
  env("COLONIES_CLUSTER_NAME", "node-1");
  env("COLONIES_ADVERTISE_URL", "http://10.0.0.5:50080");
  env("COLONIES_LEASE_TTL", "5");
  Config c = parse({});
  ASSERT_TRUE(finish(c));
  EXPECT_EQ(c.cluster, "etcd");
  EXPECT_EQ(c.etcd_endpoints, (std::vector<std::string>{"http://10.0.0.1:2379", "http://10.0.0.2:2379"}));
  EXPECT_EQ(c.etcd_prefix, "/prod");
  EXPECT_EQ(c.cluster_name, "node-1");
  EXPECT_EQ(c.advertise_url, "http://10.0.0.5:50080");
  EXPECT_EQ(c.lease_ttl_s, 5);
}

TEST_F(ConfigTest, TheDocumentedClusterExampleFileParses) {
  Config c = parse({"--config", COLONIES_SOURCE_DIR "/docs/examples/coloniesd-cluster.toml"});
  ASSERT_TRUE(finish(c));
  EXPECT_EQ(c.cluster, "etcd");
  EXPECT_EQ(c.etcd_endpoints.size(), 3u);
  EXPECT_EQ(c.cluster_name, "node-1");
  EXPECT_EQ(c.advertise_url, "http://10.0.1.1:50080");
  EXPECT_EQ(c.lease_ttl_s, 3);
}

TEST_F(ConfigTest, EtcdEndpointsFlagIsACommaList) {
  Config c = parse({"--cluster", "etcd", "--db-type", "postgresql", "--postgres", "dbname=colonies", "--etcd-endpoints",
                    "http://a:2379,http://b:2379"});
  ASSERT_TRUE(finish(c));
  EXPECT_EQ(c.etcd_endpoints, (std::vector<std::string>{"http://a:2379", "http://b:2379"}));
}

TEST_F(ConfigTest, RejectsAnUnknownClusterKindAndALeaseUnderTwoSeconds) {
  EXPECT_THROW(parse({"--cluster", "zookeeper"}), CLI::ValidationError);
  EXPECT_THROW(parse({"--lease-ttl", "1"}), CLI::ValidationError);
}

TEST_F(ConfigTest, EtcdClusterNeedsPostgresql) {
  Config c = parse({"--cluster", "etcd", "--etcd-endpoints", "http://127.0.0.1:2379"});
  auto status = finish(c);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("--cluster etcd needs --db-type postgresql"), std::string::npos);
}

TEST_F(ConfigTest, EtcdClusterNeedsEndpoints) {
  Config c = parse({"--cluster", "etcd", "--db-type", "postgresql", "--postgres", "dbname=colonies"});
  auto status = finish(c);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("--cluster etcd needs --etcd-endpoints"), std::string::npos);
}

TEST_F(ConfigTest, EtcdClusterRefusesAnAdvertisedSchemeThatDoesNotMatchTls) {
  Config c = parse({"--cluster", "etcd", "--db-type", "postgresql", "--postgres", "dbname=colonies", "--etcd-endpoints",
                    "http://127.0.0.1:2379", "--advertise-url", "https://node-1:50080"});
  auto status = finish(c);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message, "--advertise-url https://node-1:50080 is https but this server does not serve TLS (no --tls-cert)");
}

TEST_F(ConfigTest, EtcdClusterWithTlsIsRefusedForNow) {
  Config c = parse({"--cluster", "etcd", "--db-type", "postgresql", "--postgres", "dbname=colonies", "--etcd-endpoints",
                    "http://127.0.0.1:2379", "--tls-cert", "c.pem", "--tls-key", "k.pem"});
  auto status = finish(c);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("TLS is not supported yet"), std::string::npos) << status.error().message;
}

TEST_F(ConfigTest, RateLimitIsOnByDefaultWithABurstOfTwiceTheRate) {
  Config c = parse({});
  ASSERT_TRUE(finish(c));
  EXPECT_EQ(c.rate_limit, 5000);
  EXPECT_EQ(c.rate_burst, 10000);
  env("COLONIES_RATE_LIMIT", "50");
  Config from_env = parse({});
  ASSERT_TRUE(finish(from_env));
  EXPECT_EQ(from_env.rate_limit, 50);
  EXPECT_EQ(from_env.rate_burst, 100);
  env("COLONIES_RATE_BURST", "7");
  Config both = parse({"--rate-limit", "0.5"});
  ASSERT_TRUE(finish(both));
  EXPECT_EQ(both.rate_limit, 0.5);
  EXPECT_EQ(both.rate_burst, 7);
}

TEST_F(ConfigTest, RateLimitZeroTurnsItOffAndABurstUnderOneIsRefused) {
  Config off = parse({"--rate-limit", "0"});
  ASSERT_TRUE(finish(off));
  EXPECT_EQ(off.rate_limit, 0);
  Config tiny = parse({"--rate-limit", "10", "--rate-burst", "0.5"});
  auto status = finish(tiny);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message, "--rate-burst 0.5 must be at least 1 (one request)");
  EXPECT_THROW(parse({"--rate-limit", "-1"}), CLI::ValidationError);
}

TEST_F(ConfigTest, HttpTimeoutsHaveFlagsAndVariables) {
  Config c = parse({});
  EXPECT_EQ(c.header_timeout_s, 10);
  EXPECT_EQ(c.body_timeout_s, 60);
  EXPECT_EQ(c.idle_timeout_s, 120);
  env("COLONIES_HEADER_TIMEOUT", "2");
  env("COLONIES_IDLE_TIMEOUT", "30");
  Config set = parse({"--body-timeout", "5"});
  EXPECT_EQ(set.header_timeout_s, 2);
  EXPECT_EQ(set.body_timeout_s, 5);
  EXPECT_EQ(set.idle_timeout_s, 30);
  EXPECT_THROW(parse({"--header-timeout", "0"}), CLI::ValidationError);
}

TEST_F(ConfigTest, DashboardIsOnUnlessTurnedOff) {
  EXPECT_TRUE(parse({}).dashboard);
  EXPECT_FALSE(parse({"--no-dashboard"}).dashboard);
  EXPECT_TRUE(parse({"--dashboard"}).dashboard);
  env("COLONIES_DASHBOARD", "false");
  EXPECT_FALSE(parse({}).dashboard);
  EXPECT_TRUE(parse({"--dashboard"}).dashboard);
}

}  // namespace
}  // namespace colonies::server
