// Percentiles, the printed latency line and the JSON summary file of the load generators.
#include "benchmarks/common/samples.hpp"

#include "benchmarks/common/trace.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>

namespace colonies::bench {

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0.0;
  return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(p * static_cast<double>(sorted.size())))];
}

boost::json::object summarize(const char* name, Samples& s) {
  std::sort(s.ms.begin(), s.ms.end());
  const double max = s.ms.empty() ? 0.0 : s.ms.back();
  std::printf("  %-8s n=%-7zu p50=%7.3f ms  p90=%7.3f ms  p99=%7.3f ms  max=%8.3f ms\n", name, s.ms.size(),
              percentile(s.ms, 0.5), percentile(s.ms, 0.9), percentile(s.ms, 0.99), max);
  return {{"n", s.ms.size()},
          {"p50_ms", percentile(s.ms, 0.5)},
          {"p90_ms", percentile(s.ms, 0.9)},
          {"p99_ms", percentile(s.ms, 0.99)},
          {"max_ms", max}};
}

void write_json(const std::string& path, const boost::json::object& summary) {
  if (path.empty()) return;
  boost::json::object recorded = summary;
  if (!recorded.contains("context")) recorded["context"] = run_context();
  std::ofstream(path) << boost::json::serialize(recorded) << "\n";
}

}  // namespace colonies::bench
