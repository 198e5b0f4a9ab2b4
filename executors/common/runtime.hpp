// The executor runtime: registers the executor, then pulls processes (one pull thread) and runs
// them on a Backend (the calling thread becomes the worker) until asked to stop. Every executor
// (local, Slurm, Kubernetes) is this runtime plus one Backend. It does not parse flags or install
// signal handlers: an executor's main does that and calls request_stop().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "client/client.hpp"
#include "executors/common/backend.hpp"
#include "executors/common/executor_metrics.hpp"
#include "executors/common/job_slots.hpp"
#include "executors/common/job_worker.hpp"
#include "executors/common/runtime_config.hpp"

namespace colonies::executors {

struct RuntimeDeps {
  // Makes a Client signing with `private_key`; default: client::Client::connect (HTTP).
  // Called once per thread that talks to the server (clients are not thread-safe).
  std::function<Result<client::Client>(const client::ClientConfig&, std::string_view private_key)> connect;
};

struct RuntimeCounters {
  std::int64_t assigned = 0;
  std::int64_t succeeded = 0;
  std::int64_t failed = 0;
  std::int64_t abandoned = 0;
  std::int64_t undelivered = 0;  // closes left in the spool at shutdown
  std::int64_t lost = 0;         // processes closed failed at start: their job did not survive a restart
  std::int64_t detached = 0;     // jobs left running at stop (Backend::jobs_outlive_executor)
};

class Runtime {
 public:
  Runtime(RuntimeConfig config, std::unique_ptr<Backend> backend, RuntimeDeps deps = {});
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Validates the config, opens the spool, registers (retrying while the server is unreachable),
  // recovers what a previous run left in the spool (closes to deliver, jobs to reattach or close
  // as lost), then runs the pull loop and the worker until request_stop() and the shutdown
  // sequence are over. Blocks. Errors: configuration (BadRequest, saying what to set; also an
  // unusable spool directory), registration refused for good (Conflict, Forbidden,
  // Unauthenticated). A stop during registration returns ok.
  Status run();

  // Thread-safe, from any thread but not from a signal handler. Graceful: stop pulling, let
  // running jobs finish within shutdown_grace, then kill them and close them failed with
  // "executor shutting down". `immediate` skips the grace (a second Ctrl-C).
  void request_stop(bool immediate = false);

  // True once registration is done and the pull loop runs (for tests and readiness probes).
  bool pulling() const { return pulling_.load(); }
  RuntimeCounters counters() const;
  // For GET /metrics (thread-safe): the runtime's measurements, its jobs in flight (assigned and
  // not yet closed or abandoned), its configuration and the backend's name.
  const ExecutorMetrics& metrics() const { return metrics_; }
  int jobs_in_flight() const { return slots_.in_flight(); }
  const RuntimeConfig& config() const { return config_; }
  std::string_view backend_name() const { return backend_->name(); }

 private:
  Result<client::Client> connect(std::string_view key) const;

  RuntimeConfig config_;
  ExecutorMetrics metrics_;  // before backend_, which measures into it
  std::unique_ptr<Backend> backend_;
  RuntimeDeps deps_;
  JobSlots slots_;
  WorkerCounters worker_counters_;
  std::atomic<std::int64_t> assigned_{0};
  std::atomic<bool> pulling_{false};
};

}  // namespace colonies::executors
