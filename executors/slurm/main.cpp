// colonies-slurm-executor: composition root. Parses flags, environment and an optional TOML config
// file, picks the Slurm transport (libslurm, or the CLI tools), wires SlurmBackend into the
// executor Runtime and turns SIGTERM/SIGINT into a graceful stop. No logic of its own beyond that.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "core/model/resources.hpp"
#include "executors/common/daemon.hpp"
#include "adapters/crypto/sodium_crypto.hpp"
#include "executors/slurm/cli_api.hpp"
#include "executors/slurm/libslurm_api.hpp"
#include "executors/slurm/pilot.hpp"
#include "executors/slurm/slurm_backend.hpp"

namespace {

using namespace colonies;
using namespace colonies::executors;

std::string host_name() {
  char buffer[256] = {};
  if (::gethostname(buffer, sizeof buffer - 1) != 0 || !*buffer) return "localhost";
  return buffer;
}

int usage_error(const std::string& message) {
  std::cerr << "colonies-slurm-executor: " << message << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_default_logger(spdlog::stderr_color_mt("slurm-executor"));

  RuntimeConfig rc;
  rc.server.host = "localhost";
  rc.executor_name = "slurm-" + host_name();
  rc.executor_type = "slurm";
  rc.max_jobs = 100;
  slurm::SlurmBackendConfig bc;
  bc.site.workdir = "";
  std::string transport = "libslurm", gres_style = "gres", cpu, mem;
  DaemonOptions daemon;
  int poll_interval_ms = 2000, cli_timeout_s = 30, forgotten_grace_s = 120;
  std::int64_t default_walltime_s = 0;

  CLI::App app{
      "Colonies Slurm executor: pulls processes of its colony and runs each as one Slurm batch job "
      "(funcname = program, args = its arguments, every value shell-quoted; conditions become nodes, tasks, "
      "CPUs, memory, GPUs and the time limit). Site settings come from flags, COLONIES_* variables or a TOML file "
      "given with --config (keys = long option names). See docs/executor-slurm.md."};
  add_daemon_options(app, rc, daemon);
  app.get_option("--name")->description(
      "Executor name, unique in the colony; also marks this executor's Slurm jobs (job comment) for reattach");
  app.get_option("--max-jobs")->description("Slurm jobs in flight at once (pending or running)");
  app.add_option("--cpu", cpu, "Advertise this CPU capacity (e.g. 256) so the server assigns only what fits; default: none")
      ->envname("COLONIES_EXECUTOR_CORES");
  app.add_option("--mem", mem, "Advertise this memory capacity (e.g. 1Ti); default: none")->envname("COLONIES_EXECUTOR_MEM");

  app.add_option("--slurm-transport", transport,
                 "How to talk to Slurm: libslurm (the C API this executor was built against) or cli "
                 "(sbatch/squeue/sacct/scancel)")
      ->envname("COLONIES_SLURM_TRANSPORT")->capture_default_str()->check(CLI::IsMember({"libslurm", "cli"}));
  app.add_option("--partition", bc.site.partition, "Slurm partition (default: the cluster's default)")
      ->envname("COLONIES_SLURM_PARTITION");
  app.add_option("--account", bc.site.account, "Slurm account to charge")->envname("COLONIES_SLURM_ACCOUNT");
  app.add_option("--qos", bc.site.qos, "Slurm QOS")->envname("COLONIES_SLURM_QOS");
  app.add_option("--constraint", bc.site.constraints, "Slurm --constraint expression for every job")
      ->envname("COLONIES_SLURM_CONSTRAINT");
  app.add_option("--module", bc.site.modules, "Environment module to load in every job (repeatable)");
  app.add_option("--prologue", bc.site.prologue, "Script line run before the program in every job (repeatable; trusted)");
  app.add_option("--workdir", bc.site.workdir, "Shared directory; each job runs in <workdir>/<processid>")
      ->envname("COLONIES_EXECUTOR_WORKDIR");
  app.add_option("--output-dir", bc.site.output_dir,
                 "Shared directory for job output files, which the executor tails (default: <workdir>/output)")
      ->envname("COLONIES_SLURM_OUTPUT_DIR");
  app.add_option("--default-walltime", default_walltime_s,
                 "Time limit in seconds for processes without conditions.walltime (0: the partition's default)")
      ->capture_default_str()->check(CLI::Range(std::int64_t{0}, std::int64_t{366} * 86400));
  app.add_option("--gres-style", gres_style,
                 "How GPUs are requested: gres (--gres=gpu:N per node), tres (--gpus=N per job) or none (no GPUs)")
      ->capture_default_str()->check(CLI::IsMember({"gres", "tres", "none"}));
  app.add_option("--srun-arg", bc.site.srun_args, "Argument for srun in jobs with several tasks (repeatable, e.g. --mpi=pmix)");
  app.add_option("--shell", bc.site.shell, "Interpreter of the batch scripts")->capture_default_str();
  app.add_option("--job-env", bc.site.environment,
                 "NAME=value every job starts with (repeatable; default: this executor's PATH and LANG)");
  app.add_option("--array-max", bc.array_max,
                 "Submit up to this many compatible processes (same resources and limits) as one Slurm job array; "
                 "0 or 1: one job per process")
      ->capture_default_str()->check(CLI::Range(0, 200));
  int array_window_ms = 500;
  app.add_option("--array-window-ms", array_window_ms,
                 "How long a process may wait for compatible ones to share its job array")
      ->capture_default_str()->check(CLI::Range(1, 60'000));
  app.add_option("--poll-interval-ms", poll_interval_ms, "One Slurm state query per this interval, for all jobs")
      ->capture_default_str()->check(CLI::Range(100, 600'000));
  int submit_retry_s = 120;
  app.add_option("--submit-retry", submit_retry_s,
                 "Seconds a submission is retried while slurmctld cannot be reached, before the process fails")
      ->capture_default_str()->check(CLI::Range(0, 86400));
  app.add_option("--cli-timeout", cli_timeout_s, "Seconds each sbatch/squeue/sacct/scancel call may take")
      ->capture_default_str()->check(CLI::Range(1, 3600));
  app.add_option("--forgotten-grace", forgotten_grace_s,
                 "Seconds to wait for accounting (sacct) to know a job slurmctld forgot before its outcome is unknown")
      ->capture_default_str()->check(CLI::Range(1, 86400));
  slurm::PilotConfig pilot;
  pilot.pilots = 0;
  std::string pilot_host;
  app.add_option("--pilots", pilot.pilots,
                 "Pilot mode: keep this many Slurm allocations running colonies-local-executor, which pull and run "
                 "processes themselves (needs --colony-prvkey to register them); 0: one Slurm job per process")
      ->capture_default_str()->check(CLI::Range(0, 10000));
  app.add_option("--pilot-cores", pilot.cores, "CPUs per pilot (and processes it runs at once)")
      ->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("--pilot-mem", pilot.mem, "Memory per pilot, e.g. 8Gi (default: the partition's)");
  app.add_option("--pilot-walltime", pilot.walltime_s, "Seconds each pilot runs; ended pilots are replaced")
      ->capture_default_str()->check(CLI::Range(std::int64_t{60}, std::int64_t{366} * 86400));
  app.add_option("--local-executor", pilot.local_executor, "colonies-local-executor as found on the compute nodes")
      ->capture_default_str();
  app.add_option("--pilot-server-host", pilot_host, "Server host as the compute nodes reach it (default: --host)");
  bool version = false;
  app.add_flag("--version", version, "Print the Slurm release this executor was built against, and exit");
  CLI11_PARSE(app, argc, argv);

  if (version) {
    std::cout << "colonies-slurm-executor " << COLONIES_VERSION << ", built against Slurm "
              << slurm::built_libslurm_version() << "\n";
    return 0;
  }
  if (auto applied = apply_daemon_options(rc, daemon); !applied) {
    spdlog::error("{}", applied.error().message);
    return 2;
  }
  if (bc.site.workdir.empty()) return usage_error("no --workdir: give a directory on a file system the Slurm nodes share");
  if (bc.site.output_dir.empty()) bc.site.output_dir = bc.site.workdir + "/output";
  bc.site.executor_name = rc.executor_name;
  bc.site.default_walltime_s = default_walltime_s;
  bc.site.gres_style = gres_style == "none" ? slurm::GresStyle::None
                       : gres_style == "tres" ? slurm::GresStyle::Tres
                                              : slurm::GresStyle::Gres;
  if (bc.site.environment.empty()) {
    for (const char* name : {"PATH", "LANG"}) {
      if (const char* value = std::getenv(name)) bc.site.environment.push_back(std::string(name) + "=" + value);
    }
  }
  bc.poll_interval = std::chrono::milliseconds(poll_interval_ms);
  bc.array_window = std::chrono::milliseconds(array_window_ms);
  bc.submit_retry = std::chrono::seconds(submit_retry_s);
  bc.forgotten_grace = std::chrono::seconds(forgotten_grace_s);

  if (!cpu.empty() || !mem.empty()) {
    model::Hardware hw;
    if (!cpu.empty()) {
      auto millis = model::parse_cpu(cpu);
      if (!millis || *millis <= 0) return usage_error("--cpu '" + cpu + "' is not a CPU amount; use e.g. 256 or 500m");
      hw.cpu = cpu;
      hw.cores = static_cast<int>(std::max<std::int64_t>(1, *millis / 1000));
    }
    if (!mem.empty()) {
      auto bytes = model::parse_bytes(mem);
      if (!bytes || *bytes <= 0) return usage_error("--mem '" + mem + "' is not a memory amount; use e.g. 1Ti");
      hw.mem = mem;
    }
    rc.capabilities.hardware = {hw};
  }
  if (auto valid = validate(rc); !valid) return usage_error(valid.error().message);
  if (auto valid = slurm::validate(bc.site); !valid) return usage_error(valid.error().message);

  // sacct serves both transports: libslurm has no accounting query of its own that fits.
  slurm::CliConfig cli;
  cli.timeout = std::chrono::seconds(cli_timeout_s);
  auto cli_api = slurm::CliSlurmApi::create(cli);
  std::unique_ptr<slurm::SlurmApi> api;
  if (transport == "cli") {
    if (!cli_api) return usage_error(cli_api.error().message);
    api = std::move(*cli_api);
  } else {
    std::unique_ptr<slurm::SlurmApi> accounting;
    if (cli_api) {
      accounting = std::move(*cli_api);
    } else {
      spdlog::warn("sacct is not available ({}); the outcome of jobs slurmctld forgets cannot be looked up",
                   cli_api.error().message);
    }
    auto lib = slurm::LibslurmApi::create(std::move(accounting));
    if (!lib) return usage_error(lib.error().message);
    api = std::move(*lib);
  }
  // Jobs from before a restart are looked for once, when the runtime starts: wait until Slurm
  // answers rather than lose track of them during a slurmctld outage.
  for (;;) {
    auto probe = api->find_by_comment(slurm::comment_prefix(rc.executor_name));
    if (probe) break;
    if (probe.error().code != ErrorCode::Unavailable && probe.error().code != ErrorCode::Timeout) {
      return usage_error("Slurm does not answer: " + probe.error().message);
    }
    spdlog::warn("waiting for Slurm: {}", probe.error().message);
    std::this_thread::sleep_for(std::chrono::seconds(5));
  }
  if (pilot.pilots > 0) {
    if (rc.colony_prvkey.empty()) {
      return usage_error("pilot mode registers an executor per pilot: set COLONIES_COLONY_PRVKEY (--colony-prvkey)");
    }
    if (auto made = slurm::make_directories(bc.site); !made) return usage_error(made.error().message);
    auto owner = client::Client::connect(rc.server, rc.colony_prvkey);
    if (!owner) return usage_error(owner.error().message);
    pilot.server_host = pilot_host.empty() ? rc.server.host : pilot_host;
    pilot.server_port = rc.server.port;
    pilot.server_tls = rc.server.tls;
    pilot.colony = rc.colony_name;
    pilot.executor_type = rc.executor_type;
    pilot.poll_interval = bc.poll_interval;
    auto crypto = std::make_shared<crypto::SodiumCrypto>();
    slurm::PilotManager manager(pilot, bc.site, std::move(api), std::move(*owner),
                                [crypto] { return crypto->generate_private_key(); },
                                [crypto](const std::string& key) { return crypto->signer(key).value()->id(); });
    if (auto probe = slurm::pilot_request(bc.site, pilot, "probe", std::string(64, '0')); !probe) {
      return usage_error(probe.error().message);
    }
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
    std::atomic<bool> stop{false}, finished{false};
    std::thread signals([&] {
      const timespec tick{0, 200'000'000};
      while (!finished.load()) {
        int sig = ::sigtimedwait(&stop_signals, nullptr, &tick);
        if (sig <= 0) continue;
        spdlog::info("received {}: cancelling the pilots", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        stop = true;
      }
    });
    spdlog::info("Slurm executor {} in pilot mode: {} pilot(s) of {} cores for type {}", rc.executor_name, pilot.pilots,
                 pilot.cores, rc.executor_type);
    Status result = manager.run(stop);
    finished = true;
    signals.join();
    if (!result) {
      spdlog::error("{}", result.error().message);
      return 1;
    }
    return 0;
  }
  auto backend = slurm::SlurmBackend::create(bc, std::move(api));
  if (!backend) return usage_error(backend.error().message);
  spdlog::info("Slurm executor {} ({} transport), jobs in {}, output in {}", rc.executor_name, transport,
               bc.site.workdir, bc.site.output_dir);

  return run_until_stopped(rc, daemon, std::move(*backend), "leaving running Slurm jobs to the next start");
}
