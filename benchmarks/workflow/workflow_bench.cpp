// Workflow benchmark: one fan-out/fan-in DAG (1 root -> N-2 parallel nodes -> 1 sink) submitted
// in one request to a throwaway coloniesd, run by E executor threads over HTTP. Prints the
// submit time, the request size and the end-to-end time; asserts nothing.
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
using bench::self_dir;

namespace {

model::FunctionSpec node(const std::string& name, std::vector<std::string> deps) {
  model::FunctionSpec s;
  s.nodename = name;
  s.funcname = "noop";
  s.conditions.colonyname = "bench";
  s.conditions.executortype = "bench";
  s.conditions.dependencies = std::move(deps);
  return s;
}

model::WorkflowSpec fan_out_fan_in(int nodes) {
  model::WorkflowSpec w{"bench", {node("root", {})}};
  std::vector<std::string> middle;
  for (int i = 0; i < nodes - 2; ++i) {
    middle.push_back("m" + std::to_string(i));
    w.functionspecs.push_back(node(middle.back(), {"root"}));
  }
  w.functionspecs.push_back(node("sink", std::move(middle)));
  return w;
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Colonies workflow benchmark: a fan-out/fan-in DAG submitted in one request and run to the end"};
  int nodes = 10000, executors = 4;
  std::string coloniesd = self_dir() + "/coloniesd";
  std::string json_out;
  std::vector<std::string> server_args;
  app.add_option("-n,--nodes", nodes, "Nodes in the DAG (>= 3)")->capture_default_str()->check(CLI::Range(3, 1'000'000));
  app.add_option("-e,--executors", executors, "Executor threads (each a registered executor)")->capture_default_str();
  app.add_option("--coloniesd", coloniesd, "coloniesd binary to start for the run")->capture_default_str();
  app.add_option("--server-arg", server_args, "Extra coloniesd argument (repeatable)");
  app.add_option("--json", json_out, "Write the summary as JSON to this file");
  std::string trace_out;
  bench::add_trace_option(app, trace_out);
  CLI11_PARSE(app, argc, argv);

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
  config.request_timeout = std::chrono::milliseconds(120'000);
  using bench::must;
  const bench::BenchColony colony = bench::setup_colony(config, server_key, executors);
  const std::string& user_key = colony.user_key;
  const std::vector<std::string>& executor_keys = colony.executor_keys;

  const model::WorkflowSpec spec = fan_out_fan_in(nodes);
  const std::size_t request_bytes = boost::json::serialize(model::to_json(spec)).size();
  auto user = client::Client::connect(config, user_key, {});
  must(user, "connect user");
  const auto start = Clock::now();
  auto graph = user->submit_workflow(spec);
  const double submit_s = seconds_since(start);
  must(graph, "submit workflow");

  std::atomic<int> closed{0}, errors{0};
  std::atomic<std::size_t> sink_inputs{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < executors; ++i) {
    threads.emplace_back([&, i] {
      auto c = client::Client::connect(config, executor_keys[static_cast<std::size_t>(i)]);
      while (closed.load() < nodes) {
        auto p = c->assign("bench", 1);
        if (!p) {
          if (p.error().code != ErrorCode::Timeout && p.error().code != ErrorCode::NotFound) ++errors;
          continue;
        }
        if (p->spec.nodename == "sink") sink_inputs = p->in.size();
        if (!c->close_successful(p->processid, boost::json::array{p->spec.nodename})) ++errors;
        ++closed;
      }
    });
  }
  for (auto& t : threads) t.join();
  const double total_s = seconds_since(start);
  auto final_graph = user->get_process_graph(graph->processgraphid);
  must(final_graph, "get process graph");

  std::printf("workflow: %d nodes (1 -> %d -> 1), %d executors, %d errors\n", nodes, nodes - 2, executors,
              errors.load());
  // The envelope carries the payload base64-encoded: 4 bytes per 3.
  const std::size_t body_bytes = (request_bytes + 2) / 3 * 4;
  std::printf("  request  %.2f MiB of JSON, %.2f MiB base64 in the envelope (body limit 16 MiB)\n",
              static_cast<double>(request_bytes) / (1024.0 * 1024.0), static_cast<double>(body_bytes) / (1024.0 * 1024.0));
  std::printf("  submit   %.3f s\n", submit_s);
  std::printf("  total    %.3f s end to end -> %.0f nodes/s\n", total_s, nodes / total_s);
  std::printf("  final    state %d, %d/%d successful, sink input %zu values\n", static_cast<int>(final_graph->state),
              final_graph->progress.successful, final_graph->progress.total, sink_inputs.load());
  boost::json::object summary{{"benchmark", "workflow"},        {"nodes", nodes},
                              {"executors", executors},         {"request_bytes", request_bytes},
                              {"submit_s", submit_s},           {"total_s", total_s},
                              {"state", static_cast<int>(final_graph->state)}, {"errors", errors.load()}};
  bench::write_json(json_out, summary);
  if (!trace_out.empty() && !bench::write_trace(config, colony, trace_out, summary, static_cast<std::int64_t>(total_s) + 60))
    return 1;
  return errors.load() == 0 && final_graph->state == model::ProcessState::Success ? 0 : 1;
}
