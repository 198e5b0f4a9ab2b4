// K8sBackend: see k8s_backend.hpp. All Kubernetes calls go through KubeApi; this file decides
// what the objects mean for the process.
#include "executors/k8s/k8s_backend.hpp"

#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace colonies::executors::k8s {

namespace {

constexpr std::size_t kTailLines = 10;

// obj[k1][k2]... when every step is an object; nullptr otherwise.
const json::value* path(const json::object* obj, std::initializer_list<std::string_view> keys) {
  const json::value* at = nullptr;
  for (auto key : keys) {
    if (obj == nullptr) return nullptr;
    at = obj->if_contains(key);
    if (at == nullptr) return nullptr;
    obj = at->if_object();
  }
  return at;
}

std::string text(const json::object* obj, std::initializer_list<std::string_view> keys) {
  const json::value* v = path(obj, keys);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::int64_t number(const json::object* obj, std::initializer_list<std::string_view> keys, std::int64_t fallback) {
  const json::value* v = path(obj, keys);
  if (v && v->is_int64()) return v->get_int64();
  if (v && v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  return fallback;
}

// The status of our container in a pod, or nullptr before the kubelet reported one.
const json::object* container_status(const json::object* pod) {
  const json::value* list = path(pod, {"status", "containerStatuses"});
  if (list == nullptr || !list->is_array()) return nullptr;
  for (const auto& entry : list->get_array()) {
    if (entry.is_object() && text(&entry.get_object(), {"name"}) == kContainerName) return &entry.get_object();
  }
  return nullptr;
}

// The condition of `type` with status "True" in obj.status.conditions, or nullptr.
const json::object* true_condition(const json::object* obj, std::string_view type) {
  const json::value* list = path(obj, {"status", "conditions"});
  if (list == nullptr || !list->is_array()) return nullptr;
  for (const auto& entry : list->get_array()) {
    if (!entry.is_object()) continue;
    const auto* c = &entry.get_object();
    if (text(c, {"type"}) == type && text(c, {"status"}) == "True") return c;
  }
  return nullptr;
}

// A pod condition with status "False" (PodScheduled False = not placed yet), or nullptr.
const json::object* false_condition(const json::object* obj, std::string_view type) {
  const json::value* list = path(obj, {"status", "conditions"});
  if (list == nullptr || !list->is_array()) return nullptr;
  for (const auto& entry : list->get_array()) {
    if (!entry.is_object()) continue;
    const auto* c = &entry.get_object();
    if (text(c, {"type"}) == type && text(c, {"status"}) == "False") return c;
  }
  return nullptr;
}

// A string field of the first container of a Job's pod template ("" when absent).
std::string container_field(const json::object* kjob, std::initializer_list<std::string_view> keys) {
  const json::value* containers = path(kjob, {"spec", "template", "spec", "containers"});
  if (containers == nullptr || !containers->is_array() || containers->get_array().empty()) return "";
  return text(containers->get_array().front().if_object(), keys);
}

bool is_image_problem(const std::string& reason) {
  return reason == "ErrImagePull" || reason == "ImagePullBackOff" || reason == "CreateContainerConfigError" ||
         reason == "CreateContainerError";
}

std::string with_message(const std::string& reason, const std::string& message) {
  return message.empty() ? reason : fmt::format("{}: {}", reason, message);
}

// RFC 3339 at whole seconds (sinceTime is compared at that precision by the API server).
std::string whole_seconds(std::int64_t ns) {
  std::int64_t secs = ns / 1'000'000'000;
  if (ns < 0 && ns % 1'000'000'000 != 0) --secs;
  return model::format_time(secs * 1'000'000'000);
}

}  // namespace

Result<std::unique_ptr<K8sBackend>> K8sBackend::create(K8sBackendConfig config, std::unique_ptr<KubeApi> api) {
  COLONIES_CHECK(validate(config.site));
  if (!api) return fail(ErrorCode::BadRequest, "no Kubernetes API client");
  if (config.poll_interval <= std::chrono::milliseconds(0)) {
    return fail(ErrorCode::BadRequest, "poll interval must be positive");
  }
  if (!config.now) config.now = [] { return Clock::now(); };
  return std::unique_ptr<K8sBackend>(new K8sBackend(std::move(config), std::move(api)));
}

K8sBackend::K8sBackend(K8sBackendConfig config, std::unique_ptr<KubeApi> api)
    : config_(std::move(config)), api_(std::move(api)) {}

std::string K8sBackend::selector() const { return fmt::format("{}={}", kExecutorLabel, config_.site.executor_name); }

Result<JobHandle> K8sBackend::submit(const model::Process& process, JobSink& sink) {
  COLONIES_TRY(manifest, translate_job(process, config_.site));
  COLONIES_TRY(name, job_name(process));
  auto created = api_->create_job(manifest);
  if (!created && created.error().code == ErrorCode::Conflict) {
    // A create retried after a lost reply meets its own Job. Follow it only when it really is
    // this process's: a Job of the same name for another process is someone else's.
    COLONIES_TRY(existing, api_->get_job(name));
    if (text(&existing, {"metadata", "annotations", kProcessAnnotation}) != process.processid) {
      return fail(ErrorCode::Conflict, "Kubernetes Job {} already exists and belongs to another process", name);
    }
    spdlog::info("Kubernetes Job {} already exists (a retried create); following it", name);
  } else if (!created) {
    return fail(created.error().code, "could not create Kubernetes Job {}: {}", name, created.error().message);
  }
  Job job;
  job.sink = &sink;
  job.processid = process.processid;
  job.name = std::move(name);
  job.walltime = process.spec.conditions.walltime;
  job.memory = process.spec.conditions.mem;
  job.image = container_field(&manifest, {"image"});
  job.started = now();
  const JobHandle handle = next_handle_++;
  jobs_.emplace(handle, std::move(job));
  ++submitted_;
  if (!next_refresh_) next_refresh_ = Clock::now() + config_.poll_interval;
  spdlog::info("created Kubernetes Job {} for process {}", jobs_.at(handle).name, process.processid);
  return handle;
}

Status K8sBackend::poll(std::chrono::milliseconds timeout) {
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  process_cancels();
  auto wake_at = deadline;
  if (!jobs_.empty()) {
    if (!next_refresh_) next_refresh_ = start;
    wake_at = std::min(deadline, *next_refresh_);
  }
  {
    std::unique_lock lock(wake_mutex_);
    wake_cv_.wait_until(lock, wake_at, [&] { return woken_; });
    woken_ = false;
  }
  process_cancels();
  if (jobs_.empty() || !next_refresh_ || Clock::now() < *next_refresh_) return ok();
  next_refresh_ = Clock::now() + config_.poll_interval;
  return refresh();
}

void K8sBackend::wake() {
  {
    std::lock_guard lock(wake_mutex_);
    woken_ = true;
  }
  wake_cv_.notify_all();
}

Status K8sBackend::cancel(JobHandle handle, std::string reason) {
  auto it = jobs_.find(handle);
  if (it == jobs_.end()) return fail(ErrorCode::NotFound, "no Kubernetes job with handle {}", handle);
  if (!it->second.cancel_reason.empty()) return ok();
  it->second.cancel_reason = reason.empty() ? std::string("cancelled") : std::move(reason);
  wake();
  return ok();
}

void K8sBackend::process_cancels() {
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    auto& [handle, job] = *it;
    ++it;  // finish() erases
    if (job.cancel_reason.empty()) continue;
    if (!job.pod.empty()) ship_logs(job, true);  // what it printed so far still belongs to the process
    auto deleted = api_->delete_job(job.name);
    if (!deleted && deleted.error().code != ErrorCode::NotFound) {
      spdlog::warn("could not delete Kubernetes Job {} (cancel): {}; trying again", job.name, deleted.error().message);
      continue;
    }
    spdlog::info("deleted Kubernetes Job {}: {}", job.name, job.cancel_reason);
    JobResult result = failed(job, {job.cancel_reason}, fmt::format("Job {} deleted: {}", job.name, job.cancel_reason));
    finish(handle, job, std::move(result), false);
  }
}

Status K8sBackend::refresh() {
  COLONIES_TRY(pods, api_->list_pods(selector()));
  COLONIES_TRY(kjobs, api_->list_jobs(selector()));
  std::map<std::string, const json::object*> pod_of, kjob_of;
  for (const auto& pod : pods) {
    if (!pod.is_object()) continue;
    const auto* p = &pod.get_object();
    const std::string job = text(p, {"metadata", "labels", kJobLabel});
    // With backoffLimit 0 there is one pod per Job; prefer the one that got furthest.
    if (!job.empty() && (!pod_of.contains(job) || container_status(p) != nullptr)) pod_of[job] = p;
  }
  for (const auto& kjob : kjobs) {
    if (kjob.is_object()) kjob_of[text(&kjob.get_object(), {"metadata", "name"})] = &kjob.get_object();
  }
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    auto& [handle, job] = *it;
    ++it;  // evaluate() may finish and erase the job
    if (!job.cancel_reason.empty()) continue;
    auto k = kjob_of.find(job.name);
    auto p = pod_of.find(job.name);
    evaluate(handle, job, k == kjob_of.end() ? nullptr : k->second, p == pod_of.end() ? nullptr : p->second);
  }
  return ok();
}

void K8sBackend::evaluate(JobHandle handle, Job& job, const json::object* kjob, const json::object* pod) {
  if (kjob == nullptr && pod == nullptr) {
    // Twice in a row, so that a list racing with our own create cannot fail a fresh Job.
    if (++job.missing_refreshes < 2) return;
    finish(handle, job,
           failed(job, {fmt::format("Kubernetes Job {} disappeared before it ended (deleted outside the executor?)", job.name)},
                  "Job disappeared"),
           false);
    return;
  }
  job.missing_refreshes = 0;
  if (pod != nullptr) job.pod = text(pod, {"metadata", "name"});

  // The Job's own verdict first: DeadlineExceeded kills the pod, and the walltime is the reason.
  if (const auto* failed_condition = true_condition(kjob, "Failed")) {
    const std::string reason = text(failed_condition, {"reason"});
    if (!job.pod.empty()) ship_logs(job, true);
    std::string why = reason == "DeadlineExceeded"
                          ? fmt::format("walltime of {} s exceeded: Kubernetes stopped the Job (DeadlineExceeded)", job.walltime)
                          : fmt::format("Kubernetes Job failed: {}", with_message(reason, text(failed_condition, {"message"})));
    // The container's exit, or the pod's own failure (eviction), says more than BackoffLimitExceeded.
    if (reason != "DeadlineExceeded") {
      const auto* terminated = path(container_status(pod), {"state", "terminated"});
      if (terminated && terminated->is_object()) {
        why = describe_exit(job, &terminated->get_object());
      } else if (const std::string pod_reason = text(pod, {"status", "reason"}); !pod_reason.empty()) {
        why = fmt::format("pod failed before its container ran: {}", with_message(pod_reason, text(pod, {"status", "message"})));
      }
    }
    finish(handle, job, failed(job, {why}, why));
    return;
  }

  const json::object* cs = container_status(pod);
  const json::value* state = path(cs, {"state"});
  const json::object* st = state ? state->if_object() : nullptr;
  if (const auto* terminated = path(st, {"terminated"}); terminated && terminated->is_object()) {
    const auto* t = &terminated->get_object();
    ship_logs(job, true);
    const std::int64_t code = number(t, {"exitCode"}, -1);
    const std::string reason = text(t, {"reason"});
    const double seconds = std::chrono::duration<double>(now() - job.started).count();
    if (code == 0 && reason != "OOMKilled") {
      JobResult result;
      result.success = true;
      result.out = job.capture.out();
      result.summary = fmt::format("exit code 0 after {:.1f} s", seconds);
      finish(handle, job, std::move(result));
      return;
    }
    const std::string why = describe_exit(job, t);
    finish(handle, job, failed(job, {why}, fmt::format("{} after {:.1f} s", why, seconds)));
    return;
  }
  if (path(st, {"running"}) != nullptr) {
    job.stuck_since.reset();
    ship_logs(job, false);
    return;
  }
  if (const auto* waiting = path(st, {"waiting"}); waiting && waiting->is_object()) {
    const auto* w = &waiting->get_object();
    const std::string reason = text(w, {"reason"});
    const std::string detail = with_message(reason, text(w, {"message"}));
    if (reason == "InvalidImageName") {
      finish(handle, job, failed(job, {fmt::format("image '{}' is not a valid image name ({})", job.image, detail)}, detail));
      return;
    }
    if (is_image_problem(reason)) {
      if (!job.stuck_since) job.stuck_since = now();
      note(job, fmt::format("[k8s] container not started: {}", detail));
      if (now() - *job.stuck_since >= config_.image_pull_timeout) {
        const auto secs = std::chrono::duration_cast<std::chrono::seconds>(config_.image_pull_timeout).count();
        std::string why = fmt::format("container could not start within {} s: {} (image '{}')", secs, detail, job.image);
        finish(handle, job, failed(job, {why}, why));
      }
      return;
    }
    job.stuck_since.reset();
    if (!reason.empty() && reason != "ContainerCreating") note(job, fmt::format("[k8s] container waiting: {}", detail));
    return;
  }
  // No container status yet: not scheduled, or a pod that failed before its container ran.
  const std::string phase = text(pod, {"status", "phase"});
  if (phase == "Failed") {
    std::string why = fmt::format("pod failed before its container ran: {}",
                                  with_message(text(pod, {"status", "reason"}), text(pod, {"status", "message"})));
    finish(handle, job, failed(job, {why}, why));
    return;
  }
  if (const auto* unscheduled = false_condition(pod, "PodScheduled")) {
    note(job, fmt::format("[k8s] pod pending: {}",
                          with_message(text(unscheduled, {"reason"}), text(unscheduled, {"message"}))));
  }
  if (pod == nullptr && true_condition(kjob, "Complete") != nullptr) {
    // The pod is gone (garbage-collected) but the Job says it succeeded.
    JobResult result;
    result.success = true;
    result.out = job.capture.out();
    result.summary = "Job complete (pod no longer present)";
    finish(handle, job, std::move(result));
  }
}

std::string K8sBackend::describe_exit(const Job& job, const json::object* terminated) const {
  const std::int64_t code = number(terminated, {"exitCode"}, -1);
  const std::string reason = text(terminated, {"reason"});
  if (reason == "OOMKilled") {
    return fmt::format("out of memory: the container used more than its memory limit {} and was killed (OOMKilled, exit code {})",
                       job.memory.empty() ? "(none set)" : job.memory, code);
  }
  if (reason.empty() || reason == "Error" || reason == "Completed") return fmt::format("exit code {}", code);
  return fmt::format("exit code {} ({})", code, with_message(reason, text(terminated, {"message"})));
}

void K8sBackend::note(Job& job, const std::string& line) {
  if (line == job.last_note) return;  // once per change, not once per poll
  job.last_note = line;
  job.sink->line(OutputStream::Stderr, line);
}

void K8sBackend::emit(Job& job, std::string_view raw) {
  std::string line = sanitize_utf8(raw);
  job.capture.add(false, line);
  job.tail.push_back(line.substr(0, OutputCapture::kMaxErrorLine));
  if (job.tail.size() > kTailLines) job.tail.pop_front();
  job.sink->line(OutputStream::Stdout, line);
}

// Reads the log from the cursor's second on (sinceTime has whole-second precision) and ships
// only lines after the cursor: older timestamps, and as many lines at the cursor's timestamp as
// were already shipped, are skipped. A last line without "\n" is shipped only when `final`.
void K8sBackend::ship_logs(Job& job, bool final) {
  if (job.pod.empty()) return;
  std::optional<std::string> since;
  if (job.log_cursor_ns != 0) since = whole_seconds(job.log_cursor_ns);
  auto log = api_->pod_log(job.pod, std::string(kContainerName), since);
  if (!log) {
    spdlog::debug("log of pod {} not readable yet: {}", job.pod, log.error().message);
    return;
  }
  std::string_view rest = *log;
  int seen_at_cursor = 0;
  while (!rest.empty()) {
    auto newline = rest.find('\n');
    if (newline == std::string_view::npos && !final) break;
    std::string_view entry = rest.substr(0, newline);
    rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
    if (!entry.empty() && entry.back() == '\r') entry.remove_suffix(1);
    auto space = entry.find(' ');
    auto stamp = space == std::string_view::npos ? Result<model::TimeNs>(fail(ErrorCode::BadRequest, "no timestamp"))
                                                 : model::parse_time(entry.substr(0, space));
    if (!stamp) {  // not in the timestamps=true form; ship as it is
      emit(job, entry);
      continue;
    }
    const std::string_view text_part = entry.substr(space + 1);
    if (*stamp < job.log_cursor_ns) continue;
    if (*stamp == job.log_cursor_ns) {
      if (++seen_at_cursor <= job.lines_at_cursor) continue;
      job.lines_at_cursor = seen_at_cursor;
    } else {
      job.log_cursor_ns = *stamp;
      job.lines_at_cursor = seen_at_cursor = 1;
    }
    emit(job, text_part);
  }
}

JobResult K8sBackend::failed(Job& job, std::vector<std::string> reasons, std::string summary) {
  JobResult result;
  result.success = false;
  result.errors = std::move(reasons);
  for (const auto& line : job.tail) result.errors.push_back(line);
  result.summary = std::move(summary);
  return result;
}

void K8sBackend::finish(JobHandle handle, Job& job, JobResult result, bool remove_job) {
  if (remove_job && !config_.keep_jobs) {
    if (auto deleted = api_->delete_job(job.name); !deleted && deleted.error().code != ErrorCode::NotFound) {
      spdlog::warn("could not delete finished Kubernetes Job {}: {} (its TTL will)", job.name, deleted.error().message);
    }
  }
  spdlog::info("Kubernetes Job {} of process {} ended: {}", job.name, job.processid, result.summary);
  JobSink* sink = job.sink;
  jobs_.erase(handle);
  ++finished_;
  sink->finished(std::move(result));
}

Result<std::vector<ReattachedJob>> K8sBackend::reattach(const std::function<JobSink&(const std::string&)>& sink_for) {
  COLONIES_TRY(kjobs, api_->list_jobs(selector()));
  std::vector<ReattachedJob> found;
  std::set<std::string> seen;
  for (const auto& entry : kjobs) {
    if (!entry.is_object()) continue;
    const auto* kjob = &entry.get_object();
    const std::string name = text(kjob, {"metadata", "name"});
    const std::string processid = text(kjob, {"metadata", "annotations", kProcessAnnotation});
    if (processid.empty() || name.empty()) {
      spdlog::warn("Kubernetes Job {} has our executor label but no {} annotation; leaving it alone", name, kProcessAnnotation);
      continue;
    }
    if (!seen.insert(processid).second) continue;
    Job job;
    job.sink = &sink_for(processid);
    job.processid = processid;
    job.name = name;
    job.walltime = number(kjob, {"spec", "activeDeadlineSeconds"}, 0);
    job.image = container_field(kjob, {"image"});
    job.memory = container_field(kjob, {"resources", "limits", "memory"});
    job.started = now();
    const JobHandle handle = next_handle_++;
    jobs_.emplace(handle, std::move(job));
    found.push_back(ReattachedJob{processid, handle});
    spdlog::info("found Kubernetes Job {} of process {} from before the restart", name, processid);
  }
  if (!jobs_.empty()) next_refresh_ = Clock::now();
  return found;
}

BackendStats K8sBackend::stats() const {
  return BackendStats{static_cast<int>(jobs_.size()), submitted_, finished_};
}

}  // namespace colonies::executors::k8s
