// Latency samples of one kind of request, collected from many threads, and their summary:
// the percentile line every load-generator benchmark prints and the JSON object it records.
// Not a histogram library: benchmarks keep every sample (a few million doubles at most).
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include <boost/json.hpp>

namespace colonies::bench {

using Clock = std::chrono::steady_clock;

struct Samples {
  std::mutex mu;
  std::vector<double> ms;
  // Thread-safe.
  void add(Clock::duration d) {
    std::lock_guard lock(mu);
    ms.push_back(std::chrono::duration<double, std::milli>(d).count());
  }
};

// The sample at fraction p (0..1) of the sorted samples, 0 when there are none.
double percentile(const std::vector<double>& sorted, double p);

// Sorts the samples, prints "  <name> n=... p50=... p90=... p99=... max=..." and returns
// {n, p50_ms, p90_ms, p99_ms, max_ms}. Call once the threads adding samples have finished.
boost::json::object summarize(const char* name, Samples& s);

// Writes `summary` as one line of JSON to `path`, with a "context" object (commit, machine, load:
// run_context()) unless it has one; does nothing when `path` is empty.
void write_json(const std::string& path, const boost::json::object& summary);

}  // namespace colonies::bench
