// Slurm executor throughput: N short processes (`true`) through a throwaway coloniesd and
// colonies-slurm-executor on a real Slurm, once per submission mode: one sbatch per process, job
// arrays of compatible processes, or pilots (allocations running colonies-local-executor). Prints, per mode, the time from the first submit until
// every process is closed and the Slurm jobs it took; asserts nothing. Slurm comes from
// $SLURM_CONF, or is started for the run with --start-slurm (root; tests/system/slurm scripts).
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "adapters/crypto/sodium_crypto.hpp"
#include "benchmarks/common/host.hpp"
#include "benchmarks/common/samples.hpp"
#include "benchmarks/common/spawned_server.hpp"
#include "benchmarks/common/trace.hpp"
#include "client/client.hpp"

using namespace colonies;
using Clock = std::chrono::steady_clock;

namespace {

using bench::self_dir;

int run_script(const std::string& command) { return std::system(command.c_str()); }

pid_t spawn(const std::vector<std::string>& args, const std::vector<std::string>& env, const std::string& log) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
    if (std::FILE* f = std::fopen(log.c_str(), "w")) {
      ::dup2(::fileno(f), 1);
      ::dup2(::fileno(f), 2);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

struct Outcome {
  double seconds = 0;
  int succeeded = 0;
  int failed = 0;
  std::size_t slurm_jobs = 0;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Slurm executor benchmark: N short processes, one sbatch per process versus job arrays and pilots"};
  int processes = 200, array_max = 100, max_jobs = 1000, poll_ms = 500;
  std::vector<std::string> modes{"per-process", "array", "pilot"};
  int pilots = 1, pilot_cores = 2;
  std::string coloniesd = self_dir() + "/coloniesd", executor = self_dir() + "/colonies-slurm-executor";
  std::string transport = "libslurm", start_slurm, workdir;
  app.add_option("-n,--processes", processes, "Processes per mode")->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("--mode", modes, "per-process, array and/or pilot (repeatable)")
      ->capture_default_str()->check(CLI::IsMember({"per-process", "array", "pilot"}));
  std::string local_executor = self_dir() + "/colonies-local-executor";
  app.add_option("--pilots", pilots, "Pilots in pilot mode")->capture_default_str();
  app.add_option("--pilot-cores", pilot_cores, "Cores (processes at once) per pilot")->capture_default_str();
  app.add_option("--local-executor", local_executor, "colonies-local-executor binary for the pilots")->capture_default_str();
  app.add_option("--array-max", array_max, "Tasks per array in array mode")->capture_default_str();
  app.add_option("--max-jobs", max_jobs, "Executor --max-jobs")->capture_default_str();
  app.add_option("--poll-interval-ms", poll_ms, "Executor state query interval")->capture_default_str();
  app.add_option("--transport", transport, "libslurm or cli")->capture_default_str();
  app.add_option("--start-slurm", start_slurm, "Start a throwaway one-node Slurm in this (new) directory (root)");
  app.add_option("--workdir", workdir, "Shared work directory for the jobs (default: a temporary one)");
  app.add_option("--coloniesd", coloniesd, "coloniesd binary")->capture_default_str();
  app.add_option("--executor", executor, "colonies-slurm-executor binary")->capture_default_str();
  std::string json_out, trace_out;
  app.add_option("--json", json_out, "Write the summary as JSON to this file");
  bench::add_trace_option(app, trace_out);
  CLI11_PARSE(app, argc, argv);

  if (!start_slurm.empty()) {
    if (run_script(fmt::format("{}/start-slurm.sh {}", COLONIES_SLURM_SCRIPTS, start_slurm)) != 0) {
      std::cerr << "start-slurm.sh failed\n";
      return 1;
    }
    ::setenv("SLURM_CONF", (start_slurm + "/slurm.conf").c_str(), 1);
  }
  if (!std::getenv("SLURM_CONF")) {
    std::cerr << "set SLURM_CONF to a cluster's slurm.conf, or pass --start-slurm DIR\n";
    return 2;
  }
  if (workdir.empty()) workdir = (std::filesystem::temp_directory_path() / ("colonies-slurm-bench-" + std::to_string(::getpid()))).string();
  std::filesystem::create_directories(workdir);

  crypto::SodiumCrypto crypto;
  auto id_of = [&](const std::string& key) { return (*crypto.signer(key))->id(); };
  const std::string server_key = crypto.generate_private_key();
  auto spawned = bench::SpawnedServer::start(coloniesd, id_of(server_key), {"--db-sync=normal"});
  if (!spawned) {
    std::cerr << "cannot start coloniesd: " << spawned.error().message << "\n";
    return 1;
  }
  std::unique_ptr<bench::SpawnedServer> server(*spawned);
  client::ClientConfig config;
  config.port = static_cast<std::uint16_t>(server->port());
  const std::string colony_key = crypto.generate_private_key(), user_key = crypto.generate_private_key();
  auto admin = client::Client::connect(config, server_key);
  if (!admin || !admin->add_colony({id_of(colony_key), "bench"})) return 1;
  auto owner = client::Client::connect(config, colony_key);
  if (!owner || !owner->add_user({"bench", id_of(user_key), "bench-user", "", ""})) return 1;
  auto user = client::Client::connect(config, user_key);
  if (!user) return 1;

  std::cout << fmt::format("{} processes per mode, transport {}, poll interval {} ms\n", processes, transport, poll_ms);
  boost::json::array mode_results;
  const auto run_start = Clock::now();
  std::cout << "| mode | processes | Slurm jobs | seconds | processes/s |\n|---|---|---|---|---|\n";
  for (const auto& mode : modes) {
    const std::string type = "bench-" + mode;
    const std::string dir = workdir + "/" + mode;
    std::filesystem::create_directories(dir);
    std::vector<std::string> args{executor, "--host", "127.0.0.1", "--port", std::to_string(server->port()),
                                  "--colony", "bench", "--name", type, "--type", type, "--workdir", dir,
                                  "--slurm-transport", transport, "--max-jobs", std::to_string(max_jobs),
                                  "--poll-interval-ms", std::to_string(poll_ms), "--poll-timeout", "1"};
    if (mode == "array") {
      args.insert(args.end(), {"--array-max", std::to_string(array_max), "--array-window-ms", "500"});
    } else if (mode == "pilot") {
      args.insert(args.end(), {"--pilots", std::to_string(pilots), "--pilot-cores", std::to_string(pilot_cores),
                               "--pilot-walltime", "3600", "--local-executor", local_executor});
    }
    const std::string key = crypto.generate_private_key();
    pid_t pid = spawn(args, {"COLONIES_EXECUTOR_PRVKEY=" + key, "COLONIES_COLONY_PRVKEY=" + colony_key},
                      dir + "/executor.log");

    Outcome outcome;
    std::vector<std::string> pending;
    const auto start = Clock::now();
    for (int i = 0; i < processes; ++i) {
      model::FunctionSpec spec;
      spec.funcname = "true";
      spec.conditions.colonyname = "bench";
      spec.conditions.executortype = type;
      spec.maxexectime = -1;
      auto p = user->submit(spec);
      if (!p) {
        std::cerr << "submit: " << p.error().message << "\n";
        return 1;
      }
      pending.push_back(p->processid);
    }
    while (!pending.empty()) {
      std::vector<std::string> still;
      for (const auto& id : pending) {
        auto p = user->get_process(id);
        if (p && model::is_final(p->state)) {
          ++(p->state == model::ProcessState::Success ? outcome.succeeded : outcome.failed);
          if (p->state != model::ProcessState::Success && outcome.failed == 1) {
            std::string errors;
            for (const auto& e : p->errors) errors += "\n  " + e;
            std::cerr << mode << ": first failed process " << id << ":" << errors << "\n";
          }
        } else {
          still.push_back(id);
        }
      }
      pending.swap(still);
      if (!pending.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (Clock::now() - start > std::chrono::minutes(30)) {
        std::cerr << mode << ": gave up after 30 minutes with " << pending.size() << " processes open\n";
        break;
      }
    }
    outcome.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
    // Slurm jobs used: distinct "submitted as Slurm job <id>" ids in the executor's log.
    std::set<std::string> jobs;
    if (std::FILE* f = std::fopen((dir + "/executor.log").c_str(), "r")) {
      char line[4096];
      while (std::fgets(line, sizeof line, f)) {
        std::string s(line);
        auto at = s.find("as Slurm job ");
        if (at == std::string::npos || s.find("submitted") == std::string::npos) continue;
        at += 13;
        auto end = s.find_first_not_of("0123456789", at);
        jobs.insert(s.substr(at, end - at));
      }
      std::fclose(f);
    }
    outcome.slurm_jobs = jobs.size();
    std::cout << fmt::format("| {} | {} ({} ok, {} failed) | {} | {:.2f} | {:.1f} |\n", mode, processes,
                             outcome.succeeded, outcome.failed, outcome.slurm_jobs, outcome.seconds,
                             processes / outcome.seconds);
    mode_results.push_back(boost::json::object{{"mode", mode},
                                               {"succeeded", outcome.succeeded},
                                               {"failed", outcome.failed},
                                               {"slurm_jobs", outcome.slurm_jobs},
                                               {"seconds", outcome.seconds},
                                               {"processes_per_s", processes / outcome.seconds}});
  }
  boost::json::object summary{{"benchmark", "slurm"}, {"processes_per_mode", processes}, {"transport", transport},
                              {"poll_interval_ms", poll_ms}, {"modes", std::move(mode_results)}};
  bench::write_json(json_out, summary);
  // The executor of each mode is named bench-<mode>, so the trace's executorname tells the modes apart.
  if (!trace_out.empty()) {
    const auto since = static_cast<std::int64_t>(std::chrono::duration<double>(Clock::now() - run_start).count()) + 60;
    bench::write_trace(config, bench::BenchColony{colony_key, user_key, {}}, trace_out, summary, since);
  }
  server.reset();
  if (!start_slurm.empty()) run_script(fmt::format("{}/stop-slurm.sh {}", COLONIES_SLURM_SCRIPTS, start_slurm));
  std::filesystem::remove_all(workdir);
  return 0;
}
