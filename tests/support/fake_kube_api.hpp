// A scripted fake of the Kubernetes API server for the Kubernetes executor's tests (no real API
// server can run here). Serves, on 127.0.0.1 over HTTP or HTTPS (transport::HttpServer), exactly
// what KubeApi calls: create/list/delete Jobs, list pods, pod logs. Each created Job gets one pod
// that moves Pending -> Running -> Succeeded/Failed one step per pod list (the executor's batched
// refresh), so tests advance by requests, not by time. Replies are built from the fixture files in
// tests/fixtures/k8s (real object shapes). Failure injection: a rotated token (401 until the
// client re-reads its token file), queued error replies (429, 500, ...) per method and path.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/json.hpp>

namespace colonies::testing {

// How one pod behaves. Built from the Job by FakeKubeApi's script function.
struct FakePodScript {
  int pending_steps = 1;           // pod lists that see it Pending before Running
  std::vector<std::string> lines;  // printed when it starts running
  int running_steps = 1;           // pod lists that see it Running before it ends
  bool forever = false;            // runs until deleted (prints "tick N" each step)
  int exit_code = 0;
  std::string reason;              // terminated reason; "" = Completed (0) or Error
  std::string waiting_reason;      // e.g. "ImagePullBackOff": never starts
  bool deadline_exceeded = false;  // after running_steps the Job fails with DeadlineExceeded
  std::string unschedulable;       // scheduler message: the pod stays Pending, PodScheduled False
  bool evicted = false;            // after pending_steps the pod fails (Evicted) before its container ran
};

// The default script, read from the container's command and args:
//   echo ARGS...   prints ARGS joined by spaces, exit 0
//   print L1 L2... prints each argument as its own line, exit 0
//   fail N         prints "failing with N", exits N
//   oom            prints "allocating", OOMKilled (exit 137)
//   sleep ...      runs forever; with activeDeadlineSeconds: DeadlineExceeded after 2 steps
// and an image containing "does-not-exist" stays in ImagePullBackOff.
FakePodScript default_pod_script(const boost::json::object& job);

class FakeKubeApi {
 public:
  struct Options {
    std::string token = "test-token";  // the bearer token accepted ("" = no authentication)
    std::string tls_cert_file;         // PEM; HTTPS when both are set
    std::string tls_key_file;
  };
  struct Request {
    std::string method;
    std::string target;
    int status = 0;
  };

  static std::unique_ptr<FakeKubeApi> start(Options options);
  ~FakeKubeApi();

  std::uint16_t port() const;
  // Replaces the script function (thread-safe; applies to Jobs created afterwards).
  void set_script(std::function<FakePodScript(const boost::json::object& job)> script);
  // From now on only `token` is accepted; requests with the old one get 401.
  void rotate_token(std::string token);
  // The next `times` requests whose method is `method` and whose path starts with `path_prefix`
  // are answered with `status` (a metav1.Status body) instead of being served.
  void inject(std::string method, std::string path_prefix, int status, int times = 1);

  std::vector<Request> requests() const;
  // Requests whose method matches and whose target starts with `prefix`.
  int count(const std::string& method, const std::string& prefix) const;
  std::vector<std::string> job_names() const;
  std::vector<std::string> pod_names() const;
  // The Job as stored (with status), or null.
  boost::json::value job(const std::string& name) const;

 private:
  struct State;
  FakeKubeApi() = default;
  std::shared_ptr<State> state_;
};

// Writes a self-signed certificate and key for 127.0.0.1 into `dir` (openssl CLI) and returns
// false when openssl is missing or fails. Files: cert.pem, key.pem.
bool make_self_signed_cert(const std::string& dir);

}  // namespace colonies::testing
