// The Kubernetes API client of the executor: the only code that talks HTTP to Kubernetes. Blocking
// calls over one kept-alive HTTPS connection (transport::HttpClient, Beast + OpenSSL) for exactly
// what K8sBackend needs: create, list and delete Jobs, list pods, read pod logs. Retries 408, 429,
// 500, 502, 503, 504 and lost connections with jittered exponential backoff; on 401 re-reads the
// token file once (projected tokens rotate) and retries. Not thread-safe: one per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/error/error.hpp"
#include "core/model/json.hpp"
#include "executors/k8s/kube_config.hpp"

namespace colonies::transport {
class HttpClient;
}

namespace colonies::executors::k8s {

namespace json = boost::json;

struct RetryPolicy {
  int max_attempts = 6;  // per call, the first included
  std::chrono::milliseconds initial{250};
  std::chrono::milliseconds max{8'000};
  // Injected for tests: how to wait, and a random factor in [0, 1) for the jitter.
  std::function<void(std::chrono::milliseconds)> sleep;
  std::function<double()> random;
};

struct KubeApiCounters {
  std::int64_t requests = 0;   // HTTP exchanges, retries included
  std::int64_t retries = 0;
  std::int64_t token_reloads = 0;
};

// The `items` of a list reply body (JobList, PodList); an empty list may omit them. Internal when
// the body is not JSON or its items are not an array. `what` names the list in messages.
Result<json::array> parse_list_reply(std::string_view body, std::string_view what);

// The calls are virtual so that the fuzz target (tests/fuzz/k8s_fuzzer.cpp) can answer them in
// process and drive K8sBackend's reading of Jobs, pods and logs without an API server; everything
// else talks to a real (or the scripted fake) server.
class KubeApi {
 public:
  // `ns` is the namespace every call works in.
  KubeApi(KubeConnection connection, std::string ns, RetryPolicy retry = {},
          std::chrono::milliseconds request_timeout = std::chrono::seconds(30));
  virtual ~KubeApi();
  KubeApi(const KubeApi&) = delete;
  KubeApi& operator=(const KubeApi&) = delete;

  // Errors of every call: Unauthenticated (401 after a token reload), Forbidden (403: the message
  // names the missing RBAC permission), NotFound (404), Conflict (409), BadRequest (400/422: the
  // API's own message), Unavailable (retries exhausted, or not reachable), Timeout.

  // POST a Job; returns the created object.
  virtual Result<json::object> create_job(const json::object& job);
  // One Job by name (NotFound when there is none).
  virtual Result<json::object> get_job(const std::string& name);
  // The Jobs (items) matching `label_selector` ("k=v,k2=v2").
  virtual Result<json::array> list_jobs(const std::string& label_selector);
  // The pods (items) matching `label_selector`.
  virtual Result<json::array> list_pods(const std::string& label_selector);
  // The log of `container` in `pod` with an RFC 3339 timestamp before each line
  // (timestamps=true), from `since_time` (RFC 3339, whole seconds) on when given.
  virtual Result<std::string> pod_log(const std::string& pod, const std::string& container,
                                      const std::optional<std::string>& since_time);
  // DELETE with propagationPolicy=Background, so the Job's pods go too (the API's default for
  // Jobs orphans them). NotFound when already gone.
  virtual Status delete_job(const std::string& name);

  const std::string& ns() const { return ns_; }
  const KubeApiCounters& counters() const { return counters_; }

 private:
  struct Reply {
    int status = 0;
    std::string body;
  };
  Result<Reply> call(const std::string& method, const std::string& target, const std::string& body);
  Result<json::value> call_json(const std::string& method, const std::string& target, const std::string& body);
  Result<json::array> list(const std::string& path, const std::string& label_selector);
  std::chrono::milliseconds backoff(int attempt);

  KubeConnection connection_;
  std::string ns_;
  RetryPolicy retry_;
  std::chrono::milliseconds request_timeout_;
  std::unique_ptr<transport::HttpClient> http_;
  KubeApiCounters counters_;
};

}  // namespace colonies::executors::k8s
