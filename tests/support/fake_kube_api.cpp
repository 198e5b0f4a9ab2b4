// FakeKubeApi: see fake_kube_api.hpp. One mutex guards the whole fake cluster; handlers answer
// at once (no long-polls), so the HttpServer's io_context thread never waits for a test.
#include "tests/support/fake_kube_api.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/url/parse.hpp>
#include <fmt/format.h>

#include "adapters/transport/http/http_server.hpp"
#include "core/model/json.hpp"

namespace colonies::testing {

namespace json = boost::json;

namespace {

constexpr std::int64_t kLogBaseNs = 1'795'428'000'000'000'000;  // 2026-11-23T10:00:00Z
constexpr std::int64_t kLogStepNs = 250'000'000;  // four lines per second: sinceTime repeats some

json::object fixture(const std::string& name) {
  std::ifstream in(std::filesystem::path(COLONIES_SOURCE_DIR) / "tests/fixtures/k8s" / name);
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = json::parse(text.str());
  return parsed.as_object();
}

std::string str(const json::value* v) { return v && v->is_string() ? std::string(v->get_string()) : std::string(); }

const json::value* at(const json::object& o, std::initializer_list<std::string_view> keys) {
  const json::object* obj = &o;
  const json::value* v = nullptr;
  for (auto key : keys) {
    if (!obj) return nullptr;
    v = obj->if_contains(key);
    if (!v) return nullptr;
    obj = v->if_object();
  }
  return v;
}

bool matches(const json::object& labels, const std::string& selector) {
  std::stringstream parts(selector);
  std::string term;
  while (std::getline(parts, term, ',')) {
    auto eq = term.find('=');
    if (eq == std::string::npos) return false;
    auto* value = labels.if_contains(term.substr(0, eq));
    if (!value || str(value) != term.substr(eq + 1)) return false;
  }
  return true;
}

struct Pod {
  json::object object;
  FakePodScript script;
  int steps = 0;
  int ticks = 0;
  bool ended = false;
  std::vector<std::pair<std::int64_t, std::string>> log;  // (timestamp ns, text)
};

struct Injection {
  std::string method;
  std::string prefix;
  int status;
  int remaining;
};

}  // namespace

FakePodScript default_pod_script(const json::object& job) {
  FakePodScript s;
  const json::value* containers = at(job, {"spec", "template", "spec", "containers"});
  json::object container = containers && containers->is_array() && !containers->get_array().empty()
                               ? containers->get_array()[0].as_object()
                               : json::object{};
  std::vector<std::string> argv;
  if (auto* cmd = container.if_contains("command"); cmd && cmd->is_array()) {
    for (const auto& a : cmd->get_array()) argv.push_back(str(&a));
  }
  if (auto* args = container.if_contains("args"); args && args->is_array()) {
    for (const auto& a : args->get_array()) argv.push_back(str(&a));
  }
  if (str(container.if_contains("image")).find("does-not-exist") != std::string::npos) {
    s.waiting_reason = "ImagePullBackOff";
    return s;
  }
  const std::string program = argv.empty() ? "" : argv[0];
  if (program == "echo") {
    std::string line;
    for (std::size_t i = 1; i < argv.size(); ++i) line += (i > 1 ? " " : "") + argv[i];
    s.lines = {line};
  } else if (program == "print") {
    s.lines.assign(argv.begin() + 1, argv.end());
  } else if (program == "fail") {
    s.exit_code = argv.size() > 1 ? std::atoi(argv[1].c_str()) : 1;
    s.lines = {fmt::format("failing with {}", s.exit_code)};
  } else if (program == "oom") {
    s.lines = {"allocating"};
    s.exit_code = 137;
    s.reason = "OOMKilled";
  } else if (program == "sleep") {
    s.forever = true;
    s.lines = {"sleeping"};
    if (at(job, {"spec", "activeDeadlineSeconds"})) {
      s.deadline_exceeded = true;
      s.running_steps = 2;
    }
  } else {
    s.exit_code = 127;
    s.lines = {fmt::format("exec: \"{}\": executable file not found in $PATH", program)};
    s.reason = "StartError";
  }
  return s;
}

struct FakeKubeApi::State {
  Options options;
  boost::asio::io_context io;
  std::unique_ptr<transport::HttpServer> server;
  std::thread thread;
  mutable std::mutex mutex;
  std::function<FakePodScript(const json::object&)> script = default_pod_script;
  std::map<std::string, json::object> jobs;  // by name
  std::map<std::string, Pod> pods;           // by name
  std::vector<Injection> injections;
  std::vector<Request> requests;
  int resource_version = 1000;
  int next_uid = 1;

