// libFuzzer target for what the Kubernetes executor reads (executors/k8s). The first byte picks:
//   'C': the rest is a kubeconfig (parse_kubeconfig; the files it names are answered in memory,
//       never read from this machine). An accepted one must name a host and a port.
//   anything else: bits of the byte choose options; the rest is "<JobList>\x1e<PodList>\x1e<pod
//       log>" (record separators; missing parts are empty), the bodies of the API's replies. A
//       K8sBackend over an in-process KubeApi submits one process, reattaches the Jobs of the
//       list, refreshes once (status of every Job and pod, logs), then cancels what is left and
//       polls again. Every job must end exactly once, with errors exactly when it failed; no line
//       may follow the end, and lines must be valid UTF-8; a log whose lines all carry ordered
//       timestamps must be shipped in order without repeats.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h>

#include "executors/common/job_output.hpp"
#include "executors/k8s/k8s_backend.hpp"
#include "executors/k8s/kube_config.hpp"

namespace {

namespace k8s = colonies::executors::k8s;
namespace json = boost::json;
using colonies::ErrorCode;
using colonies::Result;
using colonies::Status;
using colonies::executors::JobResult;
using colonies::executors::OutputStream;

constexpr char kSeparator = '\x1e';
const std::string kProcessId = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "k8s fuzzer: %s\n", what);
  std::abort();
}

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

struct Sink final : colonies::executors::JobSink {
  std::vector<std::string> out;
  int ends = 0;
  std::optional<JobResult> result;
  void line(OutputStream stream, std::string_view text) override {
    require(ends == 0, "a line after the job ended");
    require(valid_utf8(text), "a line that is not valid UTF-8");
    require(text.find('\n') == std::string_view::npos, "a line with a line break");
    if (stream == OutputStream::Stdout) out.emplace_back(text);
  }
  void finished(JobResult r) override {
    ++ends;
    require(ends == 1, "a job ended twice");
    require(r.success == r.errors.empty(), "errors on a success, or a failure without errors");
    result = std::move(r);
  }
};

// Answers the backend's calls from the input: the lists and the log as the API server's bodies.
class InputApi final : public k8s::KubeApi {
 public:
  InputApi(std::string jobs, std::string pods, std::string log, bool create_conflicts, bool delete_fails)
      : KubeApi(connection(), "colonies", no_retry()),
        jobs_(std::move(jobs)),
        pods_(std::move(pods)),
        log_(std::move(log)),
        create_conflicts_(create_conflicts),
        delete_fails_(delete_fails) {}

  Result<json::object> create_job(const json::object& job) override {
    if (create_conflicts_) return colonies::fail(ErrorCode::Conflict, "jobs.batch already exists");
    return job;
  }
  Result<json::object> get_job(const std::string& name) override {
    COLONIES_TRY(items, k8s::parse_list_reply(jobs_, "jobs"));
    for (const auto& item : items) {
      if (item.is_object()) return item.get_object();
    }
    return colonies::fail(ErrorCode::NotFound, "jobs.batch \"{}\" not found", name);
  }
  Result<json::array> list_jobs(const std::string&) override { return k8s::parse_list_reply(jobs_, "jobs"); }
  Result<json::array> list_pods(const std::string&) override { return k8s::parse_list_reply(pods_, "pods"); }
  Result<std::string> pod_log(const std::string&, const std::string&, const std::optional<std::string>&) override {
    return log_;
  }
  Status delete_job(const std::string& name) override {
    if (delete_fails_) return colonies::fail(ErrorCode::NotFound, "jobs.batch \"{}\" not found", name);
    return colonies::ok();
  }

 private:
  // Never used (nothing is retried), but the defaults would seed a generator from the system.
  static k8s::RetryPolicy no_retry() {
    k8s::RetryPolicy retry;
    retry.sleep = [](std::chrono::milliseconds) {};
    retry.random = [] { return 0.5; };
    return retry;
  }
  static k8s::KubeConnection connection() {
    k8s::KubeConnection c;
    c.host = "127.0.0.1";
    c.port = 9;  // never dialled: every call is answered above
    c.tls = false;
    return c;
  }
  std::string jobs_, pods_, log_;
  bool create_conflicts_, delete_fails_;
};

// The stdout lines a log must give when every line has a timestamp and they never go back: each
// entry's text once, in order. nullopt for other logs.
std::optional<std::vector<std::string>> expected_lines(std::string_view log) {
  std::vector<std::string> lines;
  colonies::model::TimeNs last = 0;
  while (!log.empty()) {
    auto newline = log.find('\n');
    std::string_view entry = log.substr(0, newline);
    log = newline == std::string_view::npos ? std::string_view() : log.substr(newline + 1);
    if (!entry.empty() && entry.back() == '\r') entry.remove_suffix(1);
    auto space = entry.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    auto stamp = colonies::model::parse_time(entry.substr(0, space));
    if (!stamp || *stamp <= 0 || *stamp < last) return std::nullopt;
    last = *stamp;
    lines.push_back(colonies::executors::sanitize_utf8(entry.substr(space + 1)));
  }
  return lines;
}

