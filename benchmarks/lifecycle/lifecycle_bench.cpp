// Lifecycle load generator: N processes, S submitter threads, E executor threads; every submit,
// assign and close is its own signed request over HTTP keep-alive, or over gRPC with
// --transport grpc. --prefill queues everything before the executors start, --rate paces the
// executors below saturation. Prints throughput and latency percentiles and writes a JSON summary.
// Measures; asserts nothing.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "adapters/crypto/sodium_crypto.hpp"
#include "benchmarks/common/bench_colony.hpp"
#include "benchmarks/common/host.hpp"
#include "benchmarks/common/samples.hpp"
#include "benchmarks/common/spawned_server.hpp"
#include "benchmarks/common/trace.hpp"
#include "client/client.hpp"

using namespace colonies;
using bench::Clock;
using bench::free_port;
using bench::Samples;
using bench::self_dir;
using bench::summarize;

int main(int argc, char** argv) {
  CLI::App app{"Colonies lifecycle benchmark: submit -> assign -> close, each its own signed request"};
  int processes = 10000, submitters = 4, executors = 4;
  std::string coloniesd = self_dir() + "/coloniesd";
  std::string json_out;
  std::vector<std::string> server_args;
  std::string transport = "http";
  app.add_option("-n,--processes", processes, "Processes to run through their lifecycle")->capture_default_str();
  app.add_option("-s,--submitters", submitters, "Submitting threads")->capture_default_str();
  app.add_option("-e,--executors", executors, "Executor threads (each a registered executor)")->capture_default_str();
  app.add_option("--coloniesd", coloniesd, "coloniesd binary to start for the run")->capture_default_str();
  app.add_option("--server-arg", server_args, "Extra coloniesd argument (repeatable), e.g. --server-arg=--db-sync=normal");
  app.add_option("--json", json_out, "Write the summary as JSON to this file");
  std::string trace_out;
  bench::add_trace_option(app, trace_out);
  bool prefill = false;
  double rate = 0;
  app.add_flag("--prefill", prefill,
               "Submit all N processes first (untimed), then run the executors over the full queue: assign and close "
               "latencies without submits competing for the CPU");
  app.add_option("--rate", rate,
                 "Pace the executors to this many lifecycles/s in all (0: as fast as they can), to measure latency "
                 "at a load below saturation")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--transport", transport, "http (POST /api) or grpc (coloniesd --grpc-port on a free port)")
      ->check(CLI::IsMember({"http", "grpc"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  crypto::SodiumCrypto crypto;
  const std::string server_key = crypto.generate_private_key();
  const std::string server_id = (*crypto.signer(server_key))->id();
  const int grpc_port = transport == "grpc" ? free_port() : 0;
  if (grpc_port != 0) server_args.push_back("--grpc-port=" + std::to_string(grpc_port));
  auto spawned = bench::SpawnedServer::start(coloniesd, server_id, server_args);
  if (!spawned) {
    std::cerr << "cannot start coloniesd: " << spawned.error().message << "\n";
    return 1;
  }
  std::unique_ptr<bench::SpawnedServer> server(*spawned);
  client::ClientConfig config;
  config.port = static_cast<std::uint16_t>(server->port());
  if (grpc_port != 0) {
    config.transport = client::TransportKind::Grpc;
    config.port = static_cast<std::uint16_t>(grpc_port);
  }

  // Setup: a colony, a user for the submitters, approved executors.
  const bench::BenchColony colony = bench::setup_colony(config, server_key, executors);
  const std::string& user_key = colony.user_key;
  const std::vector<std::string>& executor_keys = colony.executor_keys;

  Samples submit_lat, assign_lat, close_lat, wake_lat;
  std::mutex acked_mu;
  std::map<std::string, Clock::time_point> acked;  // submit acknowledgement times, for wake-up latency
  std::atomic<int> closed{0}, errors{0};
  std::atomic<Clock::rep> end{0};
  auto start = Clock::now();

  // Executor i's k-th lifecycle starts no earlier than start + (k * E + i) / rate seconds.
  auto run_executor = [&](int i) {
    auto c = client::Client::connect(config, executor_keys[static_cast<std::size_t>(i)]);
    for (std::int64_t k = 0; closed.load() < processes; ++k) {
      if (rate > 0) {
        const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(static_cast<double>(k * executors + i) / rate));
        std::this_thread::sleep_until(due);
      }
      const auto t0 = Clock::now();
      auto p = c->assign("bench", 2);
      const auto t1 = Clock::now();
      if (!p) {
        if (p.error().code != ErrorCode::Timeout && p.error().code != ErrorCode::NotFound) ++errors;
        continue;
      }
      assign_lat.add(t1 - t0);
      {
        std::lock_guard lock(acked_mu);
        auto it = acked.find(p->processid);
        // Wake-up: the executor was already parked when the submit was acknowledged.
        if (it != acked.end() && it->second > t0) wake_lat.add(t1 - it->second);
      }
      const auto t2 = Clock::now();
      auto st = c->close_successful(p->processid);
      const auto t3 = Clock::now();
      close_lat.add(t3 - t2);
      if (!st) ++errors;
      // The run ends at the N-th close: the other executors' idle long-polls after it (up to
      // their 2 s timeout) are not part of the lifecycle rate.
      if (++closed == processes) end = t3.time_since_epoch().count();
    }
  };
  std::atomic<int> next{0};
  auto run_submitter = [&] {
    auto c = client::Client::connect(config, user_key);
    const model::FunctionSpec spec = bench::noop_spec();
    while (next.fetch_add(1) < processes) {
      const auto t0 = Clock::now();
      auto p = c->submit(spec);
      const auto t1 = Clock::now();
      if (!p) {
        ++errors;
        continue;
      }
      submit_lat.add(t1 - t0);
      std::lock_guard lock(acked_mu);
      acked.emplace(p->processid, t1);
    }
  };
  std::vector<std::thread> threads;
  if (prefill) {
    // The queue first, untimed; then only the executors run, from a full queue.
    for (int i = 0; i < submitters; ++i) threads.emplace_back(run_submitter);
    for (auto& t : threads) t.join();
    threads.clear();
    start = Clock::now();
    for (int i = 0; i < executors; ++i) threads.emplace_back(run_executor, i);
  } else {
    for (int i = 0; i < executors; ++i) threads.emplace_back(run_executor, i);
    for (int i = 0; i < submitters; ++i) threads.emplace_back(run_submitter);
  }
  for (auto& t : threads) t.join();
  const auto finished = end.load() != 0 ? Clock::time_point(Clock::duration(end.load())) : Clock::now();
  const double seconds = std::chrono::duration<double>(finished - start).count();
  const double lifecycle_rate = processes / seconds;
  std::printf("lifecycle over %s: %d processes, %d submitters, %d executors, %d errors\n", transport.c_str(),
              processes, submitters, executors, errors.load());
  if (prefill) {
    std::printf("  total    %.3f s  -> %.0f assign+close pairs/s from a prefilled queue (%.0f signed requests/s)\n",
                seconds, lifecycle_rate, lifecycle_rate * 2);
  } else {
    std::printf("  total    %.3f s  -> %.0f lifecycles/s (%.0f signed requests/s)\n", seconds, lifecycle_rate,
                lifecycle_rate * 3);
  }
  boost::json::object summary{{"benchmark", "lifecycle"}, {"transport", transport}, {"processes", processes}, {"submitters", submitters},
                              {"executors", executors}, {"seconds", seconds}, {"lifecycles_per_s", lifecycle_rate},
                              {"prefill", prefill}, {"paced_rate", rate},
                              {"errors", errors.load()}};
  summary["submit"] = summarize("submit", submit_lat);
  summary["assign"] = summarize("assign", assign_lat);
  summary["close"] = summarize("close", close_lat);
  summary["wakeup"] = summarize("wake-up", wake_lat);
  bench::write_json(json_out, summary);
  if (!trace_out.empty() && !bench::write_trace(config, colony, trace_out, summary, static_cast<std::int64_t>(seconds) + 60))
    return 1;
  return errors.load() == 0 ? 0 : 1;
}
