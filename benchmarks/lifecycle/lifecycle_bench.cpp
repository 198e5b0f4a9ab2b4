// Lifecycle load generator: N processes, S submitter threads, E executor threads; every submit,
// assign and close is its own signed request over HTTP keep-alive, or over gRPC with
// --transport grpc. Prints throughput and latency percentiles and writes a JSON summary.
// Measures; asserts nothing.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "adapters/crypto/sodium_crypto.hpp"
#include "benchmarks/lifecycle/spawn.hpp"
#include "client/client.hpp"

using namespace colonies;
using Clock = std::chrono::steady_clock;

namespace {

struct Samples {
  std::mutex mu;
  std::vector<double> ms;
  void add(Clock::duration d) {
    std::lock_guard lock(mu);
    ms.push_back(std::chrono::duration<double, std::milli>(d).count());
  }
};

boost::json::object summarize(const char* name, Samples& s) {
  std::sort(s.ms.begin(), s.ms.end());
  auto pct = [&](double p) {
    if (s.ms.empty()) return 0.0;
    return s.ms[std::min(s.ms.size() - 1, static_cast<std::size_t>(p * static_cast<double>(s.ms.size())))];
  };
  std::printf("  %-8s n=%-7zu p50=%7.3f ms  p90=%7.3f ms  p99=%7.3f ms  max=%8.3f ms\n", name, s.ms.size(), pct(0.5),
              pct(0.9), pct(0.99), s.ms.empty() ? 0.0 : s.ms.back());
  return {{"n", s.ms.size()}, {"p50_ms", pct(0.5)}, {"p90_ms", pct(0.9)}, {"p99_ms", pct(0.99)},
          {"max_ms", s.ms.empty() ? 0.0 : s.ms.back()}};
}

// A port that was free on 127.0.0.1 a moment ago, for coloniesd's gRPC listener.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  if (fd >= 0) ::close(fd);
  return port;
}

std::string self_dir() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return ".";
  std::string path(buf, static_cast<std::size_t>(n));
  return path.substr(0, path.rfind('/'));
}

}  // namespace

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
  const std::string colony_key = crypto.generate_private_key();
  const std::string user_key = crypto.generate_private_key();
  auto id_of = [&](const std::string& key) { return (*crypto.signer(key))->id(); };
  auto must = [](auto&& result, const char* what) {
    if (!result) {
      std::cerr << what << ": " << result.error().message << "\n";
      std::exit(1);
    }
  };
  auto admin = client::Client::connect(config, server_key);
  must(admin, "connect");
  must(admin->add_colony({id_of(colony_key), "bench"}), "add colony");
  auto owner = client::Client::connect(config, colony_key);
  must(owner->add_user({"bench", id_of(user_key), "bench-user", "", ""}), "add user");
  std::vector<std::string> executor_keys;
  for (int i = 0; i < executors; ++i) {
    executor_keys.push_back(crypto.generate_private_key());
    model::Executor e;
    e.executorid = id_of(executor_keys.back());
    e.executortype = "bench";
    e.executorname = "bench-" + std::to_string(i);
    e.colonyname = "bench";
    must(owner->add_executor(e), "add executor");
    must(owner->approve_executor("bench", e.executorname), "approve executor");
  }

  Samples submit_lat, assign_lat, close_lat, wake_lat;
  std::mutex acked_mu;
  std::map<std::string, Clock::time_point> acked;  // submit acknowledgement times, for wake-up latency
  std::atomic<int> closed{0}, errors{0};
  const auto start = Clock::now();

  std::vector<std::thread> threads;
  for (int i = 0; i < executors; ++i) {
    threads.emplace_back([&, i] {
      auto c = client::Client::connect(config, executor_keys[static_cast<std::size_t>(i)]);
      while (closed.load() < processes) {
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
        close_lat.add(Clock::now() - t2);
        if (!st) ++errors;
        ++closed;
      }
    });
  }
  std::atomic<int> next{0};
  for (int i = 0; i < submitters; ++i) {
    threads.emplace_back([&] {
      auto c = client::Client::connect(config, user_key);
      model::FunctionSpec spec;
      spec.funcname = "noop";
      spec.conditions.colonyname = "bench";
      spec.conditions.executortype = "bench";
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
    });
  }
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const double rate = processes / seconds;
  std::printf("lifecycle over %s: %d processes, %d submitters, %d executors, %d errors\n", transport.c_str(),
              processes, submitters, executors, errors.load());
  std::printf("  total    %.3f s  -> %.0f lifecycles/s (%.0f signed requests/s)\n", seconds, rate, rate * 3);
  boost::json::object summary{{"benchmark", "lifecycle"}, {"transport", transport}, {"processes", processes}, {"submitters", submitters},
                              {"executors", executors}, {"seconds", seconds}, {"lifecycles_per_s", rate},
                              {"errors", errors.load()}};
  summary["submit"] = summarize("submit", submit_lat);
  summary["assign"] = summarize("assign", assign_lat);
  summary["close"] = summarize("close", close_lat);
  summary["wakeup"] = summarize("wake-up", wake_lat);
  if (!json_out.empty()) std::ofstream(json_out) << boost::json::serialize(summary) << "\n";
  return errors.load() == 0 ? 0 : 1;
}
