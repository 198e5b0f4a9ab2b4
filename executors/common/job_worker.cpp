// The worker thread (see job_worker.hpp): one loop that alternates between the backend (submit,
// poll, cancel) and the server (addlog, close, getprocess). Calls to the server are paused for a
// backoff after a transient failure so that a dead server costs no busy loop, while the backend
// keeps being polled and enforces its time limits meanwhile.
#include "executors/common/job_worker.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "executors/common/registration.hpp"

namespace colonies::executors {

namespace {

constexpr std::chrono::milliseconds kMaxWait{250};
constexpr std::string_view kStderrMark = "[stderr] ";
constexpr std::string_view kShuttingDown = "executor shutting down";

LogBatcher::Limits limits_of(const RuntimeConfig& config) {
  LogBatcher::Limits limits;
  limits.max_delay = config.log_max_delay;
  limits.max_bytes = config.log_max_bytes;
  return limits;
}

}  // namespace

struct JobWorker::Job final : JobSink {
  enum class Fate { Running, Abandoned, ShuttingDown };

  Job(std::string id, LogBatcher::Limits limits) : processid(std::move(id)), logs(limits) {}

  void line(OutputStream stream, std::string_view text) override {
    if (fate == Fate::Abandoned) return;
    if (stream == OutputStream::Stderr) {
      std::string marked(kStderrMark);
      marked.append(text);
      logs.add(marked, Clock::now());
    } else {
      logs.add(text, Clock::now());
    }
  }
  void finished(JobResult r) override { result = std::move(r); }

  std::string processid;
  LogBatcher logs;
  Reservation reservation;
  JobHandle handle = 0;
  Fate fate = Fate::Running;
  std::optional<JobResult> result;
  Clock::time_point next_check{};
};

// A finished job's remaining log batches and its close, delivered in that order (after the close
// the server refuses logs of the process).
struct JobWorker::Delivery {
  std::string processid;
  LogBatcher logs;
  bool success = false;
  json::array out;
  std::vector<std::string> errors;
  bool close = true;
  bool logs_only = false;  // the output of a superseded attempt: nothing to close or count
};

JobWorker::JobWorker(const RuntimeConfig& config, client::Client& client, Backend& backend, JobSlots& slots,
                     WorkerCounters& counters)
    : config_(config),
      client_(client),
      backend_(backend),
      slots_(slots),
      counters_(counters),
      my_id_(client.id()),
      backoff_(config.backoff_initial, config.backoff_max) {}

JobWorker::~JobWorker() = default;

void JobWorker::run() {
  std::map<std::string, Job*> sinks;  // jobs created for reattach, by processid
  auto reattached = backend_.reattach([this, &sinks](const std::string& processid) -> JobSink& {
    if (auto it = sinks.find(processid); it != sinks.end()) return *it->second;
    auto job = std::make_unique<Job>(processid, limits_of(config_));
    Job& ref = *job;
    jobs_[next_serial_++] = std::move(job);
    sinks[processid] = &ref;
    return ref;
  });
  if (!reattached) {
    spdlog::error("backend {} could not look for jobs from before the restart: {}", backend_.name(),
                  reattached.error().message);
  } else {
    for (const auto& found : *reattached) {
      // Ownership is checked at once: the server may have moved on while we were away.
      if (auto it = sinks.find(found.processid); it != sinks.end()) {
        it->second->handle = found.handle;
        it->second->next_check = Clock::now();
        slots_.adopt();
        spdlog::info("reattached to the job of process {}", found.processid);
      }
    }
  }

  bool poll_failing = false;
  while (true) {
    for (auto& p : slots_.take_new()) start(std::move(p));
    auto polled = backend_.poll(wait_budget(Clock::now()));
    if (!polled && !poll_failing) spdlog::error("backend {} poll failed: {}", backend_.name(), polled.error().message);
    poll_failing = !polled;
    auto now = Clock::now();
    collect_finished();
    ship_logs(now);
    deliver(now);
    check_ownership(now);
    shutdown_step(now);
    if (done(now)) break;
  }
  for (const auto& d : deliveries_) {
    // TODO(issue 4): spool undelivered closes to disk and deliver them after a restart.
    spdlog::error("giving up closing process {} ({}): the server did not take it before shutdown; it stays RUNNING "
                  "until its maxexectime, if any",
                  d.processid, d.success ? "successful" : "failed");
    ++counters_.undelivered;
  }
  deliveries_.clear();
}

void JobWorker::supersede(const std::string& processid) {
  // A close still on its way belongs to the previous attempt; delivered now it would close the
  // new one. Its logs are still the process's history and are shipped.
  for (auto& d : deliveries_) {
    if (d.processid != processid || !d.close) continue;
    d.close = false;
    spdlog::info("dropping the undelivered result of the previous attempt of process {}", processid);
  }
  for (auto& [serial, job] : jobs_) {
    if (job->processid != processid || job->fate != Job::Fate::Running) continue;
    spdlog::info("process {} was assigned again; stopping the job of its previous attempt", processid);
    job->fate = Job::Fate::Abandoned;
    Delivery logs{processid, std::move(job->logs)};
    logs.close = false;
    logs.logs_only = true;
    deliveries_.push_back(std::move(logs));
    job->logs = LogBatcher(limits_of(config_));
    if (auto cancelled = backend_.cancel(job->handle, "the process was re-assigned: a new attempt replaces this one");
        !cancelled) {
      spdlog::warn("backend could not cancel the job of process {}: {}", processid, cancelled.error().message);
    }
  }
}

void JobWorker::start(model::Process process) {
  supersede(process.processid);
  auto job = std::make_unique<Job>(process.processid, limits_of(config_));
  job->reservation = reservation_of(process.spec);
  job->next_check = Clock::now() + config_.cancel_check_interval;
  const bool too_late = grace_deadline_ && Clock::now() >= *grace_deadline_;
  auto handle = too_late ? Result<JobHandle>(fail(ErrorCode::Unavailable, std::string(kShuttingDown)))
                         : backend_.submit(process, *job);
  if (!handle) {
    spdlog::warn("process {} ({}) not started: {}", process.processid, process.spec.funcname, handle.error().message);
    Delivery d{process.processid, LogBatcher(limits_of(config_))};
    d.errors.push_back(handle.error().message);
    deliveries_.push_back(std::move(d));
    slots_.release(job->reservation);
    return;
  }
  job->handle = *handle;
  jobs_[next_serial_++] = std::move(job);
}

void JobWorker::collect_finished() {
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    Job& job = *it->second;
    if (!job.result) {
      ++it;
      continue;
    }
    spdlog::info("process {}: {}", job.processid, job.result->summary);
    if (job.fate == Job::Fate::Abandoned) {
      ++counters_.abandoned;
    } else {
      Delivery d{job.processid, std::move(job.logs), job.result->success && job.fate == Job::Fate::Running,
                 std::move(job.result->out), std::move(job.result->errors)};
      d.close = job.result->close || job.fate == Job::Fate::ShuttingDown;
      if (!d.success && d.errors.empty()) d.errors.push_back("the job failed without saying why");
      if (job.fate == Job::Fate::ShuttingDown && d.errors.front() != kShuttingDown) {
        d.errors.insert(d.errors.begin(), std::string(kShuttingDown));
      }
      deliveries_.push_back(std::move(d));
    }
    slots_.release(job.reservation);
    it = jobs_.erase(it);
  }
}

