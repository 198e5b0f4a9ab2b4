// The runtime's worker thread: submits assigned processes to the backend, polls it, ships output
// as batched process logs, closes processes (spooled to disk first, retried while the server is
// away), cancels jobs whose process is no longer ours, and runs the shutdown sequence. At start
// it recovers: delivers the spool's closes from before a restart, reattaches the backend's jobs
// and closes as lost what nobody knows, and only then lets the pull thread ask for work. It is the
// only thread that touches the backend (besides Backend::wake) and owns its own Client.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "client/client.hpp"
#include "executors/common/backend.hpp"
#include "executors/common/backoff.hpp"
#include "executors/common/job_slots.hpp"
#include "executors/common/log_batcher.hpp"
#include "executors/common/runtime_config.hpp"
#include "executors/common/spool.hpp"

namespace colonies::executors {

struct WorkerCounters {
  std::atomic<std::int64_t> succeeded{0};  // closed successful
  std::atomic<std::int64_t> failed{0};     // closed failed
  std::atomic<std::int64_t> abandoned{0};  // cancelled or re-queued by the server: not ours to close
  std::atomic<std::int64_t> undelivered{0};  // closes left in the spool (or given up) at shutdown
  std::atomic<std::int64_t> lost{0};         // closed failed at start: the job was gone after a restart
  std::atomic<std::int64_t> detached{0};     // left running at stop, for the next start to reattach
};

class JobWorker {
 public:
  // The close text of a process whose job nobody knows after an executor restart.
  static constexpr std::string_view kLostJob = "executor restarted; its job was lost";

  JobWorker(const RuntimeConfig& config, client::Client& client, Backend& backend, JobSlots& slots,
            WorkerCounters& counters, Spool& spool);
  ~JobWorker();
  // Runs until stop was requested, the pull thread is done, every job has ended and every close
  // was delivered (or left in the spool after the delivery window). Blocks the calling thread.
  // Resumes the pull thread (JobSlots::resume_pulling) once recovery is over.
  void run();

 private:
  using Clock = std::chrono::steady_clock;
  struct Job;
  struct Delivery;

  // Recovery at start: spooled closes become deliveries; the backend reattaches journaled jobs.
  void load_spool();
  void reattach();
  // Once the spooled closes are delivered: asks the server which processes run here and closes
  // those nobody knows as lost. Returns false to be called again (the server is away).
  bool settle_lost_jobs(Clock::time_point now);
  void recovery_step(Clock::time_point now);

  void start(model::Process process);
  // Queues a close (or logs) for delivery, spooling the close to disk first.
  void enqueue(Delivery delivery);
  void unspool(const Delivery& delivery);
  void forget_job(const std::string& processid);
  // A new attempt of `processid` was assigned: jobs and pending closes of earlier attempts are stale.
  void supersede(const std::string& processid);
  void collect_finished();
  void ship_logs(Clock::time_point now);
  void deliver(Clock::time_point now);
  void pop_delivery();
  // Rewrites a spooled close whose log batches were partly shipped, so that a crash does not
  // ship them twice.
  void respool(Delivery& d);
  void check_ownership(Clock::time_point now);
  void shutdown_step(Clock::time_point now);
  bool done(Clock::time_point now) const;
  // Stopping, and every job left is one Backend::jobs_outlive_executor lets run on.
  bool only_detached_left() const;
  std::chrono::milliseconds wait_budget(Clock::time_point now) const;
  // Notes a failed call: transient ones pause all calls for a backoff; returns whether transient.
  bool note_failure(const Error& error, Clock::time_point now);
  void note_success();
  bool server_quiet(Clock::time_point now) const { return now < quiet_until_; }

  const RuntimeConfig& config_;
  client::Client& client_;
  Backend& backend_;
  JobSlots& slots_;
  WorkerCounters& counters_;
  Spool& spool_;
  std::string my_id_;
  bool recovering_ = true;
  std::size_t recovered_closes_ = 0;  // deliveries from the spool at start, first in deliveries_
  // Keyed by a serial, not the processid: a process re-queued by the server (maxexectime, retries)
  // may come back to this executor while the job of its previous attempt is still being killed.
  // Sinks need stable addresses, hence the unique_ptr.
  std::map<std::uint64_t, std::unique_ptr<Job>> jobs_;
  std::uint64_t next_serial_ = 0;
  std::deque<Delivery> deliveries_;
  Backoff backoff_;
  Clock::time_point quiet_until_{};
  std::optional<Clock::time_point> grace_deadline_;
  std::optional<Clock::time_point> jobs_over_;  // when stopping left no job running
};

}  // namespace colonies::executors
