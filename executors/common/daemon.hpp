// What every executor daemon's composition root shares: the options about the Colonies server,
// the executor's identity and keys, the spool, logging and the --config file; and running the
// Runtime until SIGTERM/SIGINT (the first stops gracefully, a second at once). A daemon adds its
// platform's options next to these and keeps its own main(). Kept out of the runtime library so
// that the runtime does not depend on CLI11.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "executors/common/backend.hpp"
#include "executors/common/runtime_config.hpp"

namespace colonies::executors {

// Options that do not map one-to-one onto RuntimeConfig fields; apply_daemon_options() turns
// them into configuration.
struct DaemonOptions {
  std::string transport = "http";  // or "grpc": the server's gRPC service on grpc_port
  int grpc_port = 50081;
  std::string tls_ca;
  bool tls_insecure = false;
  std::string prvkey_file;         // the executor's key, from a file (mode 0600)
  std::string colony_prvkey_file;  // the colony owner's key, from a file (mode 0600)
  std::string log_level = "info";
  // GET /metrics on a listener of its own (docs/metrics.md): off while metrics_port is 0.
  std::string metrics_host = "127.0.0.1";
  int metrics_port = 0;
  std::string metrics_token_file;  // scrapes need Authorization: Bearer <its token>
  std::string metrics_token;       // read from metrics_token_file by apply_daemon_options
};

// Adds --config (TOML, unknown keys are an error), --host, --port, --transport, --grpc-port, --tls, --tls-ca-file,
// --tls-insecure, --colony, --name, --type, --location, --prvkey, --colony-prvkey, --prvkey-file,
// --colony-prvkey-file, --max-jobs,
// --poll-timeout, --spool-dir, --log-level, --metrics-port, --metrics-host and --metrics-token-file, each with
// its environment variable. `rc` must hold
// the daemon's defaults (they are shown by --help). A daemon may adjust a description afterwards
// (app.get_option("--max-jobs")->description(...)).
void add_daemon_options(CLI::App& app, RuntimeConfig& rc, DaemonOptions& options);

// After parsing: sets the log level, the transport (and its port), the TLS settings, and the keys:
// from --prvkey-file / --colony-prvkey-file, else the executor's from COLONIES_PRVKEY or
// COLONIES_PRVKEY_FILE when neither --prvkey nor --prvkey-file was given. BadRequest (the daemon
// exits with it) when a key file is missing, readable by group or others, or malformed, or a key
// is given both inline and as a file; likewise for --metrics-token-file, which it reads into
// `metrics_token`.
Status apply_daemon_options(RuntimeConfig& rc, DaemonOptions& options);

// Runs `backend` in a Runtime until it ends or a signal stops it; returns the process exit code
// (0, or 1 with the error logged). `on_first_signal` is logged after the first SIGTERM/SIGINT
// (e.g. "finishing running processes"). Call it before creating any thread of the daemon's own:
// it blocks the stop signals for every thread and takes them on one thread of its own. With
// options.metrics_port set, serves GET /metrics there while the runtime runs (exit code 1 when the
// port cannot be bound).
int run_until_stopped(const RuntimeConfig& rc, const DaemonOptions& options, std::unique_ptr<Backend> backend,
                      std::string_view on_first_signal);

}  // namespace colonies::executors
