// Many-executors benchmark: one coloniesd holding P parked assign long-polls (each a signed
// assignprocessmsg on its own connection, from a registered executor) and C open connections in
// all (the rest idle keep-alive), all driven by one Asio thread. Measures the wake-up latency
// (submit -> the parked executor's reply), the server's RSS, threads and fds, and whether it
// still answers versionmsg promptly. Prints figures and a JSON summary; asserts nothing.
#include <algorithm>
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
#include "benchmarks/executors/connection_pool.hpp"
#include "client/client.hpp"

using namespace colonies;
using bench::Clock;

namespace {

double mb(std::int64_t kb) { return static_cast<double>(kb) / 1024.0; }

boost::json::object server_state(const char* when, pid_t pid) {
  const bench::ProcStatus s = bench::proc_status(pid);
  std::printf("  server   %-34s RSS %7.1f MB  threads %3d  open fds %6d  (load %.2f)\n", when, mb(s.rss_kb), s.threads,
              s.open_fds, bench::load_average());
  return {{"rss_kb", s.rss_kb}, {"threads", s.threads}, {"open_fds", s.open_fds}, {"load_average", bench::load_average()}};
}

// `rounds` versionmsg round trips on one kept-alive connection, plus one on a fresh connection.
boost::json::object responsiveness(const client::ClientConfig& config, int rounds) {
  bench::Samples kept, fresh;
  client::Client c(config, nullptr);  // versionmsg is unsigned
  int errors = 0;
  for (int i = 0; i < rounds; ++i) {
    const auto t0 = Clock::now();
    if (!c.version()) ++errors;
    kept.add(Clock::now() - t0);
  }
  for (int i = 0; i < 5; ++i) {
    const auto t0 = Clock::now();
    client::Client f(config, nullptr);
    if (!f.version()) ++errors;
    fresh.add(Clock::now() - t0);
  }
  boost::json::object r{{"kept_alive", bench::summarize("version", kept)},
                        {"new_connection", bench::summarize("version*", fresh)},
                        {"errors", errors}};
  if (errors > 0) std::printf("  version  %d round trips failed\n", errors);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Colonies many-executors benchmark: parked long-polls and thousands of open connections"};
  int parked = 1000, connections = 10000, wakeups = 1000, poll_timeout_s = 60, window = 256, version_rounds = 50;
  std::string coloniesd = bench::self_dir() + "/coloniesd";
  std::string json_out;
  std::vector<std::string> server_args;
  app.add_option("-p,--parked", parked, "Executors each keeping an assign long-poll parked")->capture_default_str();
  app.add_option("-c,--connections", connections, "Open connections in all (parked + idle keep-alive)")
      ->capture_default_str();
  app.add_option("-w,--wakeups", wakeups, "Processes submitted one at a time, each waking a parked executor")
      ->capture_default_str();
  app.add_option("--poll-timeout", poll_timeout_s, "Long-poll timeout of the parked assigns (s)")->capture_default_str();
  app.add_option("--window", window, "Connections being opened at once")->capture_default_str();
  app.add_option("--coloniesd", coloniesd, "coloniesd binary to start for the run")->capture_default_str();
  app.add_option("--server-arg", server_args, "Extra coloniesd argument (repeatable)");
  app.add_option("--json", json_out, "Write the summary as JSON to this file");
  std::string trace_out;
  bench::add_trace_option(app, trace_out);
  CLI11_PARSE(app, argc, argv);
  const int idle = std::max(0, connections - parked);

  // Both ends need a descriptor per connection: this process for its sockets, coloniesd (which
  // inherits the limit) for the accepted ones, plus files and a margin.
  const std::int64_t wanted_fds = connections + 1024;
  const std::int64_t fd_limit = bench::raise_fd_limit(wanted_fds);
  std::printf("many executors: %d parked long-polls + %d idle keep-alive = %d connections; fd limit %lld%s\n", parked,
              idle, parked + idle, static_cast<long long>(fd_limit),
              fd_limit < wanted_fds ? " (below what is needed: raise the hard limit, ulimit -Hn)" : "");

  crypto::SodiumCrypto crypto;
  const std::string server_key = crypto.generate_private_key();
  auto spawned = bench::SpawnedServer::start(coloniesd, bench::id_of(server_key), server_args);
  if (!spawned) {
    std::cerr << "cannot start coloniesd: " << spawned.error().message << "\n";
    return 1;
  }
  std::unique_ptr<bench::SpawnedServer> server(*spawned);
  client::ClientConfig config;
  config.port = static_cast<std::uint16_t>(server->port());
  const pid_t pid = server->pid();
  boost::json::object summary{{"benchmark", "executors"}, {"parked", parked}, {"idle", idle},
                              {"fd_limit", fd_limit}, {"poll_timeout_s", poll_timeout_s}};
  summary["server_at_start"] = server_state("at start", pid);

  // The executors, registered and approved by the colony owner (a few threads: 2 signed requests each).
  const auto setup_start = Clock::now();
  bench::BenchColony colony = bench::setup_colony(config, server_key, 0);
  {
    const int threads = 4;
    std::vector<std::vector<std::string>> keys(threads);
    std::vector<std::thread> pool;
    const int per = (parked + threads - 1) / threads;
    for (int t = 0; t < threads; ++t) {
      const int first = t * per, count = std::max(0, std::min(per, parked - first));
      pool.emplace_back([&, t, first, count] { keys[static_cast<std::size_t>(t)] = bench::add_executors(config, colony.colony_key, first, count); });
    }
    for (auto& t : pool) t.join();
    for (auto& k : keys) colony.executor_keys.insert(colony.executor_keys.end(), k.begin(), k.end());
  }
  std::printf("  setup    %d executors registered and approved in %.1f s\n", parked,
              std::chrono::duration<double>(Clock::now() - setup_start).count());

  bench::ConnectionPool pool("127.0.0.1", config.port);
  auto t0 = Clock::now();
  pool.open_idle(idle, window);
  const double idle_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("  idle     %d of %d keep-alive connections open in %.1f s (%d failed%s%s)\n", pool.idle_open(), idle,
              idle_s, pool.idle_failed(), pool.first_error().empty() ? "" : ": ", pool.first_error().c_str());
  summary["idle_open"] = pool.idle_open();
  summary["idle_failed"] = pool.idle_failed();
  summary["server_idle_open"] = server_state("with the idle connections", pid);

  t0 = Clock::now();
  pool.park_executors(colony.executor_keys, "bench", poll_timeout_s, window);
  // Written is not parked yet: give the server time to verify and park every request.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  std::printf("  parked   %d of %d assign long-polls written in %.1f s (%d failed%s%s)\n", pool.parked_written(),
              parked, std::chrono::duration<double>(Clock::now() - t0).count(), pool.parked_failed(),
              pool.first_error().empty() ? "" : ": ", pool.first_error().c_str());
  summary["parked_written"] = pool.parked_written();
  summary["parked_failed"] = pool.parked_failed();
  summary["server_held"] = server_state("holding every connection", pid);
  std::printf("  responsiveness while held (version = kept-alive connection, version* = new connection each):\n");
  summary["version_while_held"] = responsiveness(config, version_rounds);

