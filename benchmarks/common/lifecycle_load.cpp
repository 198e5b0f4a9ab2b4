// The threads of a lifecycle run: submitters, and executors that assign and close.
#include "benchmarks/common/lifecycle_load.hpp"

#include <atomic>
#include <thread>
#include <vector>

namespace colonies::bench {

void run_lifecycles(const client::ClientConfig& config, const BenchColony& colony, int processes, int submitters,
                    int executors, LifecycleStats& out) {
  std::atomic<int> closed{0}, errors{0}, next{0};
  std::atomic<Clock::rep> end{0};
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < executors; ++i) {
    threads.emplace_back([&, i] {
      auto c = client::Client::connect(config, colony.executor_keys.at(static_cast<std::size_t>(i)));
      while (closed.load() < processes) {
        const auto t0 = Clock::now();
        auto p = c->assign("bench", 1);
        const auto t1 = Clock::now();
        if (!p) {
          if (p.error().code != ErrorCode::Timeout && p.error().code != ErrorCode::NotFound) ++errors;
          continue;
        }
        out.assign.add(t1 - t0);
        const auto t2 = Clock::now();
        auto st = c->close_successful(p->processid);
        const auto t3 = Clock::now();
        out.close.add(t3 - t2);
        if (!st) ++errors;
        // The run ends at the N-th close; the other executors' idle long-polls after it are not
        // part of the lifecycle rate.
        if (++closed == processes) end = t3.time_since_epoch().count();
      }
    });
  }
  for (int i = 0; i < submitters; ++i) {
    threads.emplace_back([&] {
      auto c = client::Client::connect(config, colony.user_key);
      const model::FunctionSpec spec = bench::noop_spec();
      while (next.fetch_add(1) < processes) {
        const auto t0 = Clock::now();
        auto p = c->submit(spec);
        if (!p) {
          ++errors;
          continue;
        }
        out.submit.add(Clock::now() - t0);
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto finished = end.load() != 0 ? Clock::time_point(Clock::duration(end.load())) : Clock::now();
  out.seconds = std::chrono::duration<double>(finished - start).count();
  out.errors = errors.load();
}

}  // namespace colonies::bench
