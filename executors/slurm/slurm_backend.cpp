// SlurmBackend (see slurm_backend.hpp): the job table, the batched state query, output tailing
// and the end of jobs. Slurm mechanics are behind SlurmApi; translation in job_request.cpp.
#include "executors/slurm/slurm_backend.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
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

Result<std::unique_ptr<SlurmBackend>> SlurmBackend::create(SlurmBackendConfig config, std::unique_ptr<SlurmApi> api) {
  COLONIES_CHECK(validate(config.site));
  COLONIES_CHECK(make_dir(config.site.workdir, "work directory"));
  COLONIES_CHECK(make_dir(config.site.output_dir, "output directory"));
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
  spdlog::debug("process {}: submitting\n{}", process.processid, render(request));
  auto id = api_->submit(request);
  if (!id) {
    return fail(id.error().code, "Slurm did not accept the job of process {}: {}", process.processid,
                id.error().message);
  }
  const JobHandle handle = next_handle_++;
  Job job;
  job.sink = &sink;
  job.processid = process.processid;
  job.id = *id;
  job.out.path = resolve_output_path(request.std_out, *id);
  job.err.path = resolve_output_path(request.std_err, *id);
  job.submitted = config_.now();
  spdlog::info("process {}: submitted as Slurm job {} ({})", process.processid, *id, api_->name());
  note(job, fmt::format("submitted as Slurm job {}", *id));
  jobs_.emplace(handle, std::move(job));
  ++submitted_;
  // The first state query comes soon after a submit rather than a whole interval later; it still
  // covers every job in flight.
  return handle;
}

Status SlurmBackend::cancel(JobHandle handle, std::string reason) {
  auto it = jobs_.find(handle);
  if (it == jobs_.end()) return fail(ErrorCode::NotFound, "no Slurm job with handle {}", handle);
  Job& job = it->second;
  if (!job.cancel_reason.empty()) return ok();
  job.cancel_reason = std::move(reason);
  if (auto killed = api_->kill(job.id); !killed) {
    spdlog::warn("process {}: scancel of Slurm job {} failed, retrying: {}", job.processid, job.id,
                 killed.error().message);
    job.kill_pending = true;
  } else {
    note(job, fmt::format("cancelling Slurm job {}: {}", job.id, job.cancel_reason));
  }
  next_query_ = config_.now();  // report the CANCELLED state as soon as Slurm shows it
  return ok();
}

Result<std::vector<ReattachedJob>> SlurmBackend::reattach(
    const std::function<JobSink&(const std::string&)>& sink_for) {
  COLONIES_TRY(found, api_->find_by_comment(comment_prefix(config_.site.executor_name)));
  // One job per process: the newest. An older one is the attempt a re-queue replaced.
  std::map<std::string, JobStatus> newest;
  for (auto& status : found) {
    auto processid = processid_of_comment(status.comment, config_.site.executor_name);
    if (!processid) continue;
    auto& slot = newest[*processid];
    if (status.job_id > slot.job_id) slot = std::move(status);
  }
  std::vector<ReattachedJob> reattached;
  for (auto& [processid, status] : newest) {
    const JobHandle handle = next_handle_++;
    Job job;
    job.sink = &sink_for(processid);
    job.processid = processid;
    job.id = status.job_id;
    auto [out, err] = output_patterns(config_.site, processid);
    job.out.path = resolve_output_path(out, status.job_id);
    job.err.path = resolve_output_path(err, status.job_id);
    job.submitted = config_.now();
    spdlog::info("process {}: found Slurm job {} ({}) from before the restart", processid, status.job_id,
                 status.state_name);
    note(job, fmt::format("executor restarted; following Slurm job {} again", status.job_id));
    jobs_.emplace(handle, std::move(job));
    reattached.push_back(ReattachedJob{processid, handle});
  }
  next_query_ = config_.now();
  return reattached;
}

void SlurmBackend::note(Job& job, const std::string& text) {
  job.sink->line(OutputStream::Stdout, std::string(kNotePrefix) + text);
}