void check_kubeconfig(std::string_view yaml) {
  auto read = [](const std::filesystem::path& file, std::string_view) -> Result<std::string> {
    if (file.filename() == "missing") return colonies::fail(ErrorCode::BadRequest, "cannot read {}", file.string());
    if (file.filename() == "empty") return std::string("  \n");
    return std::string("file-contents\n");
  };
  auto conn = k8s::parse_kubeconfig(yaml, "/kube/config", "", read);
  if (!conn) {
    require(!conn.error().message.empty(), "refusal without a message");
    return;
  }
  require(!conn->host.empty() && conn->port != 0, "accepted a connection without a host or port");
  require(conn->client_cert_pem.empty() == conn->client_key_pem.empty(), "a client certificate without its key");
  require(conn->token_file.empty() || !conn->token.empty(), "a token file read as an empty token");
}

void check_backend(std::uint8_t options, std::string_view rest) {
  std::vector<std::string> parts;
  while (parts.size() < 2) {
    auto at = rest.find(kSeparator);
    if (at == std::string_view::npos) break;
    parts.emplace_back(rest.substr(0, at));
    rest.remove_prefix(at + 1);
  }
  parts.emplace_back(rest);
  parts.resize(3);

  k8s::K8sBackendConfig config;
  config.site.executor_name = "k8s-lab";
  config.site.ns = "colonies";
  config.site.default_image = "busybox:1.36";
  config.poll_interval = std::chrono::milliseconds(1);
  // Either image pulls are given up at once or never within the run, so both branches are reached.
  config.image_pull_timeout = (options & 1) ? std::chrono::milliseconds(0) : std::chrono::hours(1);
  config.keep_jobs = (options & 2) != 0;
  const auto start = std::chrono::steady_clock::time_point{} + std::chrono::hours(1000);
  config.now = [start] { return start; };
  auto backend = k8s::K8sBackend::create(
      config, std::make_unique<InputApi>(parts[0], parts[1], parts[2], (options & 4) != 0, (options & 8) != 0));
  require(backend.has_value(), "the backend refused a valid configuration");

  std::deque<Sink> sinks;  // one per job; a deque keeps references stable as it grows
  colonies::model::Process process;
  process.processid = kProcessId;
  process.starttime = 1'790'000'000'000'000'000LL;
  process.spec.funcname = "echo";
  process.spec.conditions.colonyname = "lab";
  process.spec.conditions.executortype = "k8s";
  process.spec.conditions.mem = "256Mi";
  int submitted = 0;
  if (auto handle = (*backend)->submit(process, sinks.emplace_back())) ++submitted;
  auto reattached = (*backend)->reattach([&](const std::string&) -> colonies::executors::JobSink& { return sinks.emplace_back(); });
  const int tracked = submitted + (reattached ? static_cast<int>(reattached->size()) : 0);
  require((*backend)->stats().running == tracked, "the backend does not track what it submitted and found");

  // One refresh (reattach makes it due at once), then cancel what is left and let poll end it.
  (void)(*backend)->poll(std::chrono::milliseconds(0));
  for (int handle = 1; handle <= tracked + 1; ++handle) (void)(*backend)->cancel(handle, "stopped by the fuzzer");
  (void)(*backend)->poll(std::chrono::milliseconds(0));

  require((*backend)->stats().running == 0, "a job is still tracked after everything was cancelled");
  int ended = 0;
  for (const auto& sink : sinks) ended += sink.ends;
  require(ended == tracked, "a job did not end exactly once");
  if (auto expected = expected_lines(parts[2])) {
    for (const auto& sink : sinks) {
      require(sink.out.size() <= expected->size(), "a log line shipped twice");
      for (std::size_t i = 0; i < sink.out.size(); ++i) {
        require(sink.out[i] == (*expected)[i], "log lines shipped out of order or altered");
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The backend logs every Job it creates and ends; millions of runs need none of it.
  static const bool quiet = [] {
    spdlog::set_level(spdlog::level::off);
    return true;
  }();
  (void)quiet;
  if (size == 0 || size > 65536) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input[0] == 'C') {
    check_kubeconfig(input.substr(1));
  } else {
    check_backend(static_cast<std::uint8_t>(input[0]), input.substr(1));
  }
  return 0;
}