bool JobWorker::note_failure(const Error& error, Clock::time_point now) {
  if (!is_transient(error)) return false;
  if (backoff_.failures() == 0) spdlog::warn("server calls failing ({}); retrying with backoff", error.message);
  quiet_until_ = now + backoff_.next();
  return true;
}

void JobWorker::ship_logs(Clock::time_point now) {
  for (auto& [serial, job] : jobs_) {
    const std::string& id = job->processid;
    if (server_quiet(now)) return;
    if (job->fate == Job::Fate::Abandoned) continue;
    while (auto batch = job->logs.take(now)) {
      auto added = client_.add_log(id, *batch);
      if (added) {
        backoff_.reset();
        continue;
      }
      if (note_failure(added.error(), now)) {
        job->logs.requeue(std::move(*batch));
        return;
      }
      if (added.error().code == ErrorCode::Forbidden || added.error().code == ErrorCode::NotFound) {
        // The server no longer sees us as running this process: check now instead of later.
        job->logs.clear();
        job->next_check = now;
        break;
      }
      spdlog::warn("dropping {} bytes of logs of process {}: {}", batch->size(), id, added.error().message);
    }
  }
}

void JobWorker::deliver(Clock::time_point now) {
  while (!deliveries_.empty() && !server_quiet(now)) {
    Delivery& d = deliveries_.front();
    bool logs_pending = false;
    while (auto batch = d.logs.take(now, /*force=*/true)) {
      auto added = client_.add_log(d.processid, *batch);
      if (added) continue;
      if (note_failure(added.error(), now)) {
        d.logs.requeue(std::move(*batch));
        logs_pending = true;
        break;
      }
      // Not ours any more (or a bad batch): the close below will tell which.
      d.logs.clear();
    }
    if (logs_pending) return;
    if (d.logs_only) {
      deliveries_.pop_front();
      continue;
    }
    if (!d.close) {
      ++counters_.abandoned;
      spdlog::info("process {} is left to the server to re-queue or fail", d.processid);
      deliveries_.pop_front();
      continue;
    }
    Status closed = d.success ? client_.close_successful(d.processid, d.out) : client_.close_failed(d.processid, d.errors);
    if (!closed && note_failure(closed.error(), now)) return;
    backoff_.reset();
    if (closed) {
      ++(d.success ? counters_.succeeded : counters_.failed);
      spdlog::info("closed process {} {}", d.processid, d.success ? "successful" : "failed");
    } else if (closed.error().code == ErrorCode::Forbidden || closed.error().code == ErrorCode::Conflict ||
               closed.error().code == ErrorCode::NotFound) {
      ++counters_.abandoned;
      spdlog::info("process {} was no longer ours to close ({}); its result is dropped", d.processid,
                   closed.error().message);
    } else {
      ++counters_.undelivered;
      spdlog::error("the server refused closing process {}: {}", d.processid, closed.error().message);
    }
    deliveries_.pop_front();
  }
}

