// Backend that runs each process as a Kubernetes Job (job_translation.hpp) through KubeApi. One
// batched refresh per poll interval for all jobs in flight (one pod list and one Job list by the
// executor's label, never a call per job for status), pod logs shipped as process log lines
// without repeats, exit codes and reasons mapped (OOMKilled, DeadlineExceeded, image pull
// failures stuck beyond a limit), Jobs deleted with Background propagation on cancel and after
// completion. Jobs outlive the executor; reattach() finds them by the executor label.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "executors/common/backend.hpp"
#include "executors/common/job_output.hpp"
#include "executors/k8s/job_translation.hpp"
#include "executors/k8s/kube_api.hpp"

namespace colonies::executors::k8s {

struct K8sBackendConfig {
  SiteConfig site;
  // Time between two refreshes (status lists and log reads) while jobs are in flight.
  std::chrono::milliseconds poll_interval{2'000};
  // A container that cannot get its image (ErrImagePull, ImagePullBackOff, CreateContainerConfigError)
  // for this long is given up: the Job is deleted and the process fails with the reason.
  std::chrono::milliseconds image_pull_timeout{std::chrono::minutes(5)};
  bool keep_jobs = false;  // leave finished Jobs to their TTL (debugging)
  // Clock of the image-pull limit; injected by tests. Default: steady_clock.
  std::function<std::chrono::steady_clock::time_point()> now;
};

class K8sBackend final : public Backend {
 public:
  // BadRequest when the site settings are invalid.
  static Result<std::unique_ptr<K8sBackend>> create(K8sBackendConfig config, std::unique_ptr<KubeApi> api);

  std::string_view name() const override { return "k8s"; }
  // Translates and creates the Job. A Job of the same name (a create retried after a lost reply,
  // or one found again) is adopted, not duplicated.
  Result<JobHandle> submit(const model::Process& process, JobSink& sink) override;
  Status poll(std::chrono::milliseconds timeout) override;
  // Deletes the Job at the next poll (Background propagation) and reports it ended with `reason`.
  Status cancel(JobHandle handle, std::string reason) override;
  // Our Jobs (by executor label) with their process IDs (annotation). Their logs are shipped
  // again from the start: the executor keeps no record of what it shipped before the restart.
  Result<std::vector<ReattachedJob>> reattach(const std::function<JobSink&(const std::string&)>& sink_for) override;
  // Jobs run in the cluster whether the executor runs or not: a graceful stop leaves them to the
  // next start, which finds them by label (reattach).
  bool jobs_outlive_executor() const override { return true; }
  BackendStats stats() const override;
  void wake() override;

  const KubeApi& api() const { return *api_; }

 private:
  using Clock = std::chrono::steady_clock;
  struct Job {
    JobSink* sink = nullptr;
    std::string processid;
    std::string name;
    std::string pod;
    std::int64_t walltime = 0;
    std::string memory;  // the limit, for the OOMKilled message
    std::string image;
    // Log cursor: the timestamp (ns) of the last shipped line and how many lines carried it.
    std::int64_t log_cursor_ns = 0;
    int lines_at_cursor = 0;
    OutputCapture capture;
    std::deque<std::string> tail;  // last lines, for the errors of a failed process
    std::optional<Clock::time_point> stuck_since;
    std::string last_note;  // last pending reason surfaced in the log
    std::string cancel_reason;
    int missing_refreshes = 0;
    Clock::time_point started;
  };

  K8sBackend(K8sBackendConfig config, std::unique_ptr<KubeApi> api);
  Status refresh();
  void evaluate(JobHandle handle, Job& job, const json::object* kjob, const json::object* pod);
  void ship_logs(Job& job, bool final);
  void emit(Job& job, std::string_view text);
  void note(Job& job, const std::string& text);
  // "exit code 3", or the OOMKilled explanation, from a container's terminated state.
  std::string describe_exit(const Job& job, const json::object* terminated) const;
  void finish(JobHandle handle, Job& job, JobResult result, bool remove_job = true);
  JobResult failed(Job& job, std::vector<std::string> reasons, std::string summary);
  void process_cancels();
  std::string selector() const;
  Clock::time_point now() const { return config_.now(); }

  K8sBackendConfig config_;
  std::unique_ptr<KubeApi> api_;
  std::map<JobHandle, Job> jobs_;
  JobHandle next_handle_ = 1;
  std::int64_t submitted_ = 0;
  std::int64_t finished_ = 0;
  std::optional<Clock::time_point> next_refresh_;
  std::mutex wake_mutex_;
  std::condition_variable wake_cv_;
  bool woken_ = false;
};

}  // namespace colonies::executors::k8s
