// KubeApi over transport::HttpClient; see kube_api.hpp. Error replies of the API server are
// metav1.Status objects whose `message` is what we pass on.
#include "executors/k8s/kube_api.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <thread>

#include <boost/url/url.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "adapters/transport/http/http_client.hpp"

namespace colonies::executors::k8s {

namespace {

bool is_retryable_status(int status) {
  return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

// The message of a metav1.Status reply, or the start of whatever the body is.
std::string status_message(const std::string& body) {
  if (auto parsed = model::parse_json(body); parsed && parsed->is_object()) {
    if (auto* message = parsed->get_object().if_contains("message"); message && message->is_string()) {
      return std::string(message->get_string());
    }
  }
  return body.substr(0, 200);
}

std::string with_query(const std::string& path, std::initializer_list<std::pair<std::string, std::string>> params) {
  boost::urls::url url;
  url.set_path(path);
  for (const auto& [key, value] : params) url.params().append({key, value});
  return std::string(url.buffer());
}

}  // namespace

KubeApi::KubeApi(KubeConnection connection, std::string ns, RetryPolicy retry, std::chrono::milliseconds request_timeout)
    : connection_(std::move(connection)), ns_(std::move(ns)), retry_(std::move(retry)), request_timeout_(request_timeout) {
  if (!retry_.sleep) retry_.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  if (!retry_.random) {
    retry_.random = [engine = std::mt19937_64(std::random_device{}())]() mutable {
      return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
    };
  }
  transport::HttpClientOptions options;
  options.host = connection_.host;
  options.port = connection_.port;
  options.tls = connection_.tls;
  options.tls_verify = connection_.tls_verify;
  options.ca_pem = connection_.ca_pem;
  options.client_cert_pem = connection_.client_cert_pem;
  options.client_key_pem = connection_.client_key_pem;
  options.server_name = "the Kubernetes API server";
  http_ = std::make_unique<transport::HttpClient>(std::move(options));
}

KubeApi::~KubeApi() = default;

// Jittered exponential backoff: a random wait between half and all of the exponential bound, so
// executors that failed together do not retry together.
std::chrono::milliseconds KubeApi::backoff(int attempt) {
  const double bound = std::min<double>(static_cast<double>(retry_.max.count()),
                                        static_cast<double>(retry_.initial.count()) * std::pow(2.0, attempt));
  return std::chrono::milliseconds(static_cast<std::int64_t>(bound * (0.5 + 0.5 * retry_.random())));
}

Result<KubeApi::Reply> KubeApi::call(const std::string& method, const std::string& target, const std::string& body) {
  bool token_reloaded = false;
  std::string last_problem;
  for (int attempt = 0; attempt < retry_.max_attempts; ++attempt) {
    if (attempt > 0) {
      ++counters_.retries;
      retry_.sleep(backoff(attempt - 1));
    }
    transport::HttpHeaders headers{{"Accept", "application/json"}};
    if (!connection_.token.empty()) headers.emplace_back("Authorization", "Bearer " + connection_.token);
    ++counters_.requests;
    auto reply = http_->request(method, target, body, request_timeout_, headers);
    if (!reply) {
      if (reply.error().code == ErrorCode::BadRequest) return std::unexpected(reply.error());  // TLS setup, bad request line
      last_problem = reply.error().message;
      spdlog::debug("kubernetes {} {}: {} (attempt {})", method, target, last_problem, attempt + 1);
      continue;
    }
    const int status = reply->status;
    if (status >= 200 && status < 300) return Reply{status, std::move(reply->body)};
    const std::string message = status_message(reply->body);
    if (status == 401 && !connection_.token_file.empty() && !token_reloaded) {
      // The kubelet rotates projected tokens in place: read the file again, once per call.
      token_reloaded = true;
      ++counters_.token_reloads;
      auto token = read_token_file(connection_.token_file);
      if (token) {
        connection_.token = std::move(*token);
        --attempt;  // a reload is not a failed attempt
        continue;
      }
      return fail(ErrorCode::Unauthenticated, "Kubernetes API {} refused the token (401) and {}", connection_.describe(),
                  token.error().message);
    }
    if (is_retryable_status(status)) {
      last_problem = fmt::format("HTTP {}: {}", status, message);
      spdlog::debug("kubernetes {} {}: {} (attempt {})", method, target, last_problem, attempt + 1);
      continue;
    }
    switch (status) {
      case 401:
        return fail(ErrorCode::Unauthenticated, "Kubernetes API {} refused the credentials (401): {}",
                    connection_.describe(), message);
      case 403:
        return fail(ErrorCode::Forbidden,
                    "Kubernetes API refused {} {} (403): {} — the executor's account needs the RBAC Role in "
                    "docs/executor-k8s.md",
                    method, target, message);
      case 404: return fail(ErrorCode::NotFound, "{}", message);
      case 409: return fail(ErrorCode::Conflict, "{}", message);
      case 400:
      case 422: return fail(ErrorCode::BadRequest, "Kubernetes refused the request: {}", message);
      default: return fail(ErrorCode::Internal, "Kubernetes API {} {} answered {}: {}", method, target, status, message);
    }
  }
  return fail(ErrorCode::Unavailable, "Kubernetes API {} unavailable after {} attempts: {}", connection_.describe(),
              retry_.max_attempts, last_problem);
}

Result<json::value> KubeApi::call_json(const std::string& method, const std::string& target, const std::string& body) {
  COLONIES_TRY(reply, call(method, target, body));
  auto parsed = model::parse_json(reply.body);
  if (!parsed) return fail(ErrorCode::Internal, "Kubernetes API {} {}: reply is not JSON: {}", method, target, parsed.error().message);
  return std::move(*parsed);
}

Result<json::object> KubeApi::create_job(const json::object& job) {
  COLONIES_TRY(created, call_json("POST", fmt::format("/apis/batch/v1/namespaces/{}/jobs", ns_), json::serialize(job)));
  if (!created.is_object()) return fail(ErrorCode::Internal, "Kubernetes API: created Job is not an object");
  return std::move(created.get_object());
}

Result<json::object> KubeApi::get_job(const std::string& name) {
  COLONIES_TRY(job, call_json("GET", fmt::format("/apis/batch/v1/namespaces/{}/jobs/{}", ns_, name), ""));
  if (!job.is_object()) return fail(ErrorCode::Internal, "Kubernetes API: Job {} is not an object", name);
  return std::move(job.get_object());
}

Result<json::array> parse_list_reply(std::string_view body, std::string_view what) {
  auto parsed = model::parse_json(body);
  if (!parsed) return fail(ErrorCode::Internal, "Kubernetes API: list of {}: reply is not JSON: {}", what, parsed.error().message);
  auto* items = parsed->is_object() ? parsed->get_object().if_contains("items") : nullptr;
  if (items == nullptr || items->is_null()) return json::array{};  // an empty list may omit items
  if (!items->is_array()) return fail(ErrorCode::Internal, "Kubernetes API: list of {} has no items array", what);
  return std::move(items->get_array());
}

Result<json::array> KubeApi::list(const std::string& path, const std::string& label_selector) {
  COLONIES_TRY(reply, call("GET", with_query(path, {{"labelSelector", label_selector}}), ""));
  return parse_list_reply(reply.body, path);
}

Result<json::array> KubeApi::list_jobs(const std::string& label_selector) {
  return list(fmt::format("/apis/batch/v1/namespaces/{}/jobs", ns_), label_selector);
}

Result<json::array> KubeApi::list_pods(const std::string& label_selector) {
  return list(fmt::format("/api/v1/namespaces/{}/pods", ns_), label_selector);
}

Result<std::string> KubeApi::pod_log(const std::string& pod, const std::string& container,
                                     const std::optional<std::string>& since_time) {
  const std::string path = fmt::format("/api/v1/namespaces/{}/pods/{}/log", ns_, pod);
  std::string target = since_time ? with_query(path, {{"container", container}, {"timestamps", "true"}, {"sinceTime", *since_time}})
                                  : with_query(path, {{"container", container}, {"timestamps", "true"}});
  COLONIES_TRY(reply, call("GET", target, ""));
  return std::move(reply.body);
}

Status KubeApi::delete_job(const std::string& name) {
  // The policy goes in the query and in DeleteOptions: API servers honour either.
  const std::string target = with_query(fmt::format("/apis/batch/v1/namespaces/{}/jobs/{}", ns_, name),
                                        {{"propagationPolicy", "Background"}});
  json::object options{{"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"propagationPolicy", "Background"}};
  COLONIES_TRY(reply, call("DELETE", target, json::serialize(options)));
  (void)reply;
  return ok();
}

}  // namespace colonies::executors::k8s
