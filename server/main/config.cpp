// Flag/environment/config-file wiring for coloniesd.
#include "server/main/config.hpp"

#include <unistd.h>

#include <cstdlib>
#include <thread>

namespace colonies::server {

void add_options(CLI::App& app, Config& config) {
  app.set_config("--config", "", "Read settings from a TOML/INI file (key = value, keys as the long flags); flags beat it, it beats the environment");
  app.add_option("--host", config.host, "Address to listen on")->envname("COLONIES_SERVER_HTTP_HOST")->capture_default_str();
  app.add_option("--port", config.port, "HTTP port")->envname("COLONIES_SERVER_HTTP_PORT")->capture_default_str()->check(CLI::Range(0, 65535));
  app.add_option("--grpc-port", config.grpc_port,
                 "gRPC port of the colonies.v1.Colonies service on --host, with the TLS of --tls-cert (0 = off)")
      ->envname("COLONIES_SERVER_GRPC_PORT")->capture_default_str()->check(CLI::Range(0, 65535));
  app.add_option("--server-id", config.server_id,
                 "ID (public key) of the server owner; stored at first start, later changed with `colonies server chid`")
      ->envname("COLONIES_SERVER_ID");
  app.add_option("--db-type", config.db_type, "Store: sqlite (embedded, one server) or postgresql (see --postgres)")
      ->envname("COLONIES_DB_TYPE")->capture_default_str()->check(CLI::IsMember({"sqlite", "postgresql"}));
  app.add_option("--postgres", config.postgres_url,
                 "PostgreSQL connection string or URI for --db-type postgresql, e.g. "
                 "'postgresql://colonies@db.example.org/colonies?sslmode=verify-full' or "
                 "'host=/run/postgresql dbname=colonies' (TLS, password and peer auth are options of the string)")
      ->envname("COLONIES_POSTGRES_URL");
  app.add_option("--postgres-readers", config.postgres_readers, "PostgreSQL connections for reads (besides the writer)")
      ->envname("COLONIES_POSTGRES_READERS")->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--data-dir", config.data_dir, "Directory of the SQLite store (default $HOME/.local/share/colonies)")
      ->envname("COLONIES_DATA_DIR");
  app.add_option("--db-sync", config.db_sync,
                 "full: every commit survives power loss; normal: survives a crash of coloniesd, not of the machine")
      ->envname("COLONIES_DB_SYNC")->capture_default_str()->check(CLI::IsMember({"full", "normal"}));
  app.add_option("--tls-cert", config.tls_cert,
                 "PEM certificate chain; enables TLS for HTTP, WebSocket and gRPC with --tls-key; SIGHUP reloads "
                 "both files (docs/security.md)")
      ->envname("COLONIES_SERVER_HTTP_TLS_CERT");
  app.add_option("--tls-key", config.tls_key,
                 "PEM private key of the certificate, unencrypted; the file must be readable by its owner only "
                 "(chmod 600)")
      ->envname("COLONIES_SERVER_HTTP_TLS_KEY");
  app.add_option("--threads", config.threads, "I/O threads (default: number of cores)")->envname("COLONIES_SERVER_THREADS")->check(CLI::Range(1, 256));
  app.add_option("--replay-window", config.replay_window_s, "Seconds a signed request's timestamp may differ from the server clock")
      ->envname("COLONIES_REPLAY_WINDOW")->capture_default_str()->check(CLI::Range(1, 86400));
  app.add_option("--body-limit", config.body_limit, "Largest request body in bytes (larger ones get 413)")
      ->envname("COLONIES_BODY_LIMIT")->capture_default_str();
  app.add_option("--commit-max-batch", config.commit_max_batch, "Most changes written in one transaction")
      ->envname("COLONIES_COMMIT_MAX_BATCH")->capture_default_str()->check(CLI::Range(1, 1000000));
  app.add_option("--commit-window-us", config.commit_window_us, "Microseconds to wait for more changes before a commit")
      ->envname("COLONIES_COMMIT_WINDOW_US")->capture_default_str()->check(CLI::Range(0, 1000000));
  app.add_option("--stale-executor", config.stale_executor_s,
                 "Seconds without a call after which an idle executor is unregistered (0 = never)")
      ->envname("COLONIES_STALE_EXECUTOR_DURATION")->capture_default_str();
  app.add_option("--batch-limit", config.batch_limit,
                 "Most items in one batched request (submitfuncspecsmsg, closeprocessesmsg) and most processes one "
                 "assignprocessesmsg takes")
      ->envname("COLONIES_BATCH_LIMIT")->capture_default_str()->check(CLI::Range(1, 1000000));
  app.add_option("--ws-queue-limit", config.ws_queue_limit,
                 "Events queued for one WebSocket subscriber before it is disconnected as too slow")
      ->envname("COLONIES_WS_QUEUE_LIMIT")->capture_default_str()->check(CLI::Range(1, 1000000));
  app.add_option("--max-connections", config.max_connections,
                 "Most open HTTP and WebSocket connections; beyond it a new connection is closed at once (raise the "
                 "open-file limit to match)")
      ->envname("COLONIES_MAX_CONNECTIONS")->capture_default_str()->check(CLI::Range(1, 10000000));
  app.add_option("--header-timeout", config.header_timeout_s,
                 "Seconds a client has to send a complete request header (and to finish a TLS or gRPC handshake, "
                 "and to send a WebSocket's subscribe message); slower clients are disconnected")
      ->envname("COLONIES_HEADER_TIMEOUT")->capture_default_str()->check(CLI::Range(1, 3600));
  app.add_option("--body-timeout", config.body_timeout_s,
                 "Seconds a client has to send a request body after its header, and to read a reply; slower clients "
                 "are disconnected")
      ->envname("COLONIES_BODY_TIMEOUT")->capture_default_str()->check(CLI::Range(1, 3600));
  app.add_option("--idle-timeout", config.idle_timeout_s,
                 "Seconds a kept-alive HTTP connection may stay idle between requests (a gRPC connection: without "
                 "a call in progress)")
      ->envname("COLONIES_IDLE_TIMEOUT")->capture_default_str()->check(CLI::Range(1, 86400));
  app.add_option("--rate-limit", config.rate_limit,
                 "Signed requests per second one identity (signer) may make; more get 429 (0 = no limit)")
      ->envname("COLONIES_RATE_LIMIT")->capture_default_str()->check(CLI::Range(0.0, 1e9));
  app.add_option("--rate-burst", config.rate_burst,
                 "Requests one identity may make at once above --rate-limit (default: 2 x --rate-limit)")
      ->envname("COLONIES_RATE_BURST")->check(CLI::Range(0.0, 1e9));
  app.add_option("--long-poll-order", config.long_poll_order,
                 "Which parked assign long-poll a new process goes to: fifo (the longest waiting: fair) or lifo (the "
                 "latest: keeps fewer executors busy)")
      ->envname("COLONIES_LONG_POLL_ORDER")->capture_default_str()->check(CLI::IsMember({"fifo", "lifo"}));
  app.add_flag("--dashboard,!--no-dashboard", config.dashboard,
               "Serve the web dashboard at / (on by default; --no-dashboard turns it off and / answers 404, the API "
               "is unchanged; docs/dashboard.md)")
      ->envname("COLONIES_DASHBOARD");
  app.add_flag("--retention", config.retention,
               "Delete finished processes, workflows and logs older than --retention-policy (leader only, every minute)")
      ->envname("COLONIES_RETENTION");
  app.add_option("--retention-policy", config.retention_policy_s, "Seconds finished work is kept when --retention is on")
      ->envname("COLONIES_RETENTION_POLICY")->capture_default_str()->check(CLI::Range(std::int64_t{60}, std::int64_t{100} * 366 * 86400));
  app.add_option("--audit-retention", config.audit_retention_s,
                 "Seconds audit ledger entries are kept; older ones are pruned behind a checkpoint (leader only, every "
                 "minute; 0 keeps the whole ledger)")
      ->envname("COLONIES_AUDIT_RETENTION")->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{100} * 366 * 86400));
  app.add_option("--cron-checker-period", config.cron_checker_period_ms,
                 "Milliseconds between the leader's looks for due crons")
      ->envname("COLONIES_CRON_CHECKER_PERIOD")->capture_default_str()->check(CLI::Range(10, 3'600'000));
  app.add_option("--generator-checker-period", config.generator_checker_period_ms,
                 "Milliseconds between the leader's looks at generator queues")
      ->envname("COLONIES_GENERATOR_CHECKER_PERIOD")->capture_default_str()->check(CLI::Range(10, 3'600'000));
  app.add_option("--log-level", config.log_level, "trace, debug, info, warn, error")->envname("COLONIES_LOG_LEVEL")
      ->capture_default_str()->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  app.add_flag("--metrics,!--no-metrics", config.metrics,
               "Serve GET /metrics (Prometheus text format) on the HTTP port; --no-metrics turns it off (docs/metrics.md)")
      ->envname("COLONIES_METRICS")->capture_default_str();
  app.add_option("--metrics-token-file", config.metrics_token_file,
                 "File holding a token (>= 16 characters, mode 0600) that GET /metrics then requires as "
                 "'Authorization: Bearer <token>'; without it /metrics is open to whoever reaches the port")
      ->envname("COLONIES_METRICS_TOKEN_FILE");
  app.add_option("--cluster", config.cluster,
                 "none: one server; etcd: one of several servers sharing a PostgreSQL store, the leader elected in etcd (docs/ha.md)")
      ->envname("COLONIES_CLUSTER")->capture_default_str()->check(CLI::IsMember({"none", "etcd"}));
  app.add_option("--etcd-endpoints", config.etcd_endpoints,
                 "etcd client URLs for --cluster etcd, comma-separated, e.g. http://10.0.0.1:2379,http://10.0.0.2:2379")
      ->envname("COLONIES_ETCD_ENDPOINTS")->delimiter(',');
  app.add_option("--etcd-prefix", config.etcd_prefix, "etcd key prefix of this cluster (one per cluster sharing an etcd)")
      ->envname("COLONIES_ETCD_PREFIX")->capture_default_str();
  app.add_option("--cluster-name", config.cluster_name, "This server's unique name in the cluster (default <hostname>:<port>)")
      ->envname("COLONIES_CLUSTER_NAME");
  app.add_option("--advertise-url", config.advertise_url,
                 "Where the other servers reach this one, http://host:port (default: --host and --port, the host name "
                 "when --host is 0.0.0.0 or ::)")
      ->envname("COLONIES_ADVERTISE_URL");
  app.add_option("--lease-ttl", config.lease_ttl_s,
                 "Seconds of the etcd lease: a dead leader is replaced within about this long; shorter costs more etcd "
                 "traffic and less tolerance of etcd hiccups")
      ->envname("COLONIES_LEASE_TTL")->capture_default_str()->check(CLI::Range(2, 3600));
  config.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

