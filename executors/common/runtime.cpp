// Runtime start-up and wiring of the pull thread and the worker (see runtime.hpp). The loops
// themselves are in pull_loop.cpp and job_worker.cpp.
#include "executors/common/runtime.hpp"

#include <thread>

#include <spdlog/spdlog.h>

#include "executors/common/backoff.hpp"
#include "executors/common/pull_loop.hpp"
#include "executors/common/registration.hpp"

namespace colonies::executors {

Runtime::Runtime(RuntimeConfig config, std::unique_ptr<Backend> backend, RuntimeDeps deps)
    : config_(std::move(config)),
      backend_(std::make_unique<MeasuredBackend>(std::move(backend), metrics_)),
      deps_(std::move(deps)),
      slots_(config_.max_jobs, config_.capabilities) {}

Runtime::~Runtime() = default;

Result<client::Client> Runtime::connect(std::string_view key) const {
  if (deps_.connect) return deps_.connect(config_.server, key);
  return client::Client::connect(config_.server, key);
}

void Runtime::request_stop(bool immediate) {
  slots_.request_stop(immediate);
  backend_->wake();
}

RuntimeCounters Runtime::counters() const {
  return RuntimeCounters{assigned_.load(),
                         worker_counters_.succeeded.load(),
                         worker_counters_.failed.load(),
                         worker_counters_.abandoned.load(),
                         worker_counters_.undelivered.load(),
                         worker_counters_.lost.load(),
                         worker_counters_.detached.load()};
}

Status Runtime::run() {
  COLONIES_CHECK(validate(config_));
  const auto spool_dir = config_.spool_dir.empty() ? default_spool_dir(config_.executor_name) : config_.spool_dir;
  COLONIES_TRY(spool, Spool::open(spool_dir));
  spdlog::info("spool directory {}", spool.dir().string());
  COLONIES_TRY(self, connect(config_.executor_prvkey));
  std::optional<client::Client> owner;
  if (!config_.colony_prvkey.empty()) {
    COLONIES_TRY(o, connect(config_.colony_prvkey));
    owner.emplace(std::move(o));
  }
  spdlog::info("executor '{}' (type '{}', ID {}) of colony '{}' using server {}", config_.executor_name,
               config_.executor_type, self.id(), config_.colony_name, self.endpoint());

  Backoff backoff(config_.backoff_initial, config_.backoff_max);
  while (true) {
    auto registered = ensure_registered(config_, owner ? &*owner : nullptr, self);
    if (registered) break;
    if (!is_transient(registered.error())) return registered;
    const auto delay = backoff.next();
    spdlog::warn("server {} unreachable, cannot register ({}); retrying in {}", self.endpoint(),
                 registered.error().message, describe_delay(delay));
    if (!slots_.sleep_for(delay)) return ok();
  }
  owner.reset();

  // The worker's calls get a short timeout: it must keep watching its jobs when the server hangs.
  client::ClientConfig worker_config = config_.server;
  worker_config.request_timeout = config_.worker_request_timeout;
  auto worker_client = deps_.connect ? deps_.connect(worker_config, config_.executor_prvkey)
                                     : client::Client::connect(worker_config, config_.executor_prvkey);
  if (!worker_client) return std::unexpected(worker_client.error());

  PullLoop pull(config_, self, slots_, metrics_, [this] {
    ++assigned_;
    backend_->wake();
  });
  // No new work before the worker has recovered what a previous run left (see JobSlots).
  slots_.hold_pulling();
  pulling_ = true;
  std::thread puller([&] { pull.run(); });
  JobWorker worker(config_, *worker_client, *backend_, slots_, worker_counters_, spool);
  worker.run();
  puller.join();
  pulling_ = false;
  auto c = counters();
  spdlog::info("executor stopped: {} assigned, {} succeeded, {} failed, {} abandoned, {} lost in a restart, {} left "
               "in the spool, {} left running",
               c.assigned, c.succeeded, c.failed, c.abandoned, c.lost, c.undelivered, c.detached);
  return ok();
}

}  // namespace colonies::executors
