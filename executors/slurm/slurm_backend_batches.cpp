// SlurmBackend, the submission side of arrays and retries (see slurm_backend.hpp): translated
// jobs waiting in batches (compatible processes for a job array, or a submission to retry while
// slurmctld is away) and the submission of a batch as one job or one array job.
#include "executors/slurm/slurm_backend.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <tuple>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace colonies::executors::slurm {

void SlurmBackend::enqueue(JobHandle handle, Clock::time_point due) {
  Batch& batch = batches_[array_key(*jobs_.at(handle).queued)];
  if (batch.handles.empty() || due < batch.due) batch.due = due;
  batch.handles.push_back(handle);
}

void SlurmBackend::flush_batches(Clock::time_point now, bool all) {
  const std::size_t chunk = static_cast<std::size_t>(std::max(config_.array_max, 1));
  std::vector<std::vector<JobHandle>> due;
  for (auto it = batches_.begin(); it != batches_.end();) {
    if (!all && now < it->second.due && it->second.handles.size() < chunk) {
      ++it;
      continue;
    }
    // A batch larger than array_max (several submits between two polls) becomes several arrays.
    auto& handles = it->second.handles;
    for (std::size_t start = 0; start < handles.size(); start += chunk) {
      auto end = std::min(handles.size(), start + chunk);
      due.emplace_back(handles.begin() + static_cast<std::ptrdiff_t>(start),
                       handles.begin() + static_cast<std::ptrdiff_t>(end));
    }
    it = batches_.erase(it);
  }
  for (auto& handles : due) submit_batch(std::move(handles), now);
}

Result<SlurmJobId> SlurmBackend::write_array_map(const std::vector<ArrayMember>& members) {
  // Written before the submit: a restarted executor needs it to know which task runs which process.
  const std::string path = array_map_path(config_.site, members.front().processid);
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::ofstream file(path, std::ios::trunc);
  for (const auto& m : members) file << m.processid << "\n";
  file.close();
  if (ec || !file) return fail(ErrorCode::Unavailable, "cannot write the job array's process list {}", path);
  return SlurmJobId{0};
}

void SlurmBackend::submit_batch(std::vector<JobHandle> handles, Clock::time_point now) {
  std::vector<ArrayMember> members;
  std::vector<JobHandle> live;
  for (JobHandle h : handles) {
    auto it = jobs_.find(h);
    if (it == jobs_.end()) continue;
    if (!it->second.cancel_reason.empty()) {
      JobResult cancelled;
      cancelled.errors = {it->second.cancel_reason, "cancelled before it was submitted to Slurm"};
      cancelled.summary = "cancelled before submission";
      finish(it, std::move(cancelled));
      continue;
    }
    members.push_back(ArrayMember{it->second.processid, *it->second.queued});
    live.push_back(h);
  }
  if (members.empty()) return;
  const bool single = members.size() == 1;
  const SlurmJobRequest request = single ? members.front().request : combine_array(members, config_.site);
  spdlog::debug("submitting {} process(es)\n{}", members.size(), render(request));
  Result<SlurmJobId> id = single ? Result<SlurmJobId>(0) : write_array_map(members);
  if (id) id = api_->submit(request);
  for (std::size_t i = 0; i < live.size(); ++i) {
    auto it = jobs_.find(live[i]);
    Job& job = it->second;
    if (!id && slurm_unreachable(id.error()) && now < job.submit_deadline) {
      // slurmctld is away (restart, failover): the batch goes again after a poll interval.
      if (i == 0) spdlog::warn("cannot submit {} process(es) to Slurm now, retrying: {}", live.size(), id.error().message);
      if (!job.retry_noted) note(job, fmt::format("Slurm is not reachable ({}); retrying the submission", id.error().message));
      job.retry_noted = true;
      enqueue(live[i], now + config_.poll_interval);
      continue;
    }
    job.queued.reset();
    if (!id) {
      JobResult refused;
      refused.errors = {fmt::format("Slurm did not accept the job of process {}: {}", job.processid, id.error().message)};
      refused.summary = "not submitted";
      finish(it, std::move(refused));
      continue;
    }
    job.id = *id;
    if (single) {
      job.out.path = resolve_output_path(request.std_out, *id);
      job.err.path = resolve_output_path(request.std_err, *id);
      note(job, fmt::format("submitted as Slurm job {}", *id));
    } else {
      job.task = static_cast<std::uint32_t>(i);
      job.array_token = members.front().processid;
      std::tie(job.out.path, job.err.path) = array_output_paths(config_.site, *id, *job.task);
      note(job, fmt::format("submitted as Slurm job {}_{} (task {} of an array of {})", *id, i, i, live.size()));
    }
  }
  if (id) spdlog::info("submitted {} process(es) as Slurm job {} ({})", live.size(), *id, api_->name());
}

}  // namespace colonies::executors::slurm
