// The worker thread (see job_worker.hpp): one loop that alternates between the backend (submit,
// poll, cancel) and the server (addlog, close, getprocess). Calls to the server are paused for a
// backoff after a transient failure so that a dead server costs no busy loop, while the backend
// keeps being polled and enforces its time limits meanwhile.
#include "executors/common/job_worker.hpp"

#include <algorithm>
#include <set>

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
  // Detached: left running at a stop (Backend::jobs_outlive_executor); still ours if it ends
  // before the worker exits, else the next start reattaches to it.
  enum class Fate { Running, Abandoned, ShuttingDown, Detached };

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
  bool journaled = false;  // has an entry in the spool's journal
};

// A finished job's remaining log batches and its close, delivered in that order (after the close
// the server refuses logs of the process).
struct JobWorker::Delivery {
  std::string processid;
  std::deque<std::string> logs;  // batches, oldest first
  bool success = false;
  json::array out;
  std::vector<std::string> errors;
  bool close = true;
  bool logs_only = false;  // the output of a superseded attempt: nothing to close or count
  bool spooled = false;    // its close is on disk (spool_) until the server acknowledges it
  std::size_t spooled_batches = 0;  // how many of its log batches the spooled file still holds
  bool lost = false;       // a close of a job lost in a restart (counted apart)

  SpooledClose to_spool() const {
    return SpooledClose{processid, success, out, errors, std::vector<std::string>(logs.begin(), logs.end()), 0};
  }
};

JobWorker::JobWorker(const RuntimeConfig& config, client::Client& client, Backend& backend, JobSlots& slots,
                     WorkerCounters& counters, Spool& spool)
    : config_(config),
      client_(client),
      backend_(backend),
      slots_(slots),
      counters_(counters),
      spool_(spool),
      my_id_(client.id()),
      backoff_(config.backoff_initial, config.backoff_max) {}

JobWorker::~JobWorker() = default;

void JobWorker::run() {
  load_spool();
  reattach();
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
    recovery_step(now);
    check_ownership(now);
    shutdown_step(now);
    if (done(now)) break;
  }
  for (const auto& [serial, job] : jobs_) {
    ++counters_.detached;
    spdlog::info("process {} keeps running on {} (journaled in {})", job->processid, backend_.name(),
                 spool_.dir().string());
  }
  // Nothing is lost here: a spooled close waits on disk for the next start.
  for (const auto& d : deliveries_) {
    if (!d.close || d.logs_only) continue;
    ++counters_.undelivered;
    if (d.spooled) {
      spdlog::warn("the server has not taken the close of process {} ({}) yet; it stays in the spool {} and is "
                   "delivered when this executor starts again",
                   d.processid, d.success ? "successful" : "failed", spool_.dir().string());
    } else {
      spdlog::error("giving up closing process {} ({}): the server did not take it before shutdown and it could not "
                    "be spooled; it stays RUNNING until its maxexectime, if any",
                    d.processid, d.success ? "successful" : "failed");
    }
  }
  deliveries_.clear();
  if (recovering_) slots_.resume_pulling();  // stopped during recovery: let the pull thread end
}

void JobWorker::load_spool() {
  for (auto& close : spool_.load_closes()) {
    Delivery d{close.processid, std::deque<std::string>(close.logs.begin(), close.logs.end()), close.success,
               std::move(close.out), std::move(close.errors)};
    d.spooled = true;
    d.spooled_batches = d.logs.size();
    spdlog::info("delivering the spooled close of process {} ({}) from before the restart", d.processid,
                 d.success ? "successful" : "failed");
    deliveries_.push_back(std::move(d));
  }
  recovered_closes_ = deliveries_.size();
}