  transport::HttpResponse status_reply(int code, std::string reason, std::string message) {
    json::object s = fixture("status.json");
    s["code"] = code;
    s["reason"] = std::move(reason);
    s["message"] = std::move(message);
    return {code, "application/json", json::serialize(s)};
  }

  std::string next_rv() { return std::to_string(++resource_version); }

  void set_container_state(Pod& pod, const json::object& state, bool started) {
    json::object cs = fixture("container-status.json");
    cs["state"] = state;
    cs["started"] = started;
    const json::value* containers = at(pod.object, {"spec", "containers"});
    if (containers && containers->is_array() && !containers->get_array().empty()) {
      cs["image"] = containers->get_array()[0].as_object().at("image");
    }
    pod.object["status"].as_object()["containerStatuses"] = json::array{cs};
  }

  void add_line(Pod& pod, std::string text) {
    pod.log.emplace_back(kLogBaseNs + static_cast<std::int64_t>(pod.log.size()) * kLogStepNs, std::move(text));
  }

  void set_job_condition(const std::string& job_name, const std::string& fixture_name, const std::string& type,
                         const std::string& reason) {
    auto it = jobs.find(job_name);
    if (it == jobs.end()) return;
    json::object condition = fixture(fixture_name);
    condition["type"] = type;
    if (!reason.empty()) condition["reason"] = reason;
    json::object& status = it->second["status"].as_object();
    status["conditions"] = json::array{condition};
    status["active"] = 0;
    status[type == "Complete" ? "succeeded" : "failed"] = 1;
    it->second["metadata"].as_object()["resourceVersion"] = next_rv();
  }

  // One step of a pod's life, taken on every pod list.
  void advance(Pod& pod) {
    if (pod.ended) return;
    const FakePodScript& s = pod.script;
    json::object& status = pod.object["status"].as_object();
    const std::string job_name = str(at(pod.object, {"metadata", "labels", "job-name"}));
    ++pod.steps;
    if (!s.unschedulable.empty()) {
      json::object condition = status["conditions"].as_array()[0].as_object();
      condition["status"] = "False";
      condition["reason"] = "Unschedulable";
      condition["message"] = s.unschedulable;
      status["conditions"] = json::array{condition};
      return;
    }
    if (s.evicted && pod.steps > s.pending_steps) {
      pod.ended = true;
      status["phase"] = "Failed";
      status["reason"] = "Evicted";
      status["message"] = "The node was low on resource: ephemeral-storage.";
      status.erase("containerStatuses");
      set_job_condition(job_name, "job-condition.json", "Failed", "BackoffLimitExceeded");
      return;
    }
    if (!s.waiting_reason.empty()) {
      json::object waiting = fixture("state-waiting-imagepullbackoff.json");
      waiting["waiting"].as_object()["reason"] = s.waiting_reason;
      set_container_state(pod, waiting, false);
      return;
    }
    if (pod.steps <= s.pending_steps) {
      set_container_state(pod, fixture("state-waiting-creating.json"), false);
      return;
    }
    const bool just_started = pod.steps == s.pending_steps + 1;
    if (just_started) {
      for (const auto& line : s.lines) add_line(pod, line);
    }
    const bool still_running = pod.steps <= s.pending_steps + s.running_steps || (s.forever && !s.deadline_exceeded);
    if (still_running) {
      if (s.forever && !just_started) add_line(pod, fmt::format("tick {}", ++pod.ticks));
      status["phase"] = "Running";
      set_container_state(pod, fixture("state-running.json"), true);
      return;
    }
    pod.ended = true;
    if (s.deadline_exceeded) {
      json::object terminated = fixture("state-terminated.json");
      terminated["terminated"].as_object()["exitCode"] = 137;
      terminated["terminated"].as_object()["reason"] = "Error";
      status["phase"] = "Failed";
      set_container_state(pod, terminated, false);
      set_job_condition(job_name, "job-condition-deadline.json", "Failed", "DeadlineExceeded");
      return;
    }
    json::object terminated = fixture(s.reason == "OOMKilled" ? "state-terminated-oomkilled.json" : "state-terminated.json");
    terminated["terminated"].as_object()["exitCode"] = s.exit_code;
    terminated["terminated"].as_object()["reason"] = !s.reason.empty() ? s.reason : (s.exit_code == 0 ? "Completed" : "Error");
    status["phase"] = s.exit_code == 0 && s.reason.empty() ? "Succeeded" : "Failed";
    set_container_state(pod, terminated, false);
    if (s.exit_code == 0 && s.reason.empty()) {
      set_job_condition(job_name, "job-condition.json", "Complete", "");
    } else {
      set_job_condition(job_name, "job-condition.json", "Failed", "BackoffLimitExceeded");
    }
  }