void JobWorker::check_ownership(Clock::time_point now) {
  for (auto& [serial, job] : jobs_) {
    const std::string& id = job->processid;
    if (server_quiet(now)) return;
    if (job->fate != Job::Fate::Running || job->next_check > now) continue;
    job->next_check = now + config_.cancel_check_interval;
    auto process = client_.get_process(id);
    std::string why;
    if (process) {
      backoff_.reset();
      if (process->state != model::ProcessState::Running) {
        why = fmt::format("it is {} on the server", model::to_string(process->state));
      } else if (process->assignedexecutorid != my_id_) {
        why = "the server assigned it to another executor";
      }
    } else if (process.error().code == ErrorCode::NotFound) {
      why = "it was removed from the server";
    } else if (note_failure(process.error(), now)) {
      return;
    } else {
      spdlog::warn("could not check process {}: {}", id, process.error().message);
    }
    if (why.empty()) continue;
    spdlog::info("stopping the job of process {}: {}", id, why);
    job->fate = Job::Fate::Abandoned;
    job->logs.clear();
    if (auto cancelled = backend_.cancel(job->handle, "process is no longer assigned to this executor: " + why);
        !cancelled) {
      spdlog::warn("backend could not cancel the job of process {}: {}", id, cancelled.error().message);
    }
  }
}

void JobWorker::shutdown_step(Clock::time_point now) {
  if (!slots_.stopping()) return;
  if (!grace_deadline_) {
    auto grace = slots_.immediate() ? std::chrono::milliseconds(0) : config_.shutdown_grace;
    grace_deadline_ = now + grace;
    spdlog::info("stopping: no new work; {} job(s) running get {} ms to finish", jobs_.size(), grace.count());
  } else if (slots_.immediate() && *grace_deadline_ > now) {
    grace_deadline_ = now;
  }
  if (now < *grace_deadline_) return;
  for (auto& [serial, job] : jobs_) {
    const std::string& id = job->processid;
    if (job->fate != Job::Fate::Running) continue;
    job->fate = Job::Fate::ShuttingDown;
    spdlog::info("killing the job of process {}: executor shutting down", id);
    if (auto cancelled = backend_.cancel(job->handle, std::string(kShuttingDown)); !cancelled) {
      spdlog::warn("backend could not cancel the job of process {}: {}", id, cancelled.error().message);
    }
  }
}

bool JobWorker::done(Clock::time_point now) const {
  if (!slots_.stopping() || !slots_.pull_done() || !jobs_.empty() || slots_.in_flight() > 0) return false;
  if (deliveries_.empty()) return true;
  return grace_deadline_ && now >= *grace_deadline_ + config_.shutdown_delivery;
}

std::chrono::milliseconds JobWorker::wait_budget(Clock::time_point now) const {
  Clock::time_point until = now + kMaxWait;
  auto earlier = [&](Clock::time_point t) { until = std::min(until, std::max(t, now)); };
  const Clock::time_point server_ok = std::max(now, quiet_until_);
  for (const auto& [serial, job] : jobs_) {
    if (auto due = job->logs.next_due()) earlier(std::max(*due, server_ok));
    if (job->fate == Job::Fate::Running) earlier(std::max(job->next_check, server_ok));
  }
  if (!deliveries_.empty()) earlier(server_ok);
  if (grace_deadline_ && *grace_deadline_ > now) earlier(*grace_deadline_);
  return std::chrono::duration_cast<std::chrono::milliseconds>(until - now);
}

}  // namespace colonies::executors