void JobWorker::reattach() {
  std::set<std::string> spooled;
  for (const auto& d : deliveries_) spooled.insert(d.processid);
  std::vector<KnownJob> journal;
  for (auto& entry : spool_.load_jobs()) {
    if (spooled.contains(entry.processid)) {
      // A crash between spooling the close and dropping the entry: the job is over.
      forget_job(entry.processid);
      continue;
    }
    if (entry.backend != backend_.name()) {
      spdlog::warn("the journal names a job of process {} run by backend '{}', not '{}'; it cannot be reattached",
                   entry.processid, entry.backend, backend_.name());
      continue;
    }
    journal.push_back(KnownJob{entry.processid, entry.token});
  }
  std::map<std::string, Job*> sinks;  // jobs created for reattach, by processid
  std::map<std::string, std::uint64_t> serials;
  auto reattached = backend_.reattach_known(journal, [this, &sinks, &serials](const std::string& processid) -> JobSink& {
    if (auto it = sinks.find(processid); it != sinks.end()) return *it->second;
    auto job = std::make_unique<Job>(processid, limits_of(config_));
    Job& ref = *job;
    serials[processid] = next_serial_;
    jobs_[next_serial_++] = std::move(job);
    sinks[processid] = &ref;
    return ref;
  });
  std::set<std::string> found;
  if (!reattached) {
    spdlog::error("backend {} could not look for jobs from before the restart: {}", backend_.name(),
                  reattached.error().message);
  } else {
    for (const auto& job : *reattached) {
      // Ownership is checked at once: the server may have moved on while we were away.
      if (auto it = sinks.find(job.processid); it != sinks.end()) {
        it->second->handle = job.handle;
        it->second->next_check = Clock::now();
        it->second->journaled = true;
        slots_.adopt();
        found.insert(job.processid);
        spdlog::info("reattached to the job of process {}", job.processid);
      }
    }
  }
  // A sink handed out for a job the backend then did not return tracks nothing.
  for (const auto& [processid, serial] : serials) {
    if (!found.contains(processid)) jobs_.erase(serial);
  }
  // Journal entries of jobs not found are settled by settle_lost_jobs (the server says whether
  // they still run here); the journal keeps only what is tracked.
  for (const auto& entry : journal) {
    if (found.contains(entry.processid)) continue;
    spdlog::info("the job of process {} from before the restart is gone", entry.processid);
    forget_job(entry.processid);
  }
}

void JobWorker::recovery_step(Clock::time_point now) {
  if (!recovering_ || recovered_closes_ > 0 || server_quiet(now) || slots_.stopping()) return;
  if (!settle_lost_jobs(now)) return;
  recovering_ = false;
  slots_.resume_pulling();
}

bool JobWorker::settle_lost_jobs(Clock::time_point now) {
  // Any process submitted within this many seconds: the server caps nothing but the count.
  constexpr std::int64_t kLookback = 20LL * 365 * 24 * 3600;
  auto running = client_.get_process_history(config_.colony_name, my_id_, kLookback, model::ProcessState::Running);
  if (!running) {
    if (note_failure(running.error(), now)) return false;
    spdlog::warn("could not ask the server which processes still run on this executor ({}); jobs lost in a restart "
                 "are left to their maxexectime",
                 running.error().message);
    return true;
  }
  note_success();
  std::set<std::string> known;
  for (const auto& [serial, job] : jobs_) known.insert(job->processid);
  for (const auto& d : deliveries_) {
    if (d.close) known.insert(d.processid);
  }
  for (const auto& process : *running) {
    if (process.assignedexecutorid != my_id_ || known.contains(process.processid)) continue;
    spdlog::warn("process {} ({}) runs on this executor according to the server, but its job did not survive the "
                 "restart; closing it failed",
                 process.processid, process.spec.funcname);
    Delivery d{process.processid};
    d.errors.push_back(std::string(kLostJob));
    d.lost = true;
    enqueue(std::move(d));
  }
  return true;
}

void JobWorker::enqueue(Delivery d) {
  if (d.close && !d.logs_only) {
    auto spooled = spool_.put_close(d.to_spool());
    if (spooled) {
      d.spooled = true;
      d.spooled_batches = d.logs.size();
    } else {
      spdlog::error("cannot spool the close of process {}: {}; it is kept in memory only and lost if the executor "
                    "stops before the server takes it",
                    d.processid, spooled.error().message);
    }
  }
  deliveries_.push_back(std::move(d));
}

void JobWorker::unspool(const Delivery& d) {
  if (!d.spooled) return;
  if (auto removed = spool_.remove_close(d.processid); !removed) {
    spdlog::error("cannot remove the delivered close of process {} from the spool: {}", d.processid,
                  removed.error().message);
  }
}

