// The body of coloniesd's GET /metrics: reads the broker's hot-path instruments and a few gauges
// (taken under the broker's lock once per scrape), the commit queue's and the transport's, and
// writes them in the Prometheus text format (adapters/observability). Every metric is listed in
// docs/metrics.md. Part of the composition root; measures nothing itself.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include "server/commit/commit_queue.hpp"
#include "server/main/node.hpp"

namespace colonies::server {

struct MetricsSources {
  Node& node;
  const commit::CommitQueue& commits;
  std::function<std::size_t()> http_connections;
  std::function<std::size_t()> grpc_calls;  // empty: no gRPC listener
  std::string version;
  std::chrono::system_clock::time_point started;
};

std::string render_metrics(const MetricsSources& sources);

}  // namespace colonies::server
