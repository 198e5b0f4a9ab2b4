// colonies-k8s-executor: composition root. Parses flags, config file and environment, builds the
// KubeApi from a kubeconfig or the in-cluster service account, wires K8sBackend into the executor
// Runtime and turns SIGTERM/SIGINT into a graceful stop. No logic of its own beyond that.
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "core/model/resources.hpp"
#include "executors/common/daemon.hpp"
#include "executors/k8s/k8s_backend.hpp"
#include "executors/k8s/kube_config.hpp"

namespace {

using namespace colonies;
using namespace colonies::executors;

constexpr const char* kProgram = "colonies-k8s-executor";

std::string env_or(const char* name, std::string fallback) {
  const char* value = std::getenv(name);
  return value && *value ? std::string(value) : std::move(fallback);
}

// kubeconfig, then in-cluster when asked or when running in a pod without a kubeconfig.
Result<k8s::KubeConnection> connection(const std::string& kubeconfig, const std::string& context, bool in_cluster) {
  const std::string host = env_or("KUBERNETES_SERVICE_HOST", "");
  const std::string port = env_or("KUBERNETES_SERVICE_PORT", "");
  if (in_cluster) return k8s::in_cluster_connection(host, port);
  if (!kubeconfig.empty()) return k8s::load_kubeconfig(kubeconfig, context);
  const std::string home = env_or("HOME", "");
  std::filesystem::path default_file = home.empty() ? std::filesystem::path() : std::filesystem::path(home) / ".kube/config";
  if (!host.empty() && (default_file.empty() || !std::filesystem::exists(default_file))) {
    return k8s::in_cluster_connection(host, port);
  }
  if (default_file.empty()) {
    return fail(ErrorCode::BadRequest, "no Kubernetes credentials: pass --kubeconfig FILE or --in-cluster");
  }
  return k8s::load_kubeconfig(default_file, context);
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_default_logger(spdlog::stderr_color_mt("k8s-executor"));

  RuntimeConfig rc;
  rc.server.host = "localhost";
  rc.executor_name = "k8s";
  rc.executor_type = "k8s";
  rc.max_jobs = 20;
  k8s::K8sBackendConfig kc;
  std::string kubeconfig, kube_context, ns, cpu, mem, gpu_name;
  std::vector<std::string> labels;
  bool in_cluster = false;
  DaemonOptions daemon;
  int gpus = 0;
  double poll_interval_s = 2.0;
  int image_pull_timeout_s = 300;

  CLI::App app{"Colonies Kubernetes executor: pulls processes of its colony and runs each as a Kubernetes batch/v1 "
               "Job (container image from kwargs.image or --default-image, command = funcname + args, no shell). "
               "Settings can also come from a TOML file (--config; keys are the long option names) and from the "
               "environment variables named below. See docs/executor-k8s.md."};
  add_daemon_options(app, rc, daemon);
  app.get_option("--name")->description("Executor name, unique in the colony; also labels its Kubernetes Jobs");
  app.get_option("--max-jobs")->description("Kubernetes Jobs in flight at once");
  app.add_option("--cpu", cpu, "CPU this executor may use in the cluster (\"64\", \"500m\"); offered with each assign")
      ->envname("COLONIES_EXECUTOR_CPU");
  app.add_option("--mem", mem, "Memory this executor may use in the cluster (\"256Gi\")")->envname("COLONIES_EXECUTOR_MEM");
  app.add_option("--gpus", gpus, "GPUs this executor may use in the cluster")->envname("COLONIES_EXECUTOR_GPUS")
      ->check(CLI::Range(0, 1000000));
  app.add_option("--gpu-name", gpu_name, "GPU model advertised with --gpus")->envname("COLONIES_EXECUTOR_GPU_NAME");
  // Kubernetes access.
  app.add_option("--kubeconfig", kubeconfig, "kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)")
      ->envname("KUBECONFIG");
  app.add_option("--kube-context", kube_context, "kubeconfig context (default: its current-context)")
      ->envname("COLONIES_K8S_CONTEXT");
  app.add_flag("--in-cluster", in_cluster, "Use the pod's service account (token, CA and namespace files)")
      ->envname("COLONIES_K8S_IN_CLUSTER");
  // Site settings (docs/executor-k8s.md).
  app.add_option("--namespace", ns, "Namespace of the Jobs (default: the context's or service account's, else \"default\")")
      ->envname("COLONIES_K8S_NAMESPACE");
  app.add_option("--default-image", kc.site.default_image, "Container image for processes without kwargs.image")
      ->envname("COLONIES_K8S_DEFAULT_IMAGE");
  app.add_option("--image-pull-secret", kc.site.image_pull_secrets, "imagePullSecrets entry (repeatable)")
      ->envname("COLONIES_K8S_IMAGE_PULL_SECRETS")->delimiter(',');
  app.add_option("--service-account", kc.site.service_account, "ServiceAccount the Jobs' pods run as")
      ->envname("COLONIES_K8S_SERVICE_ACCOUNT");
  app.add_option("--gpu-resource", kc.site.gpu_resource, "Extended resource requested for conditions.gpu.count")
      ->envname("COLONIES_K8S_GPU_RESOURCE")->capture_default_str();
  app.add_option("--gpu-node-label", kc.site.gpu_node_label, "Node label matched against conditions.gpu.name")
      ->envname("COLONIES_K8S_GPU_NODE_LABEL")->capture_default_str();
  app.add_option("--label", labels, "Extra label KEY=VALUE on Jobs and pods (repeatable)")
      ->envname("COLONIES_K8S_LABELS")->delimiter(',');
  app.add_option("--job-ttl", kc.site.job_ttl_s, "ttlSecondsAfterFinished of the Jobs (safety net; at least 600)")
      ->envname("COLONIES_K8S_JOB_TTL")->capture_default_str();
  app.add_option("--poll-interval", poll_interval_s, "Seconds between two status refreshes (one pod and one Job list)")
      ->envname("COLONIES_K8S_POLL_INTERVAL")->capture_default_str()->check(CLI::Range(0.05, 600.0));
  app.add_option("--image-pull-timeout", image_pull_timeout_s,
                 "Seconds a container may fail to get its image (ImagePullBackOff) before the process fails")
      ->envname("COLONIES_K8S_IMAGE_PULL_TIMEOUT")->capture_default_str()->check(CLI::Range(1, 86400));
  app.add_flag("--keep-jobs", kc.keep_jobs, "Leave finished Jobs to their TTL instead of deleting them (debugging)");
  CLI11_PARSE(app, argc, argv);

  if (auto applied = apply_daemon_options(rc, daemon); !applied) {
    spdlog::error("{}", applied.error().message);
    return 2;
  }
  kc.poll_interval = std::chrono::milliseconds(static_cast<std::int64_t>(poll_interval_s * 1000));
  kc.image_pull_timeout = std::chrono::seconds(image_pull_timeout_s);
  kc.site.executor_name = rc.executor_name;
  for (const auto& label : labels) {
    auto eq = label.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << kProgram << ": --label '" << label << "' must be KEY=VALUE\n";
      return 2;
    }
    kc.site.labels[label.substr(0, eq)] = label.substr(eq + 1);
  }
  if (!cpu.empty() || !mem.empty() || gpus > 0) {
    model::Hardware hw;
    if (!cpu.empty()) {
      auto millis = model::parse_cpu(cpu);
      if (!millis || *millis <= 0) {
        std::cerr << kProgram << ": --cpu '" << cpu << "' is not a CPU amount; use e.g. 64 or 500m\n";
        return 2;
      }
      hw.cpu = cpu;
    }
    if (!mem.empty()) {
      auto bytes = model::parse_bytes(mem);
      if (!bytes || *bytes <= 0) {
        std::cerr << kProgram << ": --mem '" << mem << "' is not a memory amount; use e.g. 256Gi\n";
        return 2;
      }
      hw.mem = mem;
    }
    hw.gpu.count = gpus;
    hw.gpu.name = gpu_name;
    rc.capabilities.hardware = {hw};
  }
  if (auto valid = validate(rc); !valid) {
    std::cerr << kProgram << ": " << valid.error().message << "\n";
    return 2;
  }
  {
    // Site settings are checked before reading credentials, so a typo is named first; the
    // namespace may still come from the kubeconfig and is checked again below.
    k8s::SiteConfig early = kc.site;
    early.ns = ns.empty() ? "default" : ns;
    if (auto site = k8s::validate(early); !site) {
      std::cerr << kProgram << ": " << site.error().message << "\n";
      return 2;
    }
  }
  auto conn = connection(kubeconfig, kube_context, in_cluster);
  if (!conn) {
    std::cerr << kProgram << ": " << conn.error().message << "\n";
    return 2;
  }
  kc.site.ns = !ns.empty() ? ns : (!conn->ns.empty() ? conn->ns : "default");
  if (auto site = k8s::validate(kc.site); !site) {
    std::cerr << kProgram << ": " << site.error().message << "\n";
    return 2;
  }
  spdlog::info("Kubernetes API {} namespace {}", conn->describe(), kc.site.ns);
  auto api = std::make_unique<k8s::KubeApi>(std::move(*conn), kc.site.ns);
  auto backend = k8s::K8sBackend::create(kc, std::move(api));
  if (!backend) {
    std::cerr << kProgram << ": " << backend.error().message << "\n";
    return 2;
  }

  return run_until_stopped(rc, daemon, std::move(*backend), "running Jobs are left to the next start");
}