void JobWorker::forget_job(const std::string& processid) {
  if (auto removed = spool_.remove_job(processid); !removed) {
    spdlog::error("cannot remove process {} from the job journal: {}", processid, removed.error().message);
  }
}

void JobWorker::supersede(const std::string& processid) {
  // A close still on its way belongs to the previous attempt; delivered now it would close the
  // new one. Its logs are still the process's history and are shipped.
  for (auto& d : deliveries_) {
    if (d.processid != processid || !d.close) continue;
    d.close = false;
    unspool(d);
    d.spooled = false;
    spdlog::info("dropping the undelivered result of the previous attempt of process {}", processid);
  }
  for (auto& [serial, job] : jobs_) {
    if (job->processid != processid || job->fate != Job::Fate::Running) continue;
    spdlog::info("process {} was assigned again; stopping the job of its previous attempt", processid);
    job->fate = Job::Fate::Abandoned;
    Delivery logs{processid, job->logs.drain()};
    logs.close = false;
    logs.logs_only = true;
    deliveries_.push_back(std::move(logs));
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
    Delivery d{process.processid};
    d.errors.push_back(handle.error().message);
    enqueue(std::move(d));
    slots_.release(job->reservation);
    return;
  }
  job->handle = *handle;
  // The journal lets a restarted executor find the job again. Jobs that die with the executor
  // and carry no token are not journaled (each entry costs fsyncs): after a restart the server's
  // list of processes RUNNING here says which of them were lost.
  std::string token = backend_.job_token(*handle);
  if (!token.empty() || backend_.jobs_outlive_executor()) {
    if (auto journaled = spool_.put_job(JournaledJob{process.processid, std::string(backend_.name()), token, 0});
        !journaled) {
      spdlog::error("cannot write the job of process {} to the journal: {}; a restart would not find it again",
                    process.processid, journaled.error().message);
    } else {
      job->journaled = true;
    }
  }
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
      const bool ours = job.fate == Job::Fate::Running || job.fate == Job::Fate::Detached;
      Delivery d{job.processid, job.logs.drain(), job.result->success && ours,
                 std::move(job.result->out), std::move(job.result->errors)};
      d.close = job.result->close || job.fate == Job::Fate::ShuttingDown;
      if (!d.success && d.errors.empty()) d.errors.push_back("the job failed without saying why");
      if (job.fate == Job::Fate::ShuttingDown && d.errors.front() != kShuttingDown) {
        d.errors.insert(d.errors.begin(), std::string(kShuttingDown));
      }
      enqueue(std::move(d));  // spooled before the journal entry goes: the job is never unknown
    }
    // Another attempt of the same process may have been journaled since (supersede).
    const bool newer_attempt = std::any_of(jobs_.begin(), jobs_.end(), [&](const auto& other) {
      return other.second.get() != &job && other.second->processid == job.processid;
    });
    if (job.journaled && !newer_attempt) forget_job(job.processid);
    slots_.release(job.reservation);
    it = jobs_.erase(it);
  }
}

bool JobWorker::note_failure(const Error& error, Clock::time_point now) {
  // 401 too: a clock that drifted or a server that lost its state for a moment must not cost a
  // result; the pull loop tells the user what to check.
  if (!is_transient(error) && error.code != ErrorCode::Unauthenticated) return false;
  const int failures = backoff_.failures();
  const auto delay = backoff_.next();
  // The first failure and then every 5th: progress without a line per attempt.
  if (failures % 5 == 0) {
    spdlog::warn("server {} unreachable ({}); the worker retries its calls in {} ({} close(s) waiting)",
                 client_.endpoint(), error.message, describe_delay(delay), deliveries_.size());
  }
  quiet_until_ = now + delay;
  return true;
}

void JobWorker::note_success() {
  if (backoff_.failures() > 0) spdlog::info("server {} reachable again for the worker", client_.endpoint());
  backoff_.reset();
}

