// SlurmBackend (see slurm_backend.hpp): the job table, the batched state query, output tailing
// and the end of jobs. Slurm mechanics are behind SlurmApi; translation in job_request.cpp.
#include "executors/slurm/slurm_backend.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "executors/slurm/job_outcome.hpp"

namespace colonies::executors::slurm {

namespace {

constexpr std::size_t kReadPerRound = 256 * 1024;  // per file and poll: one flooding job cannot starve others
constexpr std::string_view kNotePrefix = "slurm: ";

Status make_dir(const std::string& dir, std::string_view what) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || ::access(dir.c_str(), W_OK | X_OK) != 0) {
    return fail(ErrorCode::Unavailable, "the {} {} cannot be created or written{}", what, dir,
                ec ? ": " + ec.message() : std::string());
  }
  return ok();
}

}  // namespace

Status make_directories(const SiteConfig& site) {
  COLONIES_CHECK(make_dir(site.workdir, "work directory"));
  return make_dir(site.output_dir, "output directory");
}

Result<std::unique_ptr<SlurmBackend>> SlurmBackend::create(SlurmBackendConfig config, std::unique_ptr<SlurmApi> api) {
  COLONIES_CHECK(validate(config.site));
  COLONIES_CHECK(make_directories(config.site));
  if (!config.now) config.now = [] { return Clock::now(); };
  if (config.poll_interval.count() <= 0) config.poll_interval = std::chrono::milliseconds(2'000);
  return std::unique_ptr<SlurmBackend>(new SlurmBackend(std::move(config), std::move(api)));
}

SlurmBackend::SlurmBackend(SlurmBackendConfig config, std::unique_ptr<SlurmApi> api)
    : config_(std::move(config)), api_(std::move(api)) {}

void SlurmBackend::wake() {
  {
    std::lock_guard lock(wake_mutex_);
    woken_ = true;
  }
  wake_cv_.notify_one();
}

BackendStats SlurmBackend::stats() const {
  return BackendStats{static_cast<int>(jobs_.size()), submitted_, finished_};
}

Result<JobHandle> SlurmBackend::submit(const model::Process& process, JobSink& sink) {
  COLONIES_TRY(request, translate(process, config_.site));
  COLONIES_CHECK(make_dir(request.work_dir, "job directory"));
  const auto now = config_.now();
  Job job;
  job.sink = &sink;
  job.processid = process.processid;
  job.submitted = now;
  job.submit_deadline = now + config_.submit_retry;
  if (config_.array_max > 1) {
    // Waits for compatible processes; poll() submits the batch.
    const JobHandle handle = next_handle_++;
    job.queued = std::move(request);
    jobs_.emplace(handle, std::move(job));
    enqueue(handle, now + config_.array_window);
    ++submitted_;
    return handle;
  }
  spdlog::debug("process {}: submitting\n{}", process.processid, render(request));
  auto id = api_->submit(request);
  if (!id && !slurm_unreachable(id.error())) {
    return fail(id.error().code, "Slurm did not accept the job of process {}: {}", process.processid,
                id.error().message);
  }
  const JobHandle handle = next_handle_++;
  if (!id) {
    // slurmctld is away (restart, failover): keep the process and submit it when Slurm is back.
    spdlog::warn("process {}: cannot submit to Slurm now, retrying: {}", process.processid, id.error().message);
    note(job, fmt::format("Slurm is not reachable ({}); retrying the submission", id.error().message));
    job.retry_noted = true;
    job.queued = std::move(request);
    jobs_.emplace(handle, std::move(job));
    enqueue(handle, now + config_.poll_interval);
    ++submitted_;
    return handle;
  }
  job.id = *id;
  job.out.path = resolve_output_path(request.std_out, *id);
  job.err.path = resolve_output_path(request.std_err, *id);
  spdlog::info("process {}: submitted as Slurm job {} ({})", process.processid, *id, api_->name());
  note(job, fmt::format("submitted as Slurm job {}", *id));
  jobs_.emplace(handle, std::move(job));
  ++submitted_;
  return handle;
}

Status SlurmBackend::cancel(JobHandle handle, std::string reason) {
  auto it = jobs_.find(handle);
  if (it == jobs_.end()) return fail(ErrorCode::NotFound, "no Slurm job with handle {}", handle);
  Job& job = it->second;
  if (!job.cancel_reason.empty()) return ok();
  job.cancel_reason = std::move(reason);
  if (job.queued) {
    // Not in Slurm yet: it ends, unsubmitted, when its batch goes out (within the array window).
    next_query_ = config_.now();
    return ok();
  }
  if (auto killed = kill(job); !killed) {
    spdlog::warn("process {}: scancel of Slurm job {} failed, retrying: {}", job.processid, label(job),
                 killed.error().message);
    job.kill_pending = true;
  } else {
    note(job, fmt::format("cancelling Slurm job {}: {}", label(job), job.cancel_reason));
  }
  next_query_ = config_.now();  // report the CANCELLED state as soon as Slurm shows it
  return ok();
}

Result<std::vector<ReattachedJob>> SlurmBackend::reattach(
    const std::function<JobSink&(const std::string&)>& sink_for) {
  COLONIES_TRY(found, api_->find_by_comment(comment_prefix(config_.site.executor_name)));
  // One job per process: the newest. An older one is the attempt a re-queue replaced.
  struct Where {
    SlurmJobId id = 0;
    std::optional<std::uint32_t> task;
    std::string token;
  };
  std::map<std::string, Where> newest;
  auto consider = [&](const std::string& processid, Where where) {
    auto& slot = newest[processid];
    if (where.id > slot.id) slot = where;
  };
  for (const auto& status : found) {
    if (auto processid = processid_of_comment(status.comment, config_.site.executor_name)) {
      if (status.array_job_id == 0) consider(*processid, Where{status.job_id, std::nullopt});
      continue;
    }
    auto token = array_token_of_comment(status.comment, config_.site.executor_name);
    if (status.array_job_id == 0 || !token) continue;
    std::ifstream map(array_map_path(config_.site, *token));
    if (!map) {
      spdlog::warn("Slurm job array {} is ours but its process list {} cannot be read; its tasks are not followed",
                   status.array_job_id, array_map_path(config_.site, *token));
      continue;
    }
    std::string processid;
    for (std::uint32_t task = 0; std::getline(map, processid); ++task) {
      if (!processid.empty()) consider(processid, Where{status.array_job_id, task, *token});
    }
  }
  std::vector<ReattachedJob> reattached;
  for (auto& [processid, where] : newest) {
    const JobHandle handle = next_handle_++;
    Job job;
    job.sink = &sink_for(processid);
    job.processid = processid;
    job.id = where.id;
    job.task = where.task;
    job.array_token = where.token;
    if (where.task) {
      std::tie(job.out.path, job.err.path) = array_output_paths(config_.site, where.id, *where.task);
    } else {
      auto [out, err] = output_patterns(config_.site, processid);
      job.out.path = resolve_output_path(out, where.id);
      job.err.path = resolve_output_path(err, where.id);
    }
    job.submitted = config_.now();
    spdlog::info("process {}: found Slurm job {} from before the restart", processid, label(job));
    note(job, fmt::format("executor restarted; following Slurm job {} again", label(job)));
    jobs_.emplace(handle, std::move(job));
    reattached.push_back(ReattachedJob{processid, handle});
  }
  next_query_ = config_.now();
  return reattached;
}

Status SlurmBackend::kill(Job& job) {
  return job.task ? api_->kill_array_task(job.id, *job.task) : api_->kill(job.id);
}

std::string SlurmBackend::label(const Job& job) const {
  return job.task ? fmt::format("{}_{}", job.id, *job.task) : std::to_string(job.id);
}

void SlurmBackend::note(Job& job, const std::string& text) { job.notes.push_back(std::string(kNotePrefix) + text); }

void SlurmBackend::flush_notes(Job& job) {
  for (const auto& text : job.notes) job.sink->line(OutputStream::Stdout, text);
  job.notes.clear();
}

Status SlurmBackend::poll(std::chrono::milliseconds timeout) {
  auto now = config_.now();
  if (!next_query_) next_query_ = now;
  if (!jobs_.empty()) {
    auto until_query = std::chrono::ceil<std::chrono::milliseconds>(*next_query_ - now);
    timeout = std::min(timeout, std::max(until_query, std::chrono::milliseconds(0)));
  }
  for (const auto& [key, batch] : batches_) {
    auto until_flush = std::chrono::ceil<std::chrono::milliseconds>(batch.due - now);
    timeout = std::min(timeout, std::max(until_flush, std::chrono::milliseconds(0)));
  }
  if (timeout.count() > 0) {
    std::unique_lock lock(wake_mutex_);
    wake_cv_.wait_for(lock, timeout, [this] { return woken_; });
  }
  {
    std::lock_guard lock(wake_mutex_);
    woken_ = false;
  }
  now = config_.now();
  flush_batches(now, /*all=*/false);
  for (auto& [handle, job] : jobs_) {
    flush_notes(job);
    if (job.queued) continue;
    read_tail(job, job.out, false, false);
    read_tail(job, job.err, true, false);
  }
  if (jobs_.empty() || now < *next_query_) return ok();
  next_query_ = now + config_.poll_interval;
  Status queried = query_all(now);
  for (auto& [handle, job] : jobs_) flush_notes(job);
  return queried;
}

Status SlurmBackend::query_all(Clock::time_point now) {
  std::vector<SlurmJobId> ids;
  for (auto& [handle, job] : jobs_) {
    if (job.queued) continue;
    if (job.kill_pending && kill(job)) {
      job.kill_pending = false;
      note(job, fmt::format("cancelling Slurm job {}: {}", label(job), job.cancel_reason));
    }
    if (std::find(ids.begin(), ids.end(), job.id) == ids.end()) ids.push_back(job.id);
  }
  if (ids.empty()) return ok();
  ++queries_;
  auto statuses = api_->query(ids);
  if (!statuses) {
    return fail(statuses.error().code, "cannot query Slurm for {} job(s): {}", ids.size(), statuses.error().message);
  }
  // Plain jobs by id; array tasks by (array, task), pending ones from their record's task set.
  std::map<SlurmJobId, const JobStatus*> plain;
  std::map<std::pair<SlurmJobId, std::uint32_t>, const JobStatus*> tasks;
  for (const auto& s : *statuses) {
    if (s.array_job_id == 0) {
      plain[s.job_id] = &s;
    } else if (s.array_task_id) {
      tasks[{s.array_job_id, *s.array_task_id}] = &s;
    } else {
      for (auto t : s.pending_tasks) tasks.emplace(std::make_pair(s.array_job_id, t), &s);
    }
  }
  auto lookup = [&](const Job& job) -> const JobStatus* {
    if (job.task) {
      auto it = tasks.find({job.id, *job.task});
      return it == tasks.end() ? nullptr : it->second;
    }
    auto it = plain.find(job.id);
    return it == plain.end() ? nullptr : it->second;
  };

  std::vector<SlurmJobId> missing;
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    Job& job = it->second;
    auto next = std::next(it);
    if (job.queued) {
      it = next;
      continue;
    }
    const JobStatus* found = lookup(job);
    if (!found) {
      if (!job.cancel_reason.empty()) {
        // We cancelled it and Slurm dropped it (a pending array task leaves no record).
        JobStatus gone{job.id, JobState::Cancelled, "CANCELLED", "", std::nullopt, "", ""};
        finish(it, describe_end(gone, job.cancel_reason, job.capture));
      } else {
        if (!job.missing_since) job.missing_since = now;
        if (std::find(missing.begin(), missing.end(), job.id) == missing.end()) missing.push_back(job.id);
      }
      it = next;
      continue;
    }
    job.missing_since.reset();
    update(job, *found);
    if (is_terminal(found->state)) {
      read_tail(job, job.out, false, true);
      read_tail(job, job.err, true, true);
      finish(it, describe_end(*found, job.cancel_reason, job.capture));
    }
    it = next;
  }
  if (missing.empty()) return ok();
  // Jobs slurmctld forgot (MinJobAge passed while we were away or slow): ask accounting, once
  // for all of them.
  auto accounting = api_->query_accounting(missing);
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    auto next = std::next(it);
    if (it->second.missing_since && !it->second.queued) forgotten(it, now, accounting);
    it = next;
  }
  return ok();
}