  // Wake-ups, one at a time so that each latency is one submit waking one parked executor.
  bench::Samples wake, submit_rtt;
  int missed = 0;
  {
    auto user = client::Client::connect(config, colony.user_key);
    bench::must(user, "connect user");
    const model::FunctionSpec spec = bench::noop_spec();
    for (int i = 0; i < wakeups; ++i) {
      const auto s0 = Clock::now();
      auto p = user->submit(spec);
      const auto s1 = Clock::now();
      if (!p) {
        ++missed;
        continue;
      }
      submit_rtt.add(s1 - s0);
      std::optional<Clock::time_point> at;
      const auto give_up = s1 + std::chrono::seconds(5);
      while (!(at = pool.assigned_at(p->processid)) && Clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
      if (at) {
        wake.add(*at - s0);
      } else {
        ++missed;
      }
    }
  }
  std::printf("  wake-ups (submit sent -> the parked executor has its process), %d missed:\n", missed);
  summary["wakeup"] = bench::summarize("wake-up", wake);
  summary["submit"] = bench::summarize("submit", submit_rtt);
  summary["wakeups_missed"] = missed;
  summary["server_after_wakeups"] = server_state("after the wake-ups", pid);
  std::printf("  responsiveness after the wake-ups:\n");
  summary["version_after"] = responsiveness(config, version_rounds);
  std::printf("  held     %d idle connections still open, %d long-polls ended without work\n", pool.idle_open(),
              pool.long_poll_ends());
  summary["idle_open_at_end"] = pool.idle_open();
  summary["long_poll_ends"] = pool.long_poll_ends();
  bench::write_json(json_out, summary);
  if (!trace_out.empty() &&
      !bench::write_trace(config, colony, trace_out, summary,
                          static_cast<std::int64_t>(std::chrono::duration<double>(Clock::now() - setup_start).count()) + 60))
    return 1;
  return 0;
}
