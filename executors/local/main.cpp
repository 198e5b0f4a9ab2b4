// colonies-local-executor: composition root. Parses flags and environment, wires LocalBackend
// into the executor Runtime and turns SIGTERM/SIGINT into a graceful stop (a second one stops
// at once). No logic of its own beyond that.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "adapters/blob/directory_blob_store.hpp"
#include "core/model/resources.hpp"
#include "executors/common/runtime.hpp"
#include "executors/local/child_process.hpp"
#include "executors/local/host_resources.hpp"
#include "executors/local/local_backend.hpp"
#if COLONIES_WITH_MPI
#include "executors/local/mpi_plan.hpp"
#endif

namespace {

using namespace colonies;
using namespace colonies::executors;

std::string host_name() {
  char buffer[256] = {};
  if (::gethostname(buffer, sizeof buffer - 1) != 0 || !*buffer) return "localhost";
  return buffer;
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_default_logger(spdlog::stderr_color_mt("local-executor"));
  const local::HostResources host = local::detect_host_resources();

  RuntimeConfig rc;
  rc.server.host = "localhost";
  rc.executor_name = "local-" + host_name();
  rc.executor_type = "local";
  rc.max_jobs = host.pus;
  local::LocalBackendConfig lc;
  std::string cores_override, mem_override, log_level = "info", tls_ca;
  bool tls_insecure = false;
  int grace_s = 30, kill_grace_s = 5;

  CLI::App app{"Colonies local executor: pulls processes of its colony and runs each as a child process "
               "(funcname = program looked up in PATH, args = its arguments, no shell); processes asking for "
               "several MPI ranks (conditions.processes > 1 or processespernode > 0) run through Open MPI's mpirun "
               "with each rank bound to cores of this host. Every option can also be set in a TOML file given with "
               "--config (keys = long option names, e.g. max-jobs = 4). See docs/executors.md."};
  app.set_config("--config", "", "Read options from this TOML file (keys = long option names); command line and "
                 "environment win")->envname("COLONIES_EXECUTOR_CONFIG");
  // A misspelt key must not be silently ignored (an option the site meant to set, unset).
  app.allow_config_extras(CLI::config_extras_mode::error);
  app.add_option("--host", rc.server.host, "Colonies server host")->envname("COLONIES_SERVER_HOST")->capture_default_str();
  app.add_option("--port", rc.server.port, "Colonies server HTTP port")->envname("COLONIES_SERVER_HTTP_PORT")->capture_default_str();
  app.add_flag("--tls", rc.server.tls, "Use HTTPS")->envname("COLONIES_TLS");
  app.add_option("--tls-ca-file", tls_ca, "Extra trusted CA certificate (PEM) for --tls")->envname("COLONIES_TLS_CA_FILE");
  app.add_flag("--tls-insecure", tls_insecure, "Do not verify the server certificate (testing only)")->envname("COLONIES_TLS_INSECURE");
  app.add_option("--colony", rc.colony_name, "Colony to pull processes from")->envname("COLONIES_COLONY_NAME");
  app.add_option("--name", rc.executor_name, "Executor name, unique in the colony")->envname("COLONIES_EXECUTOR_NAME")->capture_default_str();
  app.add_option("--type", rc.executor_type, "Executor type that processes target (conditions.executortype)")
      ->envname("COLONIES_EXECUTOR_TYPE")->capture_default_str();
  app.add_option("--location", rc.location, "Location name of this executor")->envname("COLONIES_EXECUTOR_LOCATION");
  app.add_option("--prvkey", rc.executor_prvkey,
                 "Executor private key, 64 hex (prefer the environment: flags show in `ps`; COLONIES_PRVKEY also works)")
      ->envname("COLONIES_EXECUTOR_PRVKEY");
  app.add_option("--colony-prvkey", rc.colony_prvkey,
                 "Colony owner's private key: register and approve this executor at start (optional)")
      ->envname("COLONIES_COLONY_PRVKEY");
  app.add_option("--max-jobs", rc.max_jobs, "Processes run at once (default: number of PUs, i.e. hardware threads)")
      ->envname("COLONIES_EXECUTOR_MAX_JOBS")->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("--workdir", lc.workdir, "Parent of the per-process work directories (default: <tmp>/colonies-<name>)")
      ->envname("COLONIES_EXECUTOR_WORKDIR");
  app.add_flag("--keep-workdirs", lc.keep_workdirs, "Keep each process's work directory after it ends");
  app.add_option("--spool-dir", rc.spool_dir,
                 "Where results not yet acknowledged by the server and the journal of running jobs are kept "
                 "(default: $XDG_STATE_HOME/colonies/<name>/spool, else ~/.local/state/colonies/<name>/spool)")
      ->envname("COLONIES_EXECUTOR_SPOOL_DIR");
  std::string fs_dir;
  app.add_option("--fs-dir", fs_dir, "File storage directory (shared with users) for processes with spec.fs")
      ->envname("COLONIES_FS_DIR");
  app.add_option("--cores", cores_override, "Advertise this many cores instead of the detected ones")->envname("COLONIES_EXECUTOR_CORES");
  app.add_option("--mem", mem_override, "Advertise this much memory (\"16Gi\") instead of the detected amount")
      ->envname("COLONIES_EXECUTOR_MEM");
  app.add_option("--mpirun", lc.mpi.mpirun, "Open MPI's mpirun: a name looked up in PATH or a path")
      ->envname("COLONIES_MPIRUN")->capture_default_str();
  app.add_flag("--mpi-oversubscribe", lc.mpi.oversubscribe,
               "Let MPI ranks share cores when a process asks for more ranks than this host has cores "
               "(default: such processes fail)")->envname("COLONIES_MPI_OVERSUBSCRIBE");
  app.add_option("--mpi-arg", lc.mpi.extra_args,
                 "One extra mpirun argument, placed before the program; repeat for more (--mpi-arg=--mca "
                 "--mpi-arg=btl --mpi-arg=self,vader)")->allow_extra_args(false);
  app.add_option("--poll-timeout", rc.poll_timeout_s, "Seconds of each assign long-poll (also the idle heartbeat)")
      ->capture_default_str()->check(CLI::Range(1, 3600));
  app.add_option("--grace", grace_s, "Seconds running processes may finish after SIGTERM before they are killed")
      ->capture_default_str()->check(CLI::Range(0, 86400));
  app.add_option("--kill-grace", kill_grace_s, "Seconds between SIGTERM and SIGKILL when a process is stopped")
      ->capture_default_str()->check(CLI::Range(0, 3600));
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")->envname("COLONIES_LOG_LEVEL")
      ->capture_default_str()->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  CLI11_PARSE(app, argc, argv);

  spdlog::set_level(spdlog::level::from_str(log_level));
  spdlog::info("host: {} package(s), {} NUMA node(s), {} cores, {} PUs, {} GPU(s), memory {} MiB (from {})",
               host.packages, host.numa_nodes, host.cores, host.pus, host.gpus.size(), host.mem_bytes >> 20, host.source);
  if (rc.executor_prvkey.empty()) {
    if (const char* key = std::getenv("COLONIES_PRVKEY")) rc.executor_prvkey = key;
  }
  rc.server.tls_verify = !tls_insecure;
  rc.server.ca_file = tls_ca;
  rc.shutdown_grace = std::chrono::seconds(grace_s);
  lc.kill_grace = std::chrono::seconds(kill_grace_s);

  model::Hardware hw = local::to_hardware(host);
  lc.host = host;
  lc.usable_cores = host.cores;
  if (!cores_override.empty()) {
    auto millis = model::parse_cpu(cores_override);
    if (!millis || *millis <= 0) {
      std::cerr << "colonies-local-executor: --cores '" << cores_override << "' is not a CPU amount; use e.g. 8 or 500m\n";
      return 2;
    }
    hw.cpu = cores_override;
    hw.cores = static_cast<int>(std::max<std::int64_t>(1, *millis / 1000));
    // MPI ranks are bound to real cores: never more than the topology has.
    lc.usable_cores = std::min(hw.cores, static_cast<int>(host.core_list.size()));
  }
  // Open MPI refuses to run as root without its two consent variables (see docs/executors.md).
  lc.mpi.run_as_root = ::geteuid() == 0;
#if COLONIES_WITH_MPI
  if (auto mpirun = local::find_program(lc.mpi.mpirun, std::getenv("PATH") ? std::getenv("PATH") : "")) {
    spdlog::info("MPI processes run through {}{}{}", *mpirun, lc.mpi.oversubscribe ? " (oversubscribing allowed)" : "",
                 lc.mpi.run_as_root ? "; running as root, so Open MPI is allowed to as well" : "");
    // Advertised as software, so users can see which MPI an executor offers.
    // Only what mpirun needs from the environment: never the COLONIES_* keys.
    std::vector<std::string> probe_env;
    for (const char* name : {"PATH", "LD_LIBRARY_PATH", "HOME"}) {
      if (const char* value = std::getenv(name)) probe_env.push_back(std::string(name) + "=" + value);
    }
    auto version = local::run_to_completion(
        local::SpawnRequest{*mpirun, {lc.mpi.mpirun, "--version"}, probe_env, std::filesystem::current_path()},
        std::chrono::seconds(10));
    if (auto software = version ? local::parse_mpirun_version(*version) : std::nullopt) {
      rc.capabilities.software.push_back(*software);
    } else {
      spdlog::warn("{} does not look like Open MPI's mpirun ({}); MPI processes may fail", *mpirun,
                   version ? "unrecognised --version output" : version.error().message);
    }
  } else {
    spdlog::warn("{}: processes that need MPI will fail until Open MPI is installed or --mpirun names it",
                 mpirun.error().message);
  }
#else
  spdlog::info("built without MPI support (COLONIES_WITH_MPI=OFF): processes that need MPI will fail");
#endif
  rc.capabilities.hardware = {hw};
  if (lc.workdir.empty()) lc.workdir = std::filesystem::temp_directory_path() / ("colonies-" + rc.executor_name);

  if (auto valid = validate(rc); !valid) {
    std::cerr << "colonies-local-executor: " << valid.error().message << "\n";
    return 2;
  }
  if (!fs_dir.empty()) {
    auto fs_client = client::Client::connect(rc.server, rc.executor_prvkey);
    if (!fs_client) {
      std::cerr << "colonies-local-executor: " << fs_client.error().message << "\n";
      return 2;
    }
    auto blobs = blob::DirectoryBlobStore::open(fs_dir);  // checked now: a bad directory fails at start
    if (!blobs) {
      std::cerr << "colonies-local-executor: --fs-dir: " << blobs.error().message << "\n";
      return 2;
    }
    lc.stager = std::make_shared<local::ColonyFsStager>(std::make_unique<client::Client>(std::move(*fs_client)), fs_dir);
  }
  auto backend = local::LocalBackend::create(lc);
  if (!backend) {
    std::cerr << "colonies-local-executor: " << backend.error().message << "\n";
    return 2;
  }

  // Signals are taken by one thread with sigwait; every other thread (created after this) keeps
  // them blocked, and children get a clean mask (child_process.cpp).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  Runtime runtime(rc, std::move(*backend));
  std::atomic<bool> finished{false};
  std::thread signals([&] {
    int received = 0;
    const timespec tick{0, 200'000'000};
    while (!finished.load()) {
      int sig = ::sigtimedwait(&stop_signals, nullptr, &tick);
      if (sig <= 0) continue;
      ++received;
      spdlog::info("received {}{}", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                   received == 1 ? ": finishing running processes (send again to stop at once)" : ": stopping now");
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