namespace {

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

Status finish_cluster(Config& config) {
  const bool tls = !config.tls_cert.empty();
  const bool wildcard = config.host.empty() || config.host == "0.0.0.0" || config.host == "::";
  if (config.cluster_name.empty()) config.cluster_name = fmt::format("{}:{}", host_name(), config.port);
  if (config.advertise_url.empty()) {
    const auto host = wildcard ? host_name() : config.host.find(':') != std::string::npos ? "[" + config.host + "]" : config.host;
    config.advertise_url = fmt::format("{}://{}:{}", tls ? "https" : "http", host, config.port);
  }
  if (config.cluster == "none") return ok();
  if (config.db_type != "postgresql") {
    return fail(ErrorCode::BadRequest,
                "--cluster etcd needs --db-type postgresql: the servers of a cluster share one store, and SQLite is a "
                "local file");
  }
  if (config.etcd_endpoints.empty()) {
    return fail(ErrorCode::BadRequest,
                "--cluster etcd needs --etcd-endpoints (COLONIES_ETCD_ENDPOINTS), e.g. http://127.0.0.1:2379");
  }
  const bool advertises_https = config.advertise_url.starts_with("https://");
  if (advertises_https != tls) {
    return fail(ErrorCode::BadRequest, "--advertise-url {} is {} but this server {}", config.advertise_url,
                advertises_https ? "https" : "not https", tls ? "serves TLS" : "does not serve TLS (no --tls-cert)");
  }
  if (tls) {
    return fail(ErrorCode::BadRequest,
                "--cluster etcd with TLS is not supported yet: followers relay calls to the leader over plain http://");
  }
  return ok();
}

}  // namespace

