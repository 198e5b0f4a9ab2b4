// colonies-local-executor: composition root. Parses flags and environment, wires LocalBackend
// into the executor Runtime and turns SIGTERM/SIGINT into a graceful stop (a second one stops
// at once). No logic of its own beyond that.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "adapters/blob/directory_blob_store.hpp"
#include "core/model/resources.hpp"
#include "executors/common/daemon.hpp"
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
  std::string cores_override, mem_override;
  DaemonOptions daemon;
  int grace_s = 30, kill_grace_s = 5;

  CLI::App app{"Colonies local executor: pulls processes of its colony and runs each as a child process "
               "(funcname = program looked up in PATH, args = its arguments, no shell); processes asking for "
               "several MPI ranks (conditions.processes > 1 or processespernode > 0) run through Open MPI's mpirun "
               "with each rank bound to cores of this host. Every option can also be set in a TOML file given with "
               "--config (keys = long option names, e.g. max-jobs = 4). See docs/executors.md."};
  add_daemon_options(app, rc, daemon);
  app.get_option("--max-jobs")->description("Processes run at once (default: number of PUs, i.e. hardware threads)");
  app.add_option("--workdir", lc.workdir, "Parent of the per-process work directories (default: <tmp>/colonies-<name>)")
      ->envname("COLONIES_EXECUTOR_WORKDIR");
  app.add_flag("--keep-workdirs", lc.keep_workdirs, "Keep each process's work directory after it ends");
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
  app.add_option("--grace", grace_s, "Seconds running processes may finish after SIGTERM before they are killed")
      ->capture_default_str()->check(CLI::Range(0, 86400));
  app.add_option("--kill-grace", kill_grace_s, "Seconds between SIGTERM and SIGKILL when a process is stopped")
      ->capture_default_str()->check(CLI::Range(0, 3600));
  CLI11_PARSE(app, argc, argv);

  if (auto applied = apply_daemon_options(rc, daemon); !applied) {
    spdlog::error("{}", applied.error().message);
    return 2;
  }
  spdlog::info("host: {} package(s), {} NUMA node(s), {} cores, {} PUs, {} GPU(s), memory {} MiB (from {})",
               host.packages, host.numa_nodes, host.cores, host.pus, host.gpus.size(), host.mem_bytes >> 20, host.source);
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

  return run_until_stopped(rc, daemon, std::move(*backend), "finishing running processes");
}
