// coloniesd: the composition root. Reads configuration (flags > environment > config file >
// defaults), picks the adapters (SQLite or PostgreSQL store, libsodium crypto, Beast HTTP, gRPC), wires them
// into the broker and runs until SIGINT/SIGTERM; SIGHUP reloads the TLS certificate and key. No logic
// of its own beyond wiring, reloading and shutdown order.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <spdlog/spdlog.h>

#include "adapters/cluster/etcd_cluster.hpp"
#include "adapters/cluster/single_server.hpp"
#include "adapters/crypto/key_file.hpp"
#include "adapters/crypto/sodium_crypto.hpp"
#include "adapters/storage/sqlite/sqlite_store.hpp"
#ifdef COLONIES_WITH_POSTGRES
#include "adapters/storage/postgres/postgres_store.hpp"
#endif
#include "adapters/observability/metrics_endpoint.hpp"
#include "adapters/transport/http/http_server.hpp"
#ifdef COLONIES_WITH_GRPC
#include "adapters/transport/grpc/grpc_server.hpp"
#include "server/main/grpc_bridge.hpp"
#endif
#include "core/protocol/envelope.hpp"
#include "server/api/broker.hpp"
#include "server/commit/commit_queue.hpp"
#include "server/dashboard/dashboard.hpp"
#include "server/main/config.hpp"
#include "server/main/metrics_page.hpp"
#include "server/main/node.hpp"
#include "server/main/ws_bridge.hpp"

namespace asio = boost::asio;
using namespace colonies;

namespace {

transport::HttpResponse json_response(int status, const boost::json::value& body) {
  return transport::HttpResponse{status, "application/json", boost::json::serialize(body)};
}

// One embedded dashboard file (server/dashboard), with its security header fields.
transport::HttpResponse dashboard_response(const server::dashboard::Asset& asset) {
  transport::HttpResponse response{200, std::string(asset.content_type), std::string(asset.body), {}};
  for (auto [name, value] : server::dashboard::response_headers()) response.headers.emplace_back(name, value);
  return response;
}

constexpr auto kEtcdStartTimeout = std::chrono::seconds(15);

struct OpenedStore {
  std::unique_ptr<ports::Store> store;
  std::string description;  // for the start-up log line; never the connection string (passwords)
};

Result<OpenedStore> open_store(const server::Config& config) {
  if (config.db_type == "postgresql") {
#ifdef COLONIES_WITH_POSTGRES
    storage::PostgresOptions options;
    options.conninfo = config.postgres_url;
    options.reader_connections = config.postgres_readers;
    COLONIES_TRY(store, storage::PostgresStore::open(options));
    return OpenedStore{std::move(store), "postgresql"};
#else
    return fail(ErrorCode::BadRequest,
                "this coloniesd was built without PostgreSQL support (COLONIES_WITH_POSTGRES=OFF); use --db-type sqlite");
#endif
  }
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  storage::SqliteOptions options;
  options.path = (std::filesystem::path(config.data_dir) / "colonies.db").string();
  options.sync = config.db_sync == "normal" ? storage::SqliteOptions::Sync::Normal : storage::SqliteOptions::Sync::Full;
  auto store = storage::SqliteStore::open(options);
  if (!store) return fail(store.error().code, "{}: {}", options.path, store.error().message);
  return OpenedStore{std::move(*store), "sqlite " + options.path};
}

// The election: a lone server leads; a cluster member joins etcd (bounded wait, then exit 1).
Result<std::unique_ptr<ports::LeaderElection>> join_cluster(const server::Config& config) {
  if (config.cluster != "etcd") {
    return std::make_unique<cluster::SingleServer>(config.server_id.empty() ? "coloniesd" : config.server_id,
                                                   config.advertise_url);
  }
  cluster::EtcdOptions options;
  options.endpoints = config.etcd_endpoints;
  options.prefix = config.etcd_prefix;
  options.lease_ttl = std::chrono::seconds(config.lease_ttl_s);
  options.member_name = config.cluster_name;
  options.member_url = config.advertise_url;
  options.start_timeout = kEtcdStartTimeout;
  spdlog::info("joining the cluster as {} ({}) through etcd at {} (prefix {}, lease TTL {} s; waiting up to {} s)",
               config.cluster_name, config.advertise_url, fmt::join(config.etcd_endpoints, ","), config.etcd_prefix,
               config.lease_ttl_s, std::chrono::duration_cast<std::chrono::seconds>(kEtcdStartTimeout).count());
  COLONIES_TRY(member, cluster::EtcdCluster::start(std::move(options)));
  return std::unique_ptr<ports::LeaderElection>(std::move(member));
}

// The key file's mode, then the pair itself (load_tls_material): what start-up refuses, a reload
// refuses too.
Result<transport::TlsMaterial> load_tls_files(const server::Config& config) {
  COLONIES_CHECK(crypto::check_private_file(config.tls_key, "--tls-key"));
  return transport::load_tls_material(config.tls_cert, config.tls_key);
}

// SIGHUP: new connections (HTTPS, WebSocket, gRPC) get the certificate and key now in the files;
// open connections keep theirs. A pair that does not load is refused and the one in use stays
// (fails closed: never plain text, never a half-swapped pair).
void reload_tls(const server::Config& config, transport::HttpServer& http, std::function<Status(const transport::TlsMaterial&)> grpc) {
  if (config.tls_cert.empty()) {
    spdlog::info("SIGHUP: no --tls-cert configured, nothing to reload");
    return;
  }
  // Two quick SIGHUPs run one after the other, so HTTP and gRPC always end on the same pair.
  static std::mutex reloading;
  std::lock_guard lock(reloading);
  auto material = load_tls_files(config);
  if (!material) {
    spdlog::error("TLS reload refused, still serving the previous certificate: {}", material.error().message);
    return;
  }
  if (auto used = http.use_tls(*material); !used) {
    spdlog::error("TLS reload refused by HTTP, still serving the previous certificate: {}", used.error().message);
    return;
  }
  if (grpc) {
    if (auto used = grpc(*material); !used) {
      spdlog::error("TLS reload: HTTP serves the new certificate but gRPC keeps the previous one: {}",
                    used.error().message);
      return;
    }
  }
  spdlog::info("TLS certificate reloaded: {} (subject {}, expires {}, sha256 {}); open connections keep theirs",
               config.tls_cert, material->subject, material->not_after, material->sha256);
}

bool is_loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "::1" || host == "localhost" || host.starts_with("127.");
}