Status finish(Config& config) {
  if (config.rate_burst == 0) config.rate_burst = 2 * config.rate_limit;
  if (config.rate_limit > 0 && config.rate_burst < 1) {
    return fail(ErrorCode::BadRequest, "--rate-burst {} must be at least 1 (one request)", config.rate_burst);
  }
  if (config.data_dir.empty()) {
    const char* home = std::getenv("HOME");
    config.data_dir = home && *home ? std::string(home) + "/.local/share/colonies" : std::string("colonies-data");
  }
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    return fail(ErrorCode::BadRequest, "TLS needs both --tls-cert and --tls-key");
  }
  if (config.grpc_port != 0 && config.grpc_port == config.port) {
    return fail(ErrorCode::BadRequest, "--grpc-port {} is also the HTTP --port; give gRPC a port of its own", config.grpc_port);
  }
  if (config.db_type == "postgresql" && config.postgres_url.empty()) {
    return fail(ErrorCode::BadRequest,
                "--db-type postgresql needs a connection string: --postgres URL or COLONIES_POSTGRES_URL");
  }
  if (config.db_type == "sqlite" && !config.postgres_url.empty()) {
    return fail(ErrorCode::BadRequest,
                "--postgres (COLONIES_POSTGRES_URL) is set but --db-type is sqlite; add --db-type postgresql");
  }
  if (!config.metrics && !config.metrics_token_file.empty()) {
    return fail(ErrorCode::BadRequest, "--metrics-token-file is set but --no-metrics turns /metrics off; drop one");
  }
  return finish_cluster(config);
}

}  // namespace colonies::server
