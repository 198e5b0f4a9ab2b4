// The body of an executor's GET /metrics (--metrics-port): its runtime's jobs and measurements in
// the Prometheus text format (adapters/observability). Every metric is listed in docs/metrics.md.
#pragma once

#include <chrono>
#include <string>

#include "executors/common/runtime.hpp"

namespace colonies::executors {

std::string render_metrics(const Runtime& runtime, std::chrono::system_clock::time_point started);

}  // namespace colonies::executors