  transport::HttpResponse create_job(const std::string& ns, const std::string& body) {
    json::value parsed;
    try {
      parsed = json::parse(body);
    } catch (const std::exception& e) {
      return status_reply(400, "BadRequest", e.what());
    }
    if (!parsed.is_object()) return status_reply(400, "BadRequest", "body is not an object");
    const json::object& manifest = parsed.get_object();
    const std::string name = str(at(manifest, {"metadata", "name"}));
    if (name.empty()) return status_reply(422, "Invalid", "Job.batch \"\" is invalid: metadata.name: Required value");
    if (jobs.contains(name)) {
      return status_reply(409, "AlreadyExists", fmt::format("jobs.batch \"{}\" already exists", name));
    }
    json::object job = fixture("job.json");
    json::object& meta = job["metadata"].as_object();
    const std::string uid = fmt::format("0b6c{:04d}-7a1e-4e0f-9c55-3d2b1e{:06d}", next_uid % 10000, next_uid);
    meta["name"] = name;
    meta["namespace"] = ns;
    meta["uid"] = uid;
    meta["resourceVersion"] = next_rv();
    if (auto* labels = at(manifest, {"metadata", "labels"})) meta["labels"] = *labels;
    if (auto* annotations = at(manifest, {"metadata", "annotations"})) meta["annotations"] = *annotations;
    job["spec"] = manifest.at("spec");
    jobs[name] = job;

    Pod pod;
    pod.script = script(job);
    pod.object = fixture("pod.json");
    json::object& pmeta = pod.object["metadata"].as_object();
    const std::string pod_name = fmt::format("{}-{}x7k", name, next_uid);
    pmeta["name"] = pod_name;
    pmeta["generateName"] = name + "-";
    pmeta["namespace"] = ns;
    pmeta["uid"] = fmt::format("pod-{}", uid);
    pmeta["resourceVersion"] = next_rv();
    json::object labels = pmeta["labels"].as_object();
    for (auto key : {"batch.kubernetes.io/controller-uid", "controller-uid"}) labels[key] = uid;
    for (auto key : {"batch.kubernetes.io/job-name", "job-name"}) labels[key] = name;
    if (auto* template_labels = at(manifest, {"spec", "template", "metadata", "labels"}); template_labels && template_labels->is_object()) {
      for (const auto& [k, v] : template_labels->get_object()) labels[k] = v;
    }
    pmeta["labels"] = labels;
    if (auto* template_annotations = at(manifest, {"spec", "template", "metadata", "annotations"})) {
      pmeta["annotations"] = *template_annotations;
    }
    auto& owner = pmeta["ownerReferences"].as_array()[0].as_object();
    owner["name"] = name;
    owner["uid"] = uid;
    if (auto* pod_spec = at(manifest, {"spec", "template", "spec"}); pod_spec && pod_spec->is_object()) {
      json::object spec = pod.object["spec"].as_object();
      for (const auto& [k, v] : pod_spec->get_object()) spec[k] = v;
      pod.object["spec"] = spec;
    }
    pods[pod_name] = std::move(pod);
    ++next_uid;
    return {201, "application/json", json::serialize(job)};
  }

  transport::HttpResponse list(const std::string& kind, const json::array& items) {
    json::object reply = fixture("list.json");
    reply["kind"] = kind;
    reply["apiVersion"] = kind == "JobList" ? "batch/v1" : "v1";
    reply["metadata"].as_object()["resourceVersion"] = std::to_string(resource_version);
    reply["items"] = items;
    return {200, "application/json", json::serialize(reply)};
  }

