// A run of N lifecycles against a running coloniesd: S submitter threads each submitfuncspecmsg,
// E executor threads each assignprocessmsg (long-poll) then closesuccessfulmsg, every step its own
// signed request. Used by benchmarks that measure lifecycles under some condition (a deep queue);
// it measures and records, it does not print or judge.
#pragma once

#include <string>

#include "benchmarks/common/bench_colony.hpp"
#include "benchmarks/common/samples.hpp"
#include "client/client.hpp"

namespace colonies::bench {

struct LifecycleStats {
  double seconds = 0;  // first submit to the N-th close (not to the last idle long-poll's end)
  int errors = 0;
  Samples submit, assign, close;
};

// Submits `processes` processes (funcname "noop", type "bench") and closes `processes` assigned
// ones, whichever the scheduler hands out (with a queue already filled, those are older ones).
// Uses the first `executors` keys of `colony`. Blocks until done.
void run_lifecycles(const client::ClientConfig& config, const BenchColony& colony, int processes, int submitters,
                    int executors, LifecycleStats& out);

}  // namespace colonies::bench
