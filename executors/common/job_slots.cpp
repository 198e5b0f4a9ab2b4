// Shared state of the pull and worker threads (see job_slots.hpp).
#include "executors/common/job_slots.hpp"

#include <algorithm>

#include "core/model/resources.hpp"

namespace colonies::executors {

Reservation reservation_of(const model::FunctionSpec& spec) {
  Reservation r;
  if (auto cpu = model::parse_cpu(spec.conditions.cpu)) r.cpu_millis = *cpu;
  // Every MPI rank occupies at least one CPU, whatever conditions.cpu says.
  const model::Conditions& c = spec.conditions;
  const std::int64_t ranks = c.processes > 0 ? c.processes : std::int64_t{c.processespernode} * std::max(c.nodes, 1);
  r.cpu_millis = std::max(r.cpu_millis, ranks * 1000);
  if (auto mem = model::parse_bytes(spec.conditions.mem)) r.mem_bytes = *mem;
  r.gpus = std::max(0, spec.conditions.gpu.count);
  return r;
}

JobSlots::JobSlots(int max_jobs, const model::Capabilities& capacity) : max_jobs_(std::max(1, max_jobs)) {
  if (capacity.hardware.empty()) return;
  const model::Hardware& hw = capacity.hardware.front();
  if (!hw.cpu.empty()) {
    if (auto cpu = model::parse_cpu(hw.cpu)) total_cpu_ = *cpu;
  } else if (hw.cores > 0) {
    total_cpu_ = std::int64_t{hw.cores} * 1000;
  }
  if (!hw.mem.empty()) {
    if (auto mem = model::parse_bytes(hw.mem)) total_mem_ = *mem;
  }
  // A declared hardware entry states its GPU count, 0 included (see model::Hardware).
  total_gpus_ = hw.gpu.count;
}

bool JobSlots::wait_for_slot() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return stop_ || (!pull_held_ && in_flight_ < max_jobs_); });
  return !stop_;
}

void JobSlots::hold_pulling() {
  std::lock_guard lock(mu_);
  pull_held_ = true;
}

void JobSlots::resume_pulling() {
  {
    std::lock_guard lock(mu_);
    pull_held_ = false;
  }
  cv_.notify_all();
}

client::AssignOffer JobSlots::offer() const {
  std::lock_guard lock(mu_);
  client::AssignOffer offer;
  if (total_cpu_) offer.availablecpu = model::format_cpu(std::max<std::int64_t>(0, *total_cpu_ - reserved_.cpu_millis));
  if (total_mem_) offer.availablemem = model::format_bytes(std::max<std::int64_t>(0, *total_mem_ - reserved_.mem_bytes));
  if (total_gpus_) offer.availablegpu = std::max(0, *total_gpus_ - reserved_.gpus);
  return offer;
}

void JobSlots::hand_over(model::Process process) {
  std::lock_guard lock(mu_);
  Reservation r = reservation_of(process.spec);
  reserved_.cpu_millis += r.cpu_millis;
  reserved_.mem_bytes += r.mem_bytes;
  reserved_.gpus += r.gpus;
  ++in_flight_;
  handed_over_.push_back(std::move(process));
}

std::vector<model::Process> JobSlots::take_new() {
  std::lock_guard lock(mu_);
  std::vector<model::Process> out(std::make_move_iterator(handed_over_.begin()),
                                  std::make_move_iterator(handed_over_.end()));
  handed_over_.clear();
  return out;
}

void JobSlots::release(const Reservation& r) {
  {
    std::lock_guard lock(mu_);
    reserved_.cpu_millis -= r.cpu_millis;
    reserved_.mem_bytes -= r.mem_bytes;
    reserved_.gpus -= r.gpus;
    --in_flight_;
  }
  cv_.notify_all();
}

void JobSlots::adopt() {
  std::lock_guard lock(mu_);
  ++in_flight_;
}

int JobSlots::in_flight() const {
  std::lock_guard lock(mu_);
  return in_flight_;
}

void JobSlots::request_stop(bool immediate) {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    immediate_ = immediate_ || immediate;
  }
  cv_.notify_all();
}

bool JobSlots::stopping() const {
  std::lock_guard lock(mu_);
  return stop_;
}

bool JobSlots::immediate() const {
  std::lock_guard lock(mu_);
  return immediate_;
}

bool JobSlots::sleep_for(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [&] { return stop_; });
}

void JobSlots::pull_finished() {
  {
    std::lock_guard lock(mu_);
    pull_done_ = true;
  }
  cv_.notify_all();
}

bool JobSlots::pull_done() const {
  std::lock_guard lock(mu_);
  return pull_done_;
}

}  // namespace colonies::executors
