// LocalBackend: starting jobs (see local_backend.hpp). submit() checks and plans a process, then
// it starts at once when its cores and GPUs are free or waits in a first-come-first-served queue
// that poll() works through as jobs end. Reading output and ending jobs are in local_backend.cpp.
#include <algorithm>
#include <system_error>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "executors/local/local_backend.hpp"

namespace colonies::executors::local {

namespace {

// "2 free cores", "1 free GPU", "4 free cores and 2 free GPUs".
template <typename Request>
std::string needs(const Request& r) {
  std::string text;
  if (r.cores > 0) text = fmt::format("{} free core{}", r.cores, r.cores == 1 ? "" : "s");
  if (r.gpus > 0) text += fmt::format("{}{} free GPU{}", text.empty() ? "" : " and ", r.gpus, r.gpus == 1 ? "" : "s");
  return text;
}

bool safe_dir_name(const std::string& id) {
  return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
  });
}

}  // namespace

Result<JobHandle> LocalBackend::submit(const model::Process& process, JobSink& sink) {
  COLONIES_TRY(plan, plan_launch(process, context_));
  if (!safe_dir_name(process.processid)) {
    return fail(ErrorCode::BadRequest, "process ID '{}' cannot name a work directory", process.processid);
  }
  Request request{.process = process, .plan = std::move(plan)};
  if (needs_mpi(process.spec.conditions)) {
    COLONIES_TRY(shape, plan_mpi(process));
    request.cores = shape.cores;
    request.gpus = shape.gpus;
    request.mpi = shape;
  } else if (process.spec.conditions.gpu.count > 0) {
    request.gpus = process.spec.conditions.gpu.count;
    if (request.gpus > allocator_.total_gpus()) {
      return fail(ErrorCode::BadRequest, "conditions.gpu.count is {} but this host has {} GPU{} (found by hwloc)",
                  request.gpus, allocator_.total_gpus(), allocator_.total_gpus() == 1 ? "" : "s");
    }
  }
  COLONIES_TRY(executable, find_program(request.plan.program, config_.path));
  request.executable = std::move(executable);
  const JobHandle handle = next_handle_++;
  COLONIES_CHECK(admit(handle, sink, std::move(request)));
  ++submitted_;
  return handle;
}

Status LocalBackend::admit(JobHandle handle, JobSink& sink, Request request) {
  // First come, first served: a job never overtakes one that waits for cores before it.
  if (waiting_.empty()) {
    if (auto allotment = allocator_.allot(request.cores, request.gpus)) {
      return start(handle, sink, request, std::move(*allotment));
    }
  }
  spdlog::info("process {}: waiting for {} (other jobs hold them)", request.process.processid, needs(request));
  waiting_.push_back(Waiting{handle, &sink, std::move(request), {}});
  return ok();
}

Status LocalBackend::start(JobHandle handle, JobSink& sink, Request& request, Allotment allotment) {
  const model::Process& process = request.process;
  auto give_back = [&] { allocator_.release(allotment); };
  std::filesystem::path dir = config_.workdir / process.processid;
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);  // left over from an earlier attempt of the same process
  std::filesystem::create_directory(dir, ec);
  if (ec) {
    give_back();
    return fail(ErrorCode::Unavailable, "cannot create the work directory {}: {}", dir.string(), ec.message());
  }
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  auto cleanup = [&] {
    give_back();
    std::filesystem::remove_all(dir, ec);
  };
  auto files = stage_in(process, dir);
  if (!files) {
    cleanup();
    return std::unexpected(files.error());
  }
  SpawnRequest spawn{request.executable, request.plan.argv, request.plan.env, dir};
  if (request.mpi) {
    auto mpirun = mpi_spawn_request(request, allotment, dir);
    if (!mpirun) {
      cleanup();
      return std::unexpected(mpirun.error());
    }
    spawn = std::move(*mpirun);
  } else {
    // The allotted GPUs replace any selection the environment or the spec made.
    for (const auto& entry : gpu_visibility_env(allotment, host_)) {
      const std::string name = entry.substr(0, entry.find('=') + 1);
      std::erase_if(spawn.env, [&](const std::string& e) { return e.starts_with(name); });
      spawn.env.push_back(entry);
    }
  }
  auto child = ChildProcess::spawn(spawn);
  if (!child) {
    cleanup();
    return std::unexpected(child.error());
  }
  const LaunchPlan& plan = request.plan;
  Job job{.sink = &sink, .processid = process.processid, .child = std::move(*child), .dir = dir,
          .files = std::move(*files)};
  job.started = Clock::now();
  job.allotment = std::move(allotment);
  job.mpi = request.mpi.has_value();
  if (plan.time_limit_s > 0) {
    job.deadline = job.started + std::chrono::seconds(plan.time_limit_s);
    job.deadline_reason = fmt::format("{} of {} s exceeded", plan.time_limit_name, plan.time_limit_s);
    job.server_deadline = plan.time_limit_name == "maxexectime";
  }
  spdlog::debug("process {}: started {} (pid {}) in {}", process.processid, spawn.executable, job.child.pid(),
                dir.string());
  jobs_.emplace(handle, std::move(job));
  return ok();
}

void LocalBackend::start_waiting() {
  auto not_started = [&](Waiting& waiting, const std::string& why) {
    JobResult result;
    result.errors = {why};
    result.summary = fmt::format("not started: {}", why);
    ++finished_;
    waiting.sink->finished(std::move(result));
  };
  // Cancelled jobs leave the queue wherever they are in it.
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (it->cancel_reason.empty()) {
      ++it;
      continue;
    }
    not_started(*it, it->cancel_reason);
    it = waiting_.erase(it);
  }
  while (!waiting_.empty()) {
    auto allotment = allocator_.allot(waiting_.front().request.cores, waiting_.front().request.gpus);
    if (!allotment) break;
    Waiting next = std::move(waiting_.front());
    waiting_.pop_front();
    if (auto started = start(next.handle, *next.sink, next.request, std::move(*allotment)); !started) {
      not_started(next, started.error().message);
    }
  }
  // Users see why their process shows no output yet: one line in its log while it waits.
  for (auto& waiting : waiting_) {
    if (waiting.announced) continue;
    waiting.announced = true;
    waiting.sink->line(OutputStream::Stdout,
                       fmt::format("[colonies] waiting for {}: other processes hold them", needs(waiting.request)));
  }
}

}  // namespace colonies::executors::local