// `metrics_token`: the token of --metrics-token-file, "" when scrapes need none.
int run(const server::Config& config, const std::string& metrics_token) {
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  const auto started = std::chrono::system_clock::now();
  crypto::SodiumCrypto crypto;
  crypto::RandomIdGenerator ids;
  ports::SystemClock clock;

  auto store = open_store(config);
  if (!store) {
    spdlog::error("cannot open the {} store: {}", config.db_type, store.error().message);
    return 1;
  }
  server::commit::CommitOptions commit_options;
  commit_options.max_batch = config.commit_max_batch;
  commit_options.window = std::chrono::microseconds(config.commit_window_us);
  server::commit::CommitQueue commits(*store->store, commit_options);

  asio::io_context io(config.threads);
  asio::thread_pool blocking(2);
  server::api::BrokerOptions broker_options;
  broker_options.build_version = COLONIES_VERSION;
  broker_options.build_time = __DATE__ " " __TIME__;
  broker_options.http_host = config.host;
  broker_options.http_port = config.port;
  broker_options.tls = !config.tls_cert.empty();
  broker_options.grpc_port = config.grpc_port;
  broker_options.replay_window_s = config.replay_window_s;
  broker_options.batch_limit = config.batch_limit;
  broker_options.stale_executor_s = config.stale_executor_s;
  broker_options.cron_checker_period_ms = config.cron_checker_period_ms;
  broker_options.retention_s = config.retention ? config.retention_policy_s : 0;
  broker_options.audit_retention_s = config.audit_retention_s;
  broker_options.generator_checker_period_ms = config.generator_checker_period_ms;
  broker_options.request_rate = {config.rate_limit, config.rate_burst};
  broker_options.waiter_order =
      config.long_poll_order == "lifo" ? server::scheduler::WaiterOrder::Lifo : server::scheduler::WaiterOrder::Fifo;
  ports::SystemRandom random;
  auto leadership = join_cluster(config);
  if (!leadership) {
    spdlog::error("cannot join the cluster: {}", leadership.error().message);
    return 1;
  }
  server::NodeOptions node_options;
  node_options.clustered = config.cluster == "etcd";
  node_options.member_name = config.cluster_name;
  node_options.initial_server_id = config.server_id;
  server::Node node(server::api::BrokerDeps{*store->store, commits, crypto, clock, ids,
                                            [&blocking](std::function<void()> work) { asio::post(blocking, std::move(work)); },
                                            **leadership, random},
                    broker_options, node_options, io);
  if (auto started = node.start(); !started) {
    spdlog::error("cannot load state: {}", started.error().message);
    return 1;
  }

  if (!config.tls_cert.empty()) {
    auto material = load_tls_files(config);
    if (!material) {
      spdlog::error("cannot serve TLS: {}", material.error().message);
      return 1;
    }
    spdlog::info("TLS certificate {} (subject {}, expires {}, sha256 {}); SIGHUP reloads it", config.tls_cert,
                 material->subject, material->not_after, material->sha256);
  }
  transport::HttpServerOptions http_options;
  http_options.host = config.host;
  http_options.port = static_cast<std::uint16_t>(config.port);
  http_options.body_limit = config.body_limit;
  http_options.tls_cert_file = config.tls_cert;
  http_options.tls_key_file = config.tls_key;
  http_options.websocket.path = "/api/ws";
  http_options.websocket.max_queued = config.ws_queue_limit;
  http_options.max_connections = config.max_connections;
  http_options.header_timeout_s = config.header_timeout_s;
  http_options.body_timeout_s = config.body_timeout_s;
  http_options.idle_timeout_s = config.idle_timeout_s;
  http_options.websocket.message_limit = config.body_limit;
  // A subscriber sends its subscribe message right after the upgrade; a connection that sends
  // nothing gets no longer than a slow request header would.
  http_options.websocket.first_message_timeout_s = config.header_timeout_s;
  // Set once the HTTP server is up (below); the gRPC listener adds its own count to the sources.
  std::function<std::size_t()> http_connections;
  server::MetricsSources metrics_sources{node, commits, [&] { return http_connections ? http_connections() : 0; },
                                         {}, COLONIES_VERSION, started};
  auto http = transport::HttpServer::start(
      io, http_options, [&](transport::HttpRequest request, transport::Responder respond) {
        if (request.target == "/api" && request.method == "POST") {
          auto alive = request.is_open;
          node.handle(std::move(request.body), [respond](server::EncodedReply reply) {
            transport::HttpResponse response;
            response.status = reply.status;
            response.body = std::move(reply.body);
            respond(std::move(response));
          }, std::move(alive));
          return;
        }
        if (config.dashboard && (request.method == "GET" || request.method == "HEAD")) {
          if (const auto* asset = server::dashboard::find_asset(request.target)) return respond(dashboard_response(*asset));
        }
        if (request.target == "/health" && request.method == "GET") {
          auto [healthy, body] = node.health();
          respond(json_response(healthy ? 200 : 503, body));
          return;
        }
        if (request.target == "/metrics" && config.metrics) {
          // Rendering takes the broker's lock briefly (gauges); scrapes come every few seconds.
          respond(observability::serve_metrics(request, metrics_token,
                                               [&metrics_sources] { return server::render_metrics(metrics_sources); }));
          return;
        }
        respond(json_response(404, boost::json::object{{"error", config.metrics ? "not found: use POST /api, GET /health, "
                                                                                   "GET /metrics or a WebSocket on /api/ws"
                                                                                 : "not found: use POST /api, GET /health "
                                                                                   "or a WebSocket on /api/ws"}}));
      },
      server::make_subscription_acceptor(node));
  if (!http) {
    spdlog::error("cannot serve HTTP on {}:{}: {}", config.host, config.port, http.error().message);
    return 1;
  }
  http_connections = [&http] { return (*http)->connection_count(); };
  if (config.metrics) {
    if (metrics_token.empty() && !is_loopback(config.host)) {
      spdlog::warn("GET /metrics is open to anyone who reaches {}:{} (colony names, executor types and load); set "
                   "--metrics-token-file, or --no-metrics, or firewall it (docs/metrics.md)",
                   config.host, (*http)->port());
    }
  }
  spdlog::info("coloniesd {} serving on {}://{}:{} (store {}{})", COLONIES_VERSION,
               config.tls_cert.empty() ? "http" : "https", config.host, (*http)->port(), store->description,
               node_options.clustered ? ", following until elected" : "");
  if (config.dashboard) {
    spdlog::info("dashboard on {}://{}:{}/ (turn it off with --no-dashboard)", config.tls_cert.empty() ? "http" : "https",
                 config.host, (*http)->port());
  }

#ifdef COLONIES_WITH_GRPC
  std::unique_ptr<transport::GrpcServer> grpc;
  if (config.grpc_port != 0) {
    transport::GrpcServerOptions grpc_options;
    grpc_options.host = config.host;
    grpc_options.port = static_cast<std::uint16_t>(config.grpc_port);
    grpc_options.tls_cert_file = config.tls_cert;
    grpc_options.tls_key_file = config.tls_key;
    grpc_options.message_limit = config.body_limit;
    grpc_options.max_queued = config.ws_queue_limit;
    grpc_options.handshake_timeout_s = config.header_timeout_s;
    grpc_options.idle_timeout_s = config.idle_timeout_s;
    auto started = transport::GrpcServer::start(grpc_options, server::make_grpc_call_handler(node, io),
                                                server::make_grpc_subscribe_handler(node, io));
    if (!started) {
      spdlog::error("cannot serve gRPC on {}:{}: {}", config.host, config.grpc_port, started.error().message);
      return 1;
    }
    grpc = std::move(*started);
    spdlog::info("coloniesd gRPC service colonies.v1.Colonies on {}://{}:{}", grpc->tls() ? "grpcs" : "grpc",
                 config.host, grpc->port());
  }
  auto grpc_active = [&grpc] { return grpc ? grpc->active_calls() : std::size_t{0}; };
  if (grpc) metrics_sources.grpc_calls = grpc_active;
  std::function<Status(const transport::TlsMaterial&)> grpc_use_tls;
  if (grpc && grpc->tls()) grpc_use_tls = [&grpc](const transport::TlsMaterial& material) { return grpc->use_tls(material); };
#else
  if (config.grpc_port != 0) {
    spdlog::error("this coloniesd was built without gRPC (COLONIES_WITH_GRPC=OFF); drop --grpc-port");
    return 1;
  }
  auto grpc_active = [] { return std::size_t{0}; };
  std::function<Status(const transport::TlsMaterial&)> grpc_use_tls;
#endif

  // Caught with or without TLS: SIGHUP's default action would end the server.
  asio::signal_set reload_signals(io, SIGHUP);
  std::function<void()> wait_for_reload = [&] {
    reload_signals.async_wait([&](const boost::system::error_code& error, int) {
      if (error) return;
      // Reading and checking the files is file I/O: off the io threads. The pool is joined
      // before the servers are destroyed.
      asio::post(blocking, [&] { reload_tls(config, **http, grpc_use_tls); });
      wait_for_reload();
    });
  };
  wait_for_reload();

  // Deadlines: a periodic tick; the scheduler keeps them ordered, so a tick costs O(expired).
  asio::steady_timer ticker(io);
  std::function<void()> schedule_tick = [&] {
    ticker.expires_after(std::chrono::milliseconds(20));
    ticker.async_wait([&](const boost::system::error_code& error) {
      if (error) return;
      node.tick();
      schedule_tick();
    });
  };
  schedule_tick();

  // Shutdown drain: polls until no connection is open (or the deadline), then stops io. Lives in
  // this scope, which outlives io.run(), so the handlers capture it by reference.
  asio::steady_timer drain_timer(io);
  std::chrono::steady_clock::time_point drain_deadline;
  std::function<void()> drain_check = [&] {
    if (((*http)->connection_count() == 0 && grpc_active() == 0) || std::chrono::steady_clock::now() >= drain_deadline) {
      io.stop();
      return;
    }
    drain_timer.expires_after(std::chrono::milliseconds(20));
    drain_timer.async_wait([&](const boost::system::error_code&) { drain_check(); });
  };

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int signal) {
    if (error) return;
    spdlog::info("signal {} received: shutting down", signal);
    reload_signals.cancel();
    (*http)->stop();
#ifdef COLONIES_WITH_GRPC
    // Ends its subscriptions and refuses new calls; calls in flight are answered through io.
    if (grpc) grpc->stop(std::chrono::seconds(5));
#endif
    ticker.cancel();
    node.shutdown();
    // Flush pending commits (their replies are posted to io), then let io finish and stop.
    commits.stop();
    // Stop as soon as the last connection has its answer, or after 5 s at the latest.
    drain_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    asio::post(io, drain_check);
  });

  std::vector<std::thread> threads;
  for (int i = 1; i < config.threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : threads) t.join();
  blocking.join();
#ifdef COLONIES_WITH_GRPC
  grpc.reset();  // joins its shutdown: every call has its answer or was cancelled by now
#endif
  spdlog::info("coloniesd stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  server::Config config;
  CLI::App app{"coloniesd — the Colonies server: brokers signed processes to executors"};
  server::add_options(app, config);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (auto valid = server::finish(config); !valid) {
    std::cerr << "coloniesd: " << valid.error().message << "\n";
    return 2;
  }
  if (!config.tls_key.empty()) {
    if (auto checked = crypto::check_private_file(config.tls_key, "--tls-key"); !checked) {
      std::cerr << "coloniesd: " << checked.error().message << "\n";
      return 2;
    }
  }
  std::string metrics_token;
  if (!config.metrics_token_file.empty()) {
    auto token = observability::read_token_file(config.metrics_token_file, "--metrics-token-file");
    if (!token) {
      std::cerr << "coloniesd: " << token.error().message << "\n";
      return 2;
    }
    metrics_token = std::move(*token);
  }
  return run(config, metrics_token);
}