  transport::HttpResponse list_jobs(const std::string& selector) {
    json::array items;
    for (const auto& [name, job] : jobs) {
      const json::value* labels = at(job, {"metadata", "labels"});
      if (labels && labels->is_object() && matches(labels->get_object(), selector)) items.push_back(job);
    }
    return list("JobList", items);
  }

  transport::HttpResponse list_pods(const std::string& selector) {
    json::array items;
    for (auto& [name, pod] : pods) {
      const json::value* labels = at(pod.object, {"metadata", "labels"});
      if (!labels || !labels->is_object() || !matches(labels->get_object(), selector)) continue;
      advance(pod);
      items.push_back(pod.object);
    }
    return list("PodList", items);
  }

  transport::HttpResponse log(const std::string& pod_name, const std::string& since) {
    auto it = pods.find(pod_name);
    if (it == pods.end()) return status_reply(404, "NotFound", fmt::format("pods \"{}\" not found", pod_name));
    if (it->second.steps <= it->second.script.pending_steps || !it->second.script.waiting_reason.empty()) {
      return status_reply(400, "BadRequest",
                          fmt::format("container \"main\" in pod \"{}\" is waiting to start: ContainerCreating", pod_name));
    }
    std::int64_t since_ns = 0;
    if (!since.empty()) {
      auto parsed = model::parse_time(since);
      if (!parsed) return status_reply(400, "BadRequest", "sinceTime: " + parsed.error().message);
      since_ns = *parsed / 1'000'000'000 * 1'000'000'000;  // whole seconds, as the API server compares
    }
    std::string body;
    for (const auto& [ts, text] : it->second.log) {
      if (ts >= since_ns) body += model::format_time(ts) + " " + text + "\n";
    }
    return {200, "text/plain", body};
  }

  transport::HttpResponse delete_job(const std::string& name, const std::string& policy) {
    auto it = jobs.find(name);
    if (it == jobs.end()) return status_reply(404, "NotFound", fmt::format("jobs.batch \"{}\" not found", name));
    json::object reply = fixture("status-success.json");
    reply["details"].as_object()["name"] = name;
    reply["details"].as_object()["uid"] = it->second["metadata"].as_object()["uid"];
    jobs.erase(it);
    // The API's default for Jobs orphans the pods; only Background/Foreground removes them.
    if (policy == "Background" || policy == "Foreground") {
      std::erase_if(pods, [&](const auto& entry) { return str(at(entry.second.object, {"metadata", "labels", "job-name"})) == name; });
    }
    return {200, "application/json", json::serialize(reply)};
  }