void JobWorker::ship_logs(Clock::time_point now) {
  for (auto& [serial, job] : jobs_) {
    const std::string& id = job->processid;
    if (server_quiet(now)) return;
    if (job->fate == Job::Fate::Abandoned) continue;
    while (auto batch = job->logs.take(now)) {
      auto added = client_.add_log(id, *batch);
      if (added) {
        note_success();
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
    while (!d.logs.empty()) {
      auto added = client_.add_log(d.processid, d.logs.front());
      if (added) {
        d.logs.pop_front();
        continue;
      }
      if (note_failure(added.error(), now)) {
        logs_pending = true;
        break;
      }
      // Not ours any more (or a bad batch): the close below will tell which.
      d.logs.clear();
    }
    if (logs_pending) {
      respool(d);
      return;
    }
    if (d.logs_only) {
      pop_delivery();
      continue;
    }
    if (!d.close) {
      ++counters_.abandoned;
      spdlog::info("process {} is left to the server to re-queue or fail", d.processid);
      pop_delivery();
      continue;
    }
    Status closed = d.success ? client_.close_successful(d.processid, d.out) : client_.close_failed(d.processid, d.errors);
    if (!closed && note_failure(closed.error(), now)) {
      respool(d);
      return;
    }
    note_success();
    if (closed) {
      ++(d.lost ? counters_.lost : d.success ? counters_.succeeded : counters_.failed);
      spdlog::info("closed process {} {}", d.processid, d.success ? "successful" : "failed");
      unspool(d);
    } else if (closed.error().code == ErrorCode::Forbidden || closed.error().code == ErrorCode::Conflict ||
               closed.error().code == ErrorCode::NotFound) {
      ++counters_.abandoned;
      spdlog::info("process {} was no longer ours to close ({}); its result is dropped", d.processid,
                   closed.error().message);
      unspool(d);
    } else {
      ++counters_.undelivered;
      spdlog::error("the server refused closing process {}: {}", d.processid, closed.error().message);
      if (d.spooled) {
        spool_.set_aside_close(d.processid, "the server refused the close: " + closed.error().message);
      }
    }
    pop_delivery();
  }
}

void JobWorker::respool(Delivery& d) {
  // Only when delivery has to wait: on the usual path the close follows its logs at once and the
  // file is removed, so rewriting it would cost two fsyncs for nothing.
  if (!d.spooled || d.logs.size() == d.spooled_batches) return;
  if (auto rewritten = spool_.put_close(d.to_spool()); !rewritten) {
    spdlog::warn("cannot update the spooled close of process {}: {}", d.processid, rewritten.error().message);
    return;
  }
  d.spooled_batches = d.logs.size();
}

void JobWorker::pop_delivery() {
  deliveries_.pop_front();
  if (recovered_closes_ > 0) --recovered_closes_;
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
      note_success();
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
  if (backend_.jobs_outlive_executor()) {
    for (auto& [serial, job] : jobs_) {
      if (job->fate != Job::Fate::Running) continue;
      job->fate = Job::Fate::Detached;
      spdlog::info("leaving the job of process {} running on {}; the next start reattaches to it", job->processid,
                   backend_.name());
    }
  }
  // The delivery window starts when the last job is over, not when the grace ends: with nothing
  // running there is nothing to wait for but the server.
  if (!jobs_over_ && only_detached_left()) jobs_over_ = now;
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

bool JobWorker::only_detached_left() const {
  if (!slots_.pull_done()) return false;
  const auto detached = std::count_if(jobs_.begin(), jobs_.end(),
                                      [](const auto& entry) { return entry.second->fate == Job::Fate::Detached; });
  return static_cast<std::size_t>(detached) == jobs_.size() && slots_.in_flight() == static_cast<int>(detached);
}

bool JobWorker::done(Clock::time_point now) const {
  if (!slots_.stopping() || !only_detached_left()) return false;
  if (deliveries_.empty()) return true;
  return jobs_over_ && now >= *jobs_over_ + config_.shutdown_delivery;
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
  if (recovering_ && recovered_closes_ == 0 && !slots_.stopping()) earlier(server_ok);
  if (grace_deadline_ && *grace_deadline_ > now) earlier(*grace_deadline_);
  return std::chrono::duration_cast<std::chrono::milliseconds>(until - now);
}

}  // namespace colonies::executors
