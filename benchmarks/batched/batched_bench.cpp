// Batched lifecycle load generator: N processes go through submit -> assign -> close like the
// lifecycle benchmark, but S submitter threads send `submitfuncspecsmsg` with B specs each and E
// executor threads take up to K processes per `assignprocessesmsg` and close them with one
// `closeprocessesmsg`. One signature covers a whole batch. Prints processes/s, signed requests/s
// and the latency percentiles of each batched request. Measures; asserts nothing.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
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
using bench::Samples;
using bench::summarize;

namespace {

// Failed items of a batch reply (either form), or -1 when the whole request failed.
template <class Items>
int failed_items(const Result<Items>& results, const char* what) {
  if (!results) {
    std::cerr << what << ": " << results.error().message << "\n";
    return -1;
  }
  int failed = 0;
  for (const auto& r : *results) {
    if (!r) ++failed;
  }
  return failed;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Colonies batched lifecycle benchmark: submit, assign and close many processes per signed request"};
  int processes = 200000, submitters = 2, executors = 4, submit_batch = 1000, assign_batch = 1000;
  std::string coloniesd = bench::self_dir() + "/coloniesd";
  std::string json_out;
  std::vector<std::string> server_args;
  app.add_option("-n,--processes", processes, "Processes to run through their lifecycle")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("-s,--submitters", submitters, "Submitting threads")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("-e,--executors", executors, "Executor threads (each a registered executor)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("-b,--submit-batch", submit_batch, "FunctionSpecs per submitfuncspecsmsg")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("-k,--assign-batch", assign_batch, "count of each assignprocessesmsg (and size of each closeprocessesmsg)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--coloniesd", coloniesd, "coloniesd binary to start for the run")->capture_default_str();
  app.add_option("--server-arg", server_args, "Extra coloniesd argument (repeatable), e.g. --server-arg=--db-sync=normal");
  bool brief = false;
  app.add_flag("--brief", brief,
               "Submit and close with \"brief\": true (items answer with the processid, not the whole process)");
  app.add_option("--json", json_out, "Write the summary as JSON to this file");
  std::string trace_out;
  bench::add_trace_option(app, trace_out);
  CLI11_PARSE(app, argc, argv);

  crypto::SodiumCrypto crypto;
  const std::string server_key = crypto.generate_private_key();
  const std::string server_id = (*crypto.signer(server_key))->id();
  auto spawned = bench::SpawnedServer::start(coloniesd, server_id, server_args);
  if (!spawned) {
    std::cerr << "cannot start coloniesd: " << spawned.error().message << "\n";
    return 1;
  }
  std::unique_ptr<bench::SpawnedServer> server(*spawned);
  client::ClientConfig config;
  config.port = static_cast<std::uint16_t>(server->port());
  const bench::BenchColony colony = bench::setup_colony(config, server_key, executors);

  Samples submit_lat, assign_lat, close_lat;
  std::atomic<int> closed{0}, errors{0}, submit_calls{0}, assign_calls{0}, close_calls{0};
  std::atomic<int> next{0};
  std::atomic<Clock::rep> end{0};
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < executors; ++i) {
    threads.emplace_back([&, i] {
      auto c = client::Client::connect(config, colony.executor_keys[static_cast<std::size_t>(i)]);
      while (closed.load() < processes) {
        const auto t0 = Clock::now();
        auto taken = c->assign_batch("bench", assign_batch, 2);
        const auto t1 = Clock::now();
        ++assign_calls;
        if (!taken) {
          if (taken.error().code != ErrorCode::Timeout && taken.error().code != ErrorCode::NotFound) {
            std::cerr << "assign: " << taken.error().message << "\n";
            ++errors;
          }
          continue;
        }
        assign_lat.add(t1 - t0);
        std::vector<client::ProcessClose> closes;
        closes.reserve(taken->size());
        for (const auto& p : *taken) closes.push_back({.processid = p.processid});
        const auto t2 = Clock::now();
        const int failed = brief ? failed_items(c->close_batch_ids(closes), "close")
                                 : failed_items(c->close_batch(closes), "close");
        const auto t3 = Clock::now();
        close_lat.add(t3 - t2);
        ++close_calls;
        errors += failed < 0 ? static_cast<int>(closes.size()) : failed;
        // The run ends with the close that reaches N: the other executors' idle long-polls
        // after it (up to their 2 s timeout) are not part of the rate.
        const int n = static_cast<int>(closes.size());
        const int before = closed.fetch_add(n);
        if (before < processes && before + n >= processes) end = t3.time_since_epoch().count();
      }
    });
  }
  for (int i = 0; i < submitters; ++i) {
    threads.emplace_back([&] {
      auto c = client::Client::connect(config, colony.user_key);
      const model::FunctionSpec spec = bench::noop_spec();
      for (;;) {
        const int first = next.fetch_add(submit_batch);
        if (first >= processes) break;
        const int n = std::min(submit_batch, processes - first);
        const std::vector<model::FunctionSpec> specs(static_cast<std::size_t>(n), spec);
        const auto t0 = Clock::now();
        const int failed = brief ? failed_items(c->submit_batch_ids(specs), "submit")
                                 : failed_items(c->submit_batch(specs), "submit");
        submit_lat.add(Clock::now() - t0);
        ++submit_calls;
        // What was not submitted counts as closed, so the executors do not wait for it.
        const int lost = failed < 0 ? n : failed;
        errors += lost;
        closed += lost;
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto finished = end.load() != 0 ? Clock::time_point(Clock::duration(end.load())) : Clock::now();
  const double seconds = std::chrono::duration<double>(finished - start).count();
  const double rate = processes / seconds;
  const int requests = submit_calls.load() + assign_calls.load() + close_calls.load();
  std::printf("batched lifecycle: %d processes, %d submitters x %d specs, %d executors x %d, %d errors\n", processes,
              submitters, submit_batch, executors, assign_batch, errors.load());
  std::printf("  total    %.3f s  -> %.0f processes/s (%d signed requests: %d submit, %d assign, %d close)\n", seconds,
              rate, requests, submit_calls.load(), assign_calls.load(), close_calls.load());
  boost::json::object summary{{"benchmark", "batched"},
                              {"processes", processes},
                              {"brief", brief},
                              {"submitters", submitters},
                              {"submit_batch", submit_batch},
                              {"executors", executors},
                              {"assign_batch", assign_batch},
                              {"seconds", seconds},
                              {"processes_per_s", rate},
                              {"signed_requests", requests},
                              {"errors", errors.load()},
                              {"load_average_after", bench::load_average()}};
  summary["submit"] = summarize("submit batch", submit_lat);
  summary["assign"] = summarize("assign batch", assign_lat);
  summary["close"] = summarize("close batch", close_lat);
  bench::write_json(json_out, summary);
  if (!trace_out.empty() && !bench::write_trace(config, colony, trace_out, summary, static_cast<std::int64_t>(seconds) + 60))
    return 1;
  return errors.load() == 0 ? 0 : 1;
}
