// coloniesd configuration: every setting has a flag, an environment variable (the original's
// names where they exist) and a default; an optional --config file (TOML/INI key = value) is an
// explicit choice, so it beats the environment. Precedence: flag > file > environment > default.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/error/error.hpp"

namespace colonies::server {

struct Config {
  std::string host = "127.0.0.1";
  int port = 50080;
  int grpc_port = 0;  // 0: no gRPC listener
  std::string server_id;
  std::string db_type = "sqlite";
  std::string data_dir;  // default: $HOME/.local/share/colonies, or ./colonies-data without HOME
  std::string db_sync = "full";
  std::string postgres_url;  // libpq connection string or URI, for db_type "postgresql"
  int postgres_readers = 2;
  std::string tls_cert;
  std::string tls_key;
  int threads = 2;
  std::int64_t replay_window_s = 300;
  std::size_t body_limit = 16 * 1024 * 1024;
  std::size_t commit_max_batch = 8192;
  std::int64_t commit_window_us = 0;
  std::int64_t stale_executor_s = 600;
  std::size_t batch_limit = 10000;  // items per batched request
  std::size_t ws_queue_limit = 1024;  // events queued per subscriber before it is disconnected
  int max_connections = 20000;        // open HTTP/WebSocket connections; more are closed at once
  // Seconds to receive a request header (and a TLS handshake), its body, and the first byte of
  // the next request on a kept-alive connection: what cuts slow clients off.
  int header_timeout_s = 10;
  int body_timeout_s = 60;
  int idle_timeout_s = 120;
  // Signed requests per second per identity (0 = no limit) and the burst; burst 0 = 2 x rate.
  double rate_limit = 5000;
  double rate_burst = 0;
  std::string long_poll_order = "fifo";  // fifo | lifo: which parked assign gets a new process
  bool dashboard = true;  // serve the web dashboard at / (docs/dashboard.md)
  bool retention = false;
  std::int64_t retention_policy_s = 7 * 86400;
  std::int64_t audit_retention_s = 0;  // 0: keep the whole audit ledger
  int cron_checker_period_ms = 1000;
  int generator_checker_period_ms = 1000;
  std::string log_level = "info";
  // GET /metrics (docs/metrics.md): on unless --no-metrics; with a token file, scrapes need
  // Authorization: Bearer <token>.
  bool metrics = true;
  std::string metrics_token_file;
  // High availability (docs/ha.md): several coloniesd on one PostgreSQL, the leader elected in etcd.
  std::string cluster = "none";              // none | etcd
  std::vector<std::string> etcd_endpoints;   // http://host:port of etcd's client port
  std::string etcd_prefix = "/colonies";
  std::string cluster_name;   // default: <hostname>:<port>
  std::string advertise_url;  // default: http(s)://<host>:<port>, the host name when --host is a wildcard
  int lease_ttl_s = 3;
};

void add_options(CLI::App& app, Config& config);
// Fills defaults that depend on the environment and checks cross-field rules.
Status finish(Config& config);

}  // namespace colonies::server