void SlurmBackend::forgotten(std::map<JobHandle, Job>::iterator it, Clock::time_point now,
                             const Result<std::vector<JobStatus>>& accounting) {
  Job& job = it->second;
  if (accounting) {
    for (const auto& status : *accounting) {
      const bool same = job.task ? status.array_job_id == job.id && status.array_task_id == job.task
                                 : status.array_job_id == 0 && status.job_id == job.id;
      if (!same || !is_terminal(status.state)) continue;
      read_tail(job, job.out, false, true);
      read_tail(job, job.err, true, true);
      note(job, fmt::format("Slurm job {} ended while unobserved; accounting says {}", label(job), status.state_name));
      finish(it, describe_end(status, job.cancel_reason, job.capture));
      return;
    }
  }
  // Right after a submit or a restart a job may not be listed for a moment; afterwards only
  // accounting can tell, and it lags slurmctld by seconds: wait for the grace before giving up.
  const bool give_up = !accounting ? job.state.has_value() || now - job.submitted >= config_.forgotten_grace
                                   : now - *job.missing_since >= config_.forgotten_grace;
  if (!give_up) return;
  read_tail(job, job.out, false, true);
  read_tail(job, job.err, true, true);
  const std::string why =
      accounting ? fmt::format("slurmctld no longer lists it and accounting (sacct) has no end for it after {} s",
                               std::chrono::duration_cast<std::chrono::seconds>(config_.forgotten_grace).count())
                 : fmt::format("slurmctld no longer lists it (it forgets ended jobs after MinJobAge) and job "
                               "accounting is not available ({}), so whether it succeeded cannot be known",
                               accounting.error().message);
  finish(it, unknown_end(label(job), why));
}

