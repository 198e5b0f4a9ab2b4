// Depth benchmark: lifecycle rate and assign latency of one coloniesd with 10^3 .. 10^6 (and, on
// request, 10^7) WAITING processes queued and a million finished ones in the store, against an
// empty store; the restart (rebuild) time and coloniesd's memory per queued process. The queue is
// filled straight into the SQLite store (StoreFiller) or, with --fill http, by signed submits.
// Prints figures and a JSON summary; asserts nothing.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "adapters/crypto/sodium_crypto.hpp"
#include "benchmarks/common/bench_colony.hpp"
#include "benchmarks/common/host.hpp"
#include "benchmarks/common/lifecycle_load.hpp"
#include "benchmarks/common/samples.hpp"
#include "benchmarks/common/spawned_server.hpp"
#include "benchmarks/common/trace.hpp"
#include "benchmarks/depth/store_filler.hpp"
#include "client/client.hpp"

using namespace colonies;
using bench::Clock;

namespace {

struct Scenario {
  std::int64_t waiting = 0;
  std::int64_t finished = 0;
};

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
double mb(std::int64_t kb) { return static_cast<double>(kb) / 1024.0; }

// Submits `count` processes with `threads` concurrent signed submitters; returns the seconds.
double submit_over_http(const client::ClientConfig& config, const std::string& user_key, std::int64_t count,
                        int threads) {
  std::atomic<std::int64_t> next{0};
  std::atomic<int> errors{0};
  const auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&] {
      auto c = client::Client::connect(config, user_key);
      const model::FunctionSpec spec = bench::noop_spec();
      while (next.fetch_add(1) < count) {
        if (!c->submit(spec)) ++errors;
      }
    });
  }
  for (auto& t : pool) t.join();
  if (errors.load() > 0) std::fprintf(stderr, "fill: %d submits failed\n", errors.load());
  return seconds_since(start);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Colonies depth benchmark: lifecycles and assign latency with millions of processes queued"};
  std::vector<std::int64_t> depths{1'000, 100'000, 1'000'000};
  bool ten_million = false;
  std::int64_t finished = 1'000'000;
  int lifecycles = 3000, submitters = 2, executors = 2, batch = 20'000, fill_threads = 8, start_timeout_s = 900;
  std::string fill = "store";
  std::string coloniesd = bench::self_dir() + "/coloniesd";
  std::string json_out;
  std::vector<std::string> server_args;
  app.add_option("--depths", depths, "WAITING processes queued, one scenario each (comma-separated)")
      ->delimiter(',')
      ->capture_default_str();
  app.add_flag("--with-10m", ten_million, "Also 10^7 WAITING (minutes to fill, ~15 GB of coloniesd memory)");
  app.add_option("--finished", finished, "Finished processes in the store for the last scenarios (0: none)")
      ->capture_default_str();
  app.add_option("-n,--lifecycles", lifecycles, "Lifecycles measured per scenario")->capture_default_str();
  app.add_option("-s,--submitters", submitters, "Submitting threads")->capture_default_str();
  app.add_option("-e,--executors", executors, "Executor threads (each a registered executor)")->capture_default_str();
  app.add_option("--fill", fill, "store: write the queue into the SQLite file, then restart coloniesd; "
                                 "http: signed submits to the running coloniesd")
      ->check(CLI::IsMember({"store", "http"}))
      ->capture_default_str();
  app.add_option("--fill-threads", fill_threads, "Concurrent submitters of --fill http")->capture_default_str();
  app.add_option("--batch", batch, "Processes per store transaction of --fill store")->capture_default_str();
  app.add_option("--start-timeout", start_timeout_s, "Seconds coloniesd may take to rebuild and listen")
      ->capture_default_str();
  app.add_option("--coloniesd", coloniesd, "coloniesd binary to start for the run")->capture_default_str();
  app.add_option("--server-arg", server_args, "Extra coloniesd argument (repeatable)");
  app.add_option("--json", json_out, "Write the summary as JSON to this file");
  std::string trace_out;
  bench::add_trace_option(app, trace_out)->description(
      "Write the last scenario's lifecycles (not the filled queue) as an HDF5 process trace to this file");
  CLI11_PARSE(app, argc, argv);

  std::sort(depths.begin(), depths.end());
  std::vector<Scenario> scenarios;
  for (auto d : depths) scenarios.push_back({d, 0});
  if (finished > 0 && !depths.empty()) scenarios.push_back({depths.back(), finished});
  if (ten_million) scenarios.push_back({10'000'000, finished});

  // Executors idle while the store is filled: keep the server from expiring them meanwhile.
  server_args.insert(server_args.begin(), "--stale-executor=0");
  crypto::SodiumCrypto crypto;
  const std::string server_key = crypto.generate_private_key();
  char tmpl[] = "/tmp/colonies-bench-depth-XXXXXX";
  if (!::mkdtemp(tmpl)) {
    std::cerr << "cannot create a temporary directory\n";
    return 1;
  }
  const std::string data_dir = tmpl;
  bench::SpawnOptions spawn_options{data_dir, std::chrono::seconds(start_timeout_s)};
  std::unique_ptr<bench::SpawnedServer> server;
  client::ClientConfig config;
  config.request_timeout = std::chrono::milliseconds(120'000);
  double last_start_s = 0;
  double last_run_s = 0;
  std::int64_t last_run_from_ns = 0;
  auto start_server = [&] {
    auto spawned = bench::SpawnedServer::start(coloniesd, bench::id_of(server_key), server_args, spawn_options);
    if (!spawned) {
      std::cerr << "cannot start coloniesd: " << spawned.error().message << "\n";
      std::filesystem::remove_all(data_dir);
      std::exit(1);
    }
    server.reset(*spawned);
    config.port = static_cast<std::uint16_t>(server->port());
    last_start_s = server->start_seconds();
  };

  start_server();
  const bench::BenchColony colony = bench::setup_colony(config, server_key, executors);
  const std::string executor_id = bench::id_of(colony.executor_keys.front());

  boost::json::array results;
  std::int64_t waiting = 0, stored_finished = 0;
  double empty_rate = 0;
  std::int64_t empty_rss_kb = 0;
  std::printf("depth benchmark: %d lifecycles per scenario, %d submitters, %d executors, fill %s\n", lifecycles,
              submitters, executors, fill.c_str());

  // Scenario 0 is the empty store; the server is restarted for it too, so that every scenario's
  // figures come from a freshly started coloniesd.
  std::vector<Scenario> all{{0, 0}};
  all.insert(all.end(), scenarios.begin(), scenarios.end());
  for (const Scenario& sc : all) {
    boost::json::object r{{"waiting", sc.waiting}, {"finished", sc.finished}};
    const std::int64_t add_waiting = sc.waiting - waiting, add_finished = sc.finished - stored_finished;
    const bool via_store = add_finished > 0 || (fill == "store" && add_waiting > 0) || sc.waiting == 0;
    if (via_store) {
      server->stop();
      server.reset();
      const auto t0 = Clock::now();
      auto filler = bench::StoreFiller::open(data_dir, bench::id_of(colony.user_key), executor_id, batch);
      bench::must(filler, "open the store");
      std::int64_t written = 0;
      if (fill == "store" && add_waiting > 0) {
        bench::must((*filler)->add_waiting(add_waiting), "fill waiting processes");
        written += add_waiting;
        waiting = sc.waiting;
      }
      if (add_finished > 0) {
        bench::must((*filler)->add_finished(add_finished), "fill finished processes");
        written += add_finished;
        stored_finished = sc.finished;
      }
      filler->reset();
      const double fill_s = seconds_since(t0);
      if (written > 0) {
        std::printf("fill: %lld processes into the store in %.1f s (%.0f/s)\n", static_cast<long long>(written),
                    fill_s, static_cast<double>(written) / fill_s);
        r["store_fill_s"] = fill_s;
        r["store_fill_processes"] = written;
      }
      start_server();
      r["start_s"] = last_start_s;
    }
    const bench::ProcStatus at_start = bench::proc_status(server->pid());
    if (sc.waiting == 0) empty_rss_kb = at_start.rss_kb;
    std::printf("scenario: %lld waiting, %lld finished in the store\n", static_cast<long long>(sc.waiting),
                static_cast<long long>(sc.finished));
    if (via_store) {
      std::printf("  start    %.2f s (rebuild from the store), RSS %.1f MB (peak %.1f MB), %d threads\n", last_start_s,
                  mb(at_start.rss_kb), mb(at_start.hwm_kb), at_start.threads);
    }
    if (fill == "http" && add_waiting > 0) {
      const double s = submit_over_http(config, colony.user_key, add_waiting, fill_threads);
      waiting = sc.waiting;
      const bench::ProcStatus after = bench::proc_status(server->pid());
      const double per = static_cast<double>(after.rss_kb - at_start.rss_kb) * 1024.0 / static_cast<double>(add_waiting);
      std::printf("  fill     %lld signed submits in %.1f s (%.0f/s, %d threads); RSS %.1f -> %.1f MB: %.0f bytes per "
                  "queued process\n",
                  static_cast<long long>(add_waiting), s, static_cast<double>(add_waiting) / s, fill_threads,
                  mb(at_start.rss_kb), mb(after.rss_kb), per);
      r["http_fill_s"] = s;
      r["rss_before_fill_kb"] = at_start.rss_kb;
      r["rss_after_fill_kb"] = after.rss_kb;
      r["bytes_per_queued_http"] = per;
    } else if (sc.waiting > 0 && via_store) {
      const double per = static_cast<double>(at_start.rss_kb - empty_rss_kb) * 1024.0 / static_cast<double>(sc.waiting);
      std::printf("  memory   %.0f bytes per queued process (RSS at start minus the empty store's, / %lld)\n", per,
                  static_cast<long long>(sc.waiting));
      r["bytes_per_queued"] = per;
    }
    r["rss_start_kb"] = at_start.rss_kb;
    r["hwm_start_kb"] = at_start.hwm_kb;
    r["threads"] = at_start.threads;

    const double load = bench::load_average();
    bench::LifecycleStats stats;
    last_run_from_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::system_clock::now().time_since_epoch()).count();
    bench::run_lifecycles(config, colony, lifecycles, submitters, executors, stats);
    const double rate = lifecycles / stats.seconds;
    if (sc.waiting == 0) empty_rate = rate;
    std::printf("  lifecycles %d in %.3f s -> %.0f lifecycles/s (%.0f %% of the empty store), %d errors, load %.2f\n",
                lifecycles, stats.seconds, rate, empty_rate > 0 ? 100.0 * rate / empty_rate : 0.0, stats.errors, load);
    r["seconds"] = stats.seconds;
    r["lifecycles_per_s"] = rate;
    r["relative_to_empty"] = empty_rate > 0 ? rate / empty_rate : 0.0;
    r["errors"] = stats.errors;
    r["load_average"] = load;
    r["submit"] = bench::summarize("submit", stats.submit);
    r["assign"] = bench::summarize("assign", stats.assign);
    r["close"] = bench::summarize("close", stats.close);
    const bench::ProcStatus at_end = bench::proc_status(server->pid());
    r["rss_end_kb"] = at_end.rss_kb;
    std::printf("  RSS after the lifecycles %.1f MB\n", mb(at_end.rss_kb));
    std::fflush(stdout);
    results.push_back(std::move(r));
    last_run_s = stats.seconds;
  }
  if (!trace_out.empty()) {
    // Only what the last scenario's lifecycles submitted: the filled queue was submitted before
    // coloniesd restarted on it, longer ago than the run took.
    bench::write_trace(config, colony, trace_out, boost::json::object{{"benchmark", "depth"}, {"scenario", "last"}},
                       static_cast<std::int64_t>(last_run_s) + 2, last_run_from_ns);
  }
  server.reset();
  std::error_code ec;
  std::filesystem::remove_all(data_dir, ec);
  bench::write_json(json_out, {{"benchmark", "depth"},
                               {"lifecycles", lifecycles},
                               {"submitters", submitters},
                               {"executors", executors},
                               {"fill", fill},
                               {"scenarios", std::move(results)}});
  return 0;
}
