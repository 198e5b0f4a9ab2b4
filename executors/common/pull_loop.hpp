// The runtime's pull thread: long-polls assign whenever a job slot is free and hands assigned
// processes to the worker. While idle, the long-poll is the executor's heartbeat. It never runs
// jobs or ships logs (the worker does) and owns its own Client (clients are not thread-safe).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>

#include "client/client.hpp"
#include "executors/common/executor_metrics.hpp"
#include "executors/common/job_slots.hpp"
#include "executors/common/runtime_config.hpp"

namespace colonies::executors {

class PullLoop {
 public:
  // `on_assigned` runs on the pull thread after each hand-over (the runtime wakes the backend).
  // Each assign call's duration goes to `metrics` by its result.
  PullLoop(const RuntimeConfig& config, client::Client& client, JobSlots& slots, ExecutorMetrics& metrics,
           std::function<void()> on_assigned);
  // Runs until stop is requested; the assign in progress then completes first (at most the
  // long-poll timeout plus the client's margin). Calls slots.pull_finished() on the way out.
  void run();

 private:
  // Logs a failed assign and when it is retried; the message says what to do about it.
  void on_failure(const Error& error, std::chrono::milliseconds delay);

  const RuntimeConfig& config_;
  client::Client& client_;
  JobSlots& slots_;
  ExecutorMetrics& metrics_;
  std::function<void()> on_assigned_;
};

}  // namespace colonies::executors