void SlurmBackend::update(Job& job, const JobStatus& status) {
  const bool first = !job.state.has_value();
  const JobState previous = job.state.value_or(JobState::Pending);
  job.state = status.state;
  if (status.state == JobState::Pending) {
    std::string reason = status.reason == "None" ? std::string() : status.reason;
    if (first || reason != job.reason) {
      note(job, reason.empty() ? fmt::format("Slurm job {} is pending", label(job))
                               : fmt::format("Slurm job {} is pending: {}", label(job), reason));
    }
    job.reason = std::move(reason);
    return;
  }
  job.reason.clear();
  if (status.state == JobState::Running && (first || previous != JobState::Running)) {
    note(job, fmt::format("Slurm job {} is running on {}", label(job), status.nodes.empty() ? "?" : status.nodes));
  } else if (status.state == JobState::Suspended && previous != JobState::Suspended) {
    note(job, fmt::format("Slurm job {} is suspended", label(job)));
  } else if (status.state == JobState::Unknown && (first || previous != JobState::Unknown)) {
    spdlog::warn("process {}: Slurm job {} is in state '{}', unknown to this executor; treating it as running",
                 job.processid, job.id, status.state_name);
  }
}

void SlurmBackend::read_tail(Job& job, Tail& tail, bool is_stderr, bool to_end) {
  const int fd = ::open(tail.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;  // not created yet (pending), or never (no output)
  std::string bytes;
  std::size_t budget = to_end ? SIZE_MAX : kReadPerRound;
  char buffer[64 * 1024];
  while (budget > 0) {
    ssize_t n = ::pread(fd, buffer, std::min(sizeof buffer, budget), static_cast<off_t>(tail.offset));
    if (n <= 0) break;
    bytes.append(buffer, static_cast<std::size_t>(n));
    tail.offset += static_cast<std::uint64_t>(n);
    budget -= static_cast<std::size_t>(n);
  }
  ::close(fd);
  auto emit = [&](std::string_view line) {
    job.capture.add(is_stderr, line);
    job.sink->line(is_stderr ? OutputStream::Stderr : OutputStream::Stdout, line);
  };
  tail.lines.feed(bytes, emit);
  if (to_end) tail.lines.finish(emit);
}

void SlurmBackend::finish(std::map<JobHandle, Job>::iterator it, JobResult result) {
  Job& job = it->second;
  JobSink* sink = job.sink;
  flush_notes(job);
  if (!job.array_token.empty()) {
    // The last task of an array to end takes the array's process list with it.
    const bool last = std::none_of(jobs_.begin(), jobs_.end(), [&](const auto& other) {
      return other.first != it->first && other.second.array_token == job.array_token;
    });
    std::error_code ec;
    if (last) std::filesystem::remove(array_map_path(config_.site, job.array_token), ec);
  }
  spdlog::info("process {}: {}", job.processid, result.summary);
  jobs_.erase(it);
  ++finished_;
  sink->finished(std::move(result));
}

}  // namespace colonies::executors::slurm
