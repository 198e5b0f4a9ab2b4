// Shared options and signal handling of the executor daemons: see daemon.hpp.
#include "executors/common/daemon.hpp"

#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include <spdlog/spdlog.h>

#include "adapters/crypto/key_file.hpp"
#include "adapters/observability/metrics_endpoint.hpp"
#include "adapters/observability/metrics_server.hpp"
#include "executors/common/metrics_page.hpp"
#include "executors/common/runtime.hpp"

namespace colonies::executors {

void add_daemon_options(CLI::App& app, RuntimeConfig& rc, DaemonOptions& options) {
  app.set_config("--config", "", "Read options from this TOML file (keys = long option names, e.g. max-jobs = 4); "
                 "command line and environment win")->envname("COLONIES_EXECUTOR_CONFIG");
  // A misspelt key must not be silently ignored (an option the site meant to set, unset).
  app.allow_config_extras(CLI::config_extras_mode::error);
  app.add_option("--host", rc.server.host, "Colonies server host")->envname("COLONIES_SERVER_HOST")->capture_default_str();
  app.add_option("--port", rc.server.port, "Colonies server HTTP port")->envname("COLONIES_SERVER_HTTP_PORT")
      ->capture_default_str();
  app.add_option("--transport", options.transport,
                 "http (POST /api on --port) or grpc (the server's gRPC service on --grpc-port)")
      ->envname("COLONIES_TRANSPORT")->capture_default_str()->check(CLI::IsMember({"http", "grpc"}));
  app.add_option("--grpc-port", options.grpc_port, "Colonies server gRPC port, with --transport grpc")
      ->envname("COLONIES_SERVER_GRPC_PORT")->capture_default_str()->check(CLI::Range(1, 65535));
  app.add_flag("--tls", rc.server.tls, "Use TLS (HTTPS, or gRPC over TLS) to the Colonies server")->envname("COLONIES_TLS");
  app.add_option("--tls-ca-file", options.tls_ca, "Extra trusted CA certificate (PEM) for --tls")
      ->envname("COLONIES_TLS_CA_FILE");
  app.add_flag("--tls-insecure", options.tls_insecure, "Do not verify the server certificate (testing only)")
      ->envname("COLONIES_TLS_INSECURE");
  app.add_option("--colony", rc.colony_name, "Colony to pull processes from")->envname("COLONIES_COLONY_NAME");
  app.add_option("--name", rc.executor_name, "Executor name, unique in the colony")->envname("COLONIES_EXECUTOR_NAME")
      ->capture_default_str();
  app.add_option("--type", rc.executor_type, "Executor type that processes target (conditions.executortype)")
      ->envname("COLONIES_EXECUTOR_TYPE")->capture_default_str();
  app.add_option("--location", rc.location, "Location name of this executor")->envname("COLONIES_EXECUTOR_LOCATION");
  app.add_option("--prvkey", rc.executor_prvkey,
                 "Executor private key, 64 hex (prefer the environment: flags show in `ps`; COLONIES_PRVKEY also works)")
      ->envname("COLONIES_EXECUTOR_PRVKEY");
  app.add_option("--colony-prvkey", rc.colony_prvkey,
                 "Colony owner's private key: register and approve this executor at start (optional)")
      ->envname("COLONIES_COLONY_PRVKEY");
  app.add_option("--prvkey-file", options.prvkey_file,
                 "File holding the executor's private key, 64 hex (mode 0600, else the executor refuses to start; "
                 "COLONIES_PRVKEY_FILE also works); keeps the key out of `ps` and /proc/PID/environ")
      ->envname("COLONIES_EXECUTOR_PRVKEY_FILE");
  app.add_option("--colony-prvkey-file", options.colony_prvkey_file,
                 "File holding the colony owner's private key (mode 0600), instead of --colony-prvkey")
      ->envname("COLONIES_COLONY_PRVKEY_FILE");
  app.add_option("--max-jobs", rc.max_jobs, "Processes in flight at once")->envname("COLONIES_EXECUTOR_MAX_JOBS")
      ->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("--poll-timeout", rc.poll_timeout_s, "Seconds of each assign long-poll (also the idle heartbeat)")
      ->capture_default_str()->check(CLI::Range(1, 3600));
  app.add_option("--spool-dir", rc.spool_dir,
                 "Where results not yet acknowledged by the server and the journal of running jobs are kept "
                 "(default: $XDG_STATE_HOME/colonies/<name>/spool, else ~/.local/state/colonies/<name>/spool)")
      ->envname("COLONIES_EXECUTOR_SPOOL_DIR");
  app.add_option("--log-level", options.log_level, "trace, debug, info, warn, error")->envname("COLONIES_LOG_LEVEL")
      ->capture_default_str()->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  app.add_option("--metrics-port", options.metrics_port,
                 "Serve GET /metrics (Prometheus text format: jobs, assign and platform call latency) on this port "
                 "of --metrics-host (0 = off; docs/metrics.md)")
      ->envname("COLONIES_EXECUTOR_METRICS_PORT")->capture_default_str()->check(CLI::Range(0, 65535));
  app.add_option("--metrics-host", options.metrics_host,
                 "Address of the --metrics-port listener; anything but loopback exposes the metrics to the network")
      ->envname("COLONIES_EXECUTOR_METRICS_HOST")->capture_default_str();
  app.add_option("--metrics-token-file", options.metrics_token_file,
                 "File holding a token (>= 16 characters, mode 0600) that GET /metrics then requires as "
                 "'Authorization: Bearer <token>'")
      ->envname("COLONIES_EXECUTOR_METRICS_TOKEN_FILE");
}

Status apply_daemon_options(RuntimeConfig& rc, DaemonOptions& options) {
  spdlog::set_level(spdlog::level::from_str(options.log_level));
  // A key given twice is a configuration mistake, not a precedence question: which one signs
  // would decide which executor this is.
  if (!rc.executor_prvkey.empty() && !options.prvkey_file.empty()) {
    return fail(ErrorCode::BadRequest, "both --prvkey (COLONIES_EXECUTOR_PRVKEY) and --prvkey-file "
                                       "(COLONIES_EXECUTOR_PRVKEY_FILE) are set; give the key once");
  }
  if (!rc.colony_prvkey.empty() && !options.colony_prvkey_file.empty()) {
    return fail(ErrorCode::BadRequest, "both --colony-prvkey (COLONIES_COLONY_PRVKEY) and --colony-prvkey-file "
                                       "(COLONIES_COLONY_PRVKEY_FILE) are set; give the key once");
  }
  if (!options.prvkey_file.empty()) {
    COLONIES_TRY(key, crypto::read_private_key_file(options.prvkey_file, "--prvkey-file"));
    rc.executor_prvkey = std::move(key);
  }
  if (!options.colony_prvkey_file.empty()) {
    COLONIES_TRY(key, crypto::read_private_key_file(options.colony_prvkey_file, "--colony-prvkey-file"));
    rc.colony_prvkey = std::move(key);
  }
  if (rc.executor_prvkey.empty()) {
    if (const char* key = std::getenv("COLONIES_PRVKEY"); key && *key) {
      rc.executor_prvkey = key;
    } else if (const char* file = std::getenv("COLONIES_PRVKEY_FILE"); file && *file) {
      COLONIES_TRY(read, crypto::read_private_key_file(file, "COLONIES_PRVKEY_FILE"));
      rc.executor_prvkey = std::move(read);
    }
  }
  if (options.transport == "grpc") {
    rc.server.transport = client::TransportKind::Grpc;
    rc.server.port = static_cast<std::uint16_t>(options.grpc_port);
  }
  if (!options.metrics_token_file.empty()) {
    if (options.metrics_port == 0) {
      return fail(ErrorCode::BadRequest, "--metrics-token-file is set but --metrics-port is 0 (metrics off); set both");
    }
    COLONIES_TRY(token, observability::read_token_file(options.metrics_token_file, "--metrics-token-file"));
    options.metrics_token = std::move(token);
  }
  rc.server.tls_verify = !options.tls_insecure;
  rc.server.ca_file = options.tls_ca;
  return ok();
}

int run_until_stopped(const RuntimeConfig& rc, const DaemonOptions& options, std::unique_ptr<Backend> backend,
                      std::string_view on_first_signal) {
  const auto started = std::chrono::system_clock::now();
  // Signals are taken by one thread with sigtimedwait; every other thread (created after this)
  // keeps them blocked, and children get a clean mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  Runtime runtime(rc, std::move(backend));
  std::unique_ptr<observability::MetricsServer> metrics;
  if (options.metrics_port != 0) {
    observability::MetricsServerOptions metrics_options;
    metrics_options.host = options.metrics_host;
    metrics_options.port = static_cast<std::uint16_t>(options.metrics_port);
    metrics_options.token = options.metrics_token;
    auto served = observability::MetricsServer::start(
        std::move(metrics_options), [&runtime, started] { return render_metrics(runtime, started); });
    if (!served) {
      spdlog::error("cannot serve metrics on {}:{}: {}", options.metrics_host, options.metrics_port,
                    served.error().message);
      return 1;
    }
    metrics = std::move(*served);
    const bool loopback = options.metrics_host == "127.0.0.1" || options.metrics_host == "::1" ||
                          options.metrics_host == "localhost";
    if (!loopback && options.metrics_token.empty()) {
      spdlog::warn("GET /metrics on {} is open to anyone who reaches it (colony, executor names, load); set "
                   "--metrics-token-file or firewall the port (docs/metrics.md)",
                   options.metrics_host);
    }
    spdlog::info("metrics on http://{}:{}/metrics{}", options.metrics_host, metrics->port(),
                 options.metrics_token.empty() ? "" : " (bearer token required)");
  }
  std::atomic<bool> finished{false};
  std::thread signals([&] {
    int received = 0;
    const timespec tick{0, 200'000'000};
    while (!finished.load()) {
      int sig = ::sigtimedwait(&stop_signals, nullptr, &tick);
      if (sig <= 0) continue;
      ++received;
      spdlog::info("received {}: {}", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                   received == 1 ? std::string(on_first_signal) + " (send again to stop at once)" : "stopping now");
      runtime.request_stop(received > 1);
    }
  });
  Status result = runtime.run();
  finished = true;
  signals.join();
  if (!result) {
    spdlog::error("{}", result.error().message);
    return 1;
  }
  return 0;
}

}  // namespace colonies::executors