Status SlurmBackend::poll(std::chrono::milliseconds timeout) {
  auto now = config_.now();
  if (!next_query_) next_query_ = now;
  if (!jobs_.empty()) {
    auto until_query = std::chrono::ceil<std::chrono::milliseconds>(*next_query_ - now);
    timeout = std::min(timeout, std::max(until_query, std::chrono::milliseconds(0)));
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
  for (auto& [handle, job] : jobs_) {
    read_tail(job, job.out, false, false);
    read_tail(job, job.err, true, false);
  }
  if (jobs_.empty() || now < *next_query_) return ok();
  next_query_ = now + config_.poll_interval;
  return query_all(now);
}

Status SlurmBackend::query_all(Clock::time_point now) {
  std::vector<SlurmJobId> ids;
  for (auto& [handle, job] : jobs_) {
    if (job.kill_pending) {
      if (api_->kill(job.id)) {
        job.kill_pending = false;
        note(job, fmt::format("cancelling Slurm job {}: {}", job.id, job.cancel_reason));
      }
    }
    ids.push_back(job.id);
  }
  ++queries_;
  auto statuses = api_->query(ids);
  if (!statuses) {
    return fail(statuses.error().code, "cannot query Slurm for {} job(s): {}", ids.size(), statuses.error().message);
  }
  std::map<SlurmJobId, const JobStatus*> by_id;
  for (const auto& s : *statuses) by_id[s.job_id] = &s;

  std::vector<SlurmJobId> missing;
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    Job& job = it->second;
    auto found = by_id.find(job.id);
    if (found == by_id.end()) {
      if (!job.missing_since) job.missing_since = now;
      missing.push_back(job.id);
      ++it;
      continue;
    }
    job.missing_since.reset();
    update(job, *found->second);
    if (is_terminal(found->second->state)) {
      read_tail(job, job.out, false, true);
      read_tail(job, job.err, true, true);
      auto next = std::next(it);
      finish(it, describe_end(*found->second, job.cancel_reason, job.capture));
      it = next;
    } else {
      ++it;
    }
  }
  if (missing.empty()) return ok();
  // Jobs slurmctld forgot (MinJobAge passed while we were away or slow): ask accounting, once
  // for all of them.
  auto accounting = api_->query_accounting(missing);
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    auto next = std::next(it);
    if (std::find(missing.begin(), missing.end(), it->second.id) != missing.end()) forgotten(it, now, accounting);
    it = next;
  }
  return ok();
}

void SlurmBackend::forgotten(std::map<JobHandle, Job>::iterator it, Clock::time_point now,
                             const Result<std::vector<JobStatus>>& accounting) {
  Job& job = it->second;
  if (accounting) {
    for (const auto& status : *accounting) {
      if (status.job_id != job.id || !is_terminal(status.state)) continue;
      read_tail(job, job.out, false, true);
      read_tail(job, job.err, true, true);
      note(job, fmt::format("Slurm job {} ended while unobserved; accounting says {}", job.id, status.state_name));
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
  finish(it, unknown_end(job.id, why));
}

void SlurmBackend::update(Job& job, const JobStatus& status) {
  const bool first = !job.state.has_value();
  const JobState previous = job.state.value_or(JobState::Pending);
  job.state = status.state;
  if (status.state == JobState::Pending) {
    std::string reason = status.reason == "None" ? std::string() : status.reason;
    if (first || reason != job.reason) {
      note(job, reason.empty() ? fmt::format("Slurm job {} is pending", job.id)
                               : fmt::format("Slurm job {} is pending: {}", job.id, reason));
    }
    job.reason = std::move(reason);
    return;
  }
  job.reason.clear();
  if (status.state == JobState::Running && (first || previous != JobState::Running)) {
    note(job, fmt::format("Slurm job {} is running on {}", job.id, status.nodes.empty() ? "?" : status.nodes));
  } else if (status.state == JobState::Suspended && previous != JobState::Suspended) {
    note(job, fmt::format("Slurm job {} is suspended", job.id));
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
  spdlog::info("process {}: {}", job.processid, result.summary);
  jobs_.erase(it);
  ++finished_;
  sink->finished(std::move(result));
}

}  // namespace colonies::executors::slurm