  transport::HttpResponse route(const transport::HttpRequest& request) {
    if (!options.token.empty() && request.authorization != "Bearer " + options.token) {
      return status_reply(401, "Unauthorized", "Unauthorized");
    }
    auto url = boost::urls::parse_origin_form(request.target);
    if (!url) return status_reply(400, "BadRequest", "bad target");
    const std::string path = std::string(url->path());
    for (auto& injection : injections) {
      if (injection.remaining > 0 && injection.method == request.method && path.starts_with(injection.prefix)) {
        --injection.remaining;
        return status_reply(injection.status, injection.status == 429 ? "TooManyRequests" : "InternalError",
                            fmt::format("injected {}", injection.status));
      }
    }
    std::map<std::string, std::string> params;
    for (const auto& p : url->params()) params[std::string(p.key)] = std::string(p.value);
    std::vector<std::string> seg;
    for (const auto& s : url->segments()) seg.push_back(std::string(s));
    // /apis/batch/v1/namespaces/{ns}/jobs[/{name}]
    if (seg.size() >= 6 && seg[0] == "apis" && seg[1] == "batch" && seg[2] == "v1" && seg[3] == "namespaces" && seg[5] == "jobs") {
      if (seg.size() == 6 && request.method == "POST") return create_job(seg[4], request.body);
      if (seg.size() == 6 && request.method == "GET") return list_jobs(params["labelSelector"]);
      if (seg.size() == 7 && request.method == "GET") {
        auto it = jobs.find(seg[6]);
        if (it == jobs.end()) return status_reply(404, "NotFound", fmt::format("jobs.batch \"{}\" not found", seg[6]));
        return {200, "application/json", json::serialize(it->second)};
      }
      if (seg.size() == 7 && request.method == "DELETE") {
        std::string policy = params["propagationPolicy"];
        if (policy.empty() && !request.body.empty()) {
          auto body = json::parse(request.body);
          policy = str(body.as_object().if_contains("propagationPolicy"));
        }
        return delete_job(seg[6], policy);
      }
    }
    // /api/v1/namespaces/{ns}/pods[/{name}/log]
    if (seg.size() >= 5 && seg[0] == "api" && seg[1] == "v1" && seg[2] == "namespaces" && seg[4] == "pods") {
      if (seg.size() == 5 && request.method == "GET") return list_pods(params["labelSelector"]);
      if (seg.size() == 7 && seg[6] == "log" && request.method == "GET") return log(seg[5], params["sinceTime"]);
    }
    return status_reply(404, "NotFound", "the server could not find the requested resource");
  }
};

std::unique_ptr<FakeKubeApi> FakeKubeApi::start(Options options) {
  std::unique_ptr<FakeKubeApi> fake(new FakeKubeApi());
  auto state = std::make_shared<State>();
  state->options = std::move(options);
  transport::HttpServerOptions server_options;
  server_options.host = "127.0.0.1";
  server_options.port = 0;
  server_options.tls_cert_file = state->options.tls_cert_file;
  server_options.tls_key_file = state->options.tls_key_file;
  std::weak_ptr<State> weak = state;
  auto server = transport::HttpServer::start(state->io, server_options, [weak](transport::HttpRequest request, transport::Responder respond) {
    auto s = weak.lock();
    if (!s) return;
    transport::HttpResponse response;
    {
      std::lock_guard lock(s->mutex);
      try {
        response = s->route(request);
      } catch (const std::exception& e) {
        response = s->status_reply(500, "InternalError", e.what());
      }
      s->requests.push_back(Request{request.method, request.target, response.status});
    }
    respond(std::move(response));
  });
  if (!server) return nullptr;
  state->server = std::move(*server);
  state->thread = std::thread([s = state.get()] { s->io.run(); });
  fake->state_ = std::move(state);
  return fake;
}

FakeKubeApi::~FakeKubeApi() {
  if (!state_) return;
  state_->server->stop();
  state_->io.stop();
  if (state_->thread.joinable()) state_->thread.join();
  state_->server.reset();
}

std::uint16_t FakeKubeApi::port() const { return state_->server->port(); }

void FakeKubeApi::set_script(std::function<FakePodScript(const json::object&)> script) {
  std::lock_guard lock(state_->mutex);
  state_->script = std::move(script);
}

void FakeKubeApi::rotate_token(std::string token) {
  std::lock_guard lock(state_->mutex);
  state_->options.token = std::move(token);
}

void FakeKubeApi::inject(std::string method, std::string path_prefix, int status, int times) {
  std::lock_guard lock(state_->mutex);
  state_->injections.push_back(Injection{std::move(method), std::move(path_prefix), status, times});
}

std::vector<FakeKubeApi::Request> FakeKubeApi::requests() const {
  std::lock_guard lock(state_->mutex);
  return state_->requests;
}

int FakeKubeApi::count(const std::string& method, const std::string& prefix) const {
  std::lock_guard lock(state_->mutex);
  int n = 0;
  for (const auto& r : state_->requests) n += r.method == method && r.target.starts_with(prefix);
  return n;
}

std::vector<std::string> FakeKubeApi::job_names() const {
  std::lock_guard lock(state_->mutex);
  std::vector<std::string> names;
  for (const auto& [name, job] : state_->jobs) names.push_back(name);
  return names;
}

std::vector<std::string> FakeKubeApi::pod_names() const {
  std::lock_guard lock(state_->mutex);
  std::vector<std::string> names;
  for (const auto& [name, pod] : state_->pods) names.push_back(name);
  return names;
}

json::value FakeKubeApi::job(const std::string& name) const {
  std::lock_guard lock(state_->mutex);
  auto it = state_->jobs.find(name);
  return it == state_->jobs.end() ? json::value(nullptr) : json::value(it->second);
}

bool make_self_signed_cert(const std::string& dir) {
  const std::string command = fmt::format(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
      "-keyout '{0}/key.pem' -out '{0}/cert.pem' >/dev/null 2>&1",
      dir);
  return std::system(command.c_str()) == 0 && std::filesystem::exists(dir + "/cert.pem");
}

}  // namespace colonies::testing
