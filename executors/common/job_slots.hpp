// What the runtime's pull thread and worker thread share: job slots (how many more processes may
// be assigned), the resources reserved by jobs in flight (for the assign offer), the hand-over
// queue of assigned processes, and the stop request. Everything here is under one mutex; it does
// no I/O and never calls the server or the backend.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

#include "client/client.hpp"
#include "core/model/executor.hpp"
#include "core/model/process.hpp"

namespace colonies::executors {

// The part of a process's conditions that occupies this executor while it runs.
struct Reservation {
  std::int64_t cpu_millis = 0;
  std::int64_t mem_bytes = 0;
  int gpus = 0;
};
// Unparseable or absent conditions reserve nothing (the server validated them at submit). MPI
// ranks (conditions.processes, else processespernode × nodes) reserve at least one CPU each.
Reservation reservation_of(const model::FunctionSpec& spec);

class JobSlots {
 public:
  // `capacity`: the executor's advertised hardware; entries absent there are not offered.
  JobSlots(int max_jobs, const model::Capabilities& capacity);

  // Pull thread: blocks until a slot is free and pulling is not held (true) or stop was
  // requested (false).
  bool wait_for_slot();
  // Worker: no assign until resume_pulling(). The runtime holds pulling at start until the
  // spool's closes from before a restart are delivered and lost jobs are settled, so that new
  // work never overtakes them (a re-queued process could otherwise come back here first).
  void hold_pulling();
  void resume_pulling();
  // What is free right now, for assign; fields the executor does not advertise are left out.
  client::AssignOffer offer() const;
  // Pull thread: an assigned process for the worker; takes a slot and reserves its resources.
  void hand_over(model::Process process);
  // Worker: the processes handed over since the last call.
  std::vector<model::Process> take_new();
  // Worker: a job is over; frees its slot and reservation.
  void release(const Reservation& reservation);
  // Worker: a job found by Backend::reattach occupies a slot (it reserves nothing we know of).
  void adopt();
  int in_flight() const;

  // Any thread: ask everything to stop. `immediate`: no grace for running jobs.
  void request_stop(bool immediate);
  bool stopping() const;
  bool immediate() const;
  // Sleeps up to `d`; returns false early when stop is requested.
  bool sleep_for(std::chrono::milliseconds d);
  // Pull thread: it has returned and will hand over nothing more.
  void pull_finished();
  bool pull_done() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int max_jobs_;
  int in_flight_ = 0;
  std::optional<std::int64_t> total_cpu_;
  std::optional<std::int64_t> total_mem_;
  std::optional<int> total_gpus_;
  Reservation reserved_;
  std::deque<model::Process> handed_over_;
  bool stop_ = false;
  bool immediate_ = false;
  bool pull_done_ = false;
  bool pull_held_ = false;
};

}  // namespace colonies::executors
