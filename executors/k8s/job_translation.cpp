// FunctionSpec + site settings -> batch/v1 Job JSON (see job_translation.hpp). Every check here
// is about what Kubernetes accepts or what a Job can express; the server already validated the
// spec for scheduling.
#include "executors/k8s/job_translation.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "core/model/resources.hpp"

namespace colonies::executors::k8s {

namespace {

constexpr std::size_t kMaxLabelValue = 63;
constexpr std::size_t kMaxSubdomain = 253;
constexpr std::size_t kProcessIdPrefix = 36;

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

// RFC 1123 label: lower-case alphanumerics and '-', alphanumeric at both ends, at most 63.
bool is_dns_label(std::string_view text) {
  if (text.empty() || text.size() > kMaxLabelValue) return false;
  if (!is_lower_alnum(text.front()) || !is_lower_alnum(text.back())) return false;
  for (char c : text) {
    if (!is_lower_alnum(c) && c != '-') return false;
  }
  return true;
}

// RFC 1123 subdomain: dot-separated labels, at most 253.
bool is_dns_subdomain(std::string_view text) {
  if (text.empty() || text.size() > kMaxSubdomain) return false;
  std::size_t start = 0;
  while (true) {
    auto dot = text.find('.', start);
    if (!is_dns_label(text.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// Label key / resource name: [prefix/]name, the name up to 63 of [A-Za-z0-9-_.] with
// alphanumeric ends, the prefix a DNS subdomain.
bool is_qualified_name(std::string_view text) {
  auto slash = text.find('/');
  std::string_view name = text;
  if (slash != std::string_view::npos) {
    if (!is_dns_subdomain(text.substr(0, slash))) return false;
    name = text.substr(slash + 1);
  }
  return !name.empty() && is_label_value(name);
}

// An image reference as a container runtime reads it; Kubernetes checks little more than this.
bool is_image_reference(std::string_view text) {
  if (text.empty() || text.size() > 4096) return false;
  for (unsigned char c : text) {
    if (c <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

Status check_labels(const std::map<std::string, std::string>& labels) {
  static const std::set<std::string_view> reserved{kExecutorLabel, kProcessLabel, kJobLabel, kManagedByLabel};
  for (const auto& [key, value] : labels) {
    if (!is_qualified_name(key)) {
      return fail(ErrorCode::BadRequest, "labels: '{}' is not a valid Kubernetes label key", key);
    }
    if (!is_label_value(value)) {
      return fail(ErrorCode::BadRequest,
                  "labels: the value '{}' of {} is not a valid label value (at most 63 of A-Z a-z 0-9 - _ ., "
                  "alphanumeric at both ends)",
                  value, key);
    }
    if (reserved.contains(key)) {
      return fail(ErrorCode::BadRequest, "labels: {} is set by the executor itself and cannot be configured", key);
    }
  }
  return ok();
}

// The kwargs a Job can use; anything else is refused rather than ignored.
struct Kwargs {
  std::string image;
  std::string image_pull_policy;
  std::string working_dir;
};

Result<Kwargs> read_kwargs(const json::object& kwargs) {
  Kwargs out;
  for (const auto& [key, value] : kwargs) {
    auto text = [&]() -> Result<std::string> {
      if (!value.is_string()) return fail(ErrorCode::BadRequest, "kwargs.{} must be a string", std::string_view(key));
      return std::string(value.get_string());
    };
    if (key == "image") {
      COLONIES_TRY(image, text());
      if (!is_image_reference(image)) {
        return fail(ErrorCode::BadRequest, "kwargs.image '{}' is not a container image reference", image);
      }
      out.image = std::move(image);
    } else if (key == "imagepullpolicy") {
      COLONIES_TRY(policy, text());
      if (policy != "Always" && policy != "IfNotPresent" && policy != "Never") {
        return fail(ErrorCode::BadRequest, "kwargs.imagepullpolicy '{}' must be Always, IfNotPresent or Never", policy);
      }
      out.image_pull_policy = std::move(policy);
    } else if (key == "workingdir") {
      COLONIES_TRY(dir, text());
      if (!dir.starts_with('/') || has_nul(dir)) {
        return fail(ErrorCode::BadRequest, "kwargs.workingdir '{}' must be an absolute path", dir);
      }
      out.working_dir = std::move(dir);
    } else {
      return fail(ErrorCode::BadRequest,
                  "kwargs.{} is not understood by the Kubernetes executor (it knows image, imagepullpolicy, "
                  "workingdir); remove it",
                  std::string_view(key));
    }
  }
  return out;
}

Status check_shape(const model::Conditions& c) {
  if (c.nodes > 1) {
    return fail(ErrorCode::BadRequest,
                "conditions.nodes is {}: the Kubernetes executor runs each process as one pod; submit with nodes 1 "
                "or target a Slurm executor",
                c.nodes);
  }
  if (c.processes > 1 || c.processespernode > 1) {
    return fail(ErrorCode::BadRequest,
                "conditions.processes {} / processespernode {}: MPI ranks need an MPI launcher, which a Kubernetes "
                "Job does not have; submit with at most 1 of each or target an MPI-capable executor",
                c.processes, c.processespernode);
  }
  if (c.walltime < 0) return fail(ErrorCode::BadRequest, "conditions.walltime is {}: it must not be negative", c.walltime);
  return ok();
}

// requests and limits from cpu, mem, storage and GPUs. Requests equal limits: the pod gets what
// the scheduler reserved for it (Guaranteed QoS), and memory above the limit ends in OOMKilled.
Result<json::object> resources(const model::Conditions& c, const SiteConfig& site, json::object& node_selector) {
  json::object amounts;
  auto cpu = model::parse_cpu(c.cpu);
  if (!cpu || *cpu < 0) {
    return fail(ErrorCode::BadRequest, "conditions.cpu '{}' is not a CPU amount (use e.g. \"2\" or \"500m\")", c.cpu);
  }
  if (*cpu > 0) amounts["cpu"] = cpu_quantity(*cpu);
  auto mem = model::parse_bytes(c.mem);
  if (!mem || *mem < 0) {
    return fail(ErrorCode::BadRequest, "conditions.mem '{}' is not a memory amount (use e.g. \"512Mi\" or \"4Gi\")", c.mem);
  }
  if (*mem > 0) amounts["memory"] = memory_quantity(*mem);
  auto storage = model::parse_bytes(c.storage);
  if (!storage || *storage < 0) {
    return fail(ErrorCode::BadRequest, "conditions.storage '{}' is not a storage amount (use e.g. \"10Gi\")", c.storage);
  }
  if (*storage > 0) amounts["ephemeral-storage"] = memory_quantity(*storage);

  const model::Gpu& gpu = c.gpu;
  if (gpu.count < 0) return fail(ErrorCode::BadRequest, "conditions.gpu.count is {}: it must not be negative", gpu.count);
  if (!gpu.mem.empty()) {
    return fail(ErrorCode::BadRequest,
                "conditions.gpu.mem '{}' cannot be expressed in a Kubernetes Job (GPU memory is not a schedulable "
                "resource); remove it and choose the GPU model with conditions.gpu.name",
                gpu.mem);
  }
  if (gpu.nodecount > 1) {
    return fail(ErrorCode::BadRequest, "conditions.gpu.nodecount is {}: a Job's pod runs on one node", gpu.nodecount);
  }
  if (!gpu.name.empty()) {
    if (gpu.count == 0) {
      return fail(ErrorCode::BadRequest, "conditions.gpu.name '{}' is given but conditions.gpu.count is 0; ask for at least 1 GPU",
                  gpu.name);
    }
    if (!is_label_value(gpu.name)) {
      return fail(ErrorCode::BadRequest,
                  "conditions.gpu.name '{}' cannot be matched against node label {} (at most 63 of A-Z a-z 0-9 - _ .)",
                  gpu.name, site.gpu_node_label);
    }
    node_selector[site.gpu_node_label] = gpu.name;
  }
  json::object limits = amounts;
  if (gpu.count > 0) limits[site.gpu_resource] = std::to_string(gpu.count);  // extended resources: limits only
  json::object out;
  if (!amounts.empty()) out["requests"] = std::move(amounts);
  if (!limits.empty()) out["limits"] = std::move(limits);
  return out;
}

Result<json::array> container_env(const model::Process& process) {
  json::array env;
  for (const auto& [name, value] : process.spec.env) {
    if (name.empty() || name.find('=') != std::string::npos || has_nul(name)) {
      return fail(ErrorCode::BadRequest, "env name '{}' is not a valid environment variable name (empty, or has '=')", name);
    }
    if (name == "COLONIES_PROCESS_ID" || name == "COLONIES_COLONY_NAME") {
      return fail(ErrorCode::BadRequest, "env {} is set by the executor; remove it from the spec", name);
    }
    if (has_nul(value)) return fail(ErrorCode::BadRequest, "env {} contains a NUL byte", name);
    env.push_back(json::object{{"name", name}, {"value", value}});
  }
  env.push_back(json::object{{"name", "COLONIES_PROCESS_ID"}, {"value", process.processid}});
  env.push_back(json::object{{"name", "COLONIES_COLONY_NAME"}, {"value", process.spec.conditions.colonyname}});
  return env;
}

bool fs_requested(const json::value& fs) {
  if (fs.is_null()) return false;
  if (fs.is_object()) return !fs.get_object().empty();
  return true;
}

}  // namespace

bool is_label_value(std::string_view text) {
  if (text.empty()) return true;
  if (text.size() > kMaxLabelValue || !is_alnum(text.front()) || !is_alnum(text.back())) return false;
  for (char c : text) {
    if (!is_alnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

std::string cpu_quantity(std::int64_t millicores) { return model::format_cpu(millicores); }

std::string memory_quantity(std::int64_t bytes) {
  constexpr std::int64_t kKi = 1024;
  if (bytes != 0 && bytes % (kKi * kKi * kKi * kKi) == 0) return std::to_string(bytes / (kKi * kKi * kKi * kKi)) + "Ti";
  if (bytes != 0 && bytes % (kKi * kKi * kKi) == 0) return std::to_string(bytes / (kKi * kKi * kKi)) + "Gi";
  if (bytes != 0 && bytes % (kKi * kKi) == 0) return std::to_string(bytes / (kKi * kKi)) + "Mi";
  if (bytes != 0 && bytes % kKi == 0) return std::to_string(bytes / kKi) + "Ki";
  return std::to_string(bytes);
}

Status validate(const SiteConfig& site) {
  if (!is_label_value(site.executor_name) || site.executor_name.empty()) {
    return fail(ErrorCode::BadRequest,
                "executor name '{}' cannot label Kubernetes Jobs (at most 63 of A-Z a-z 0-9 - _ ., alphanumeric at "
                "both ends); choose another --name",
                site.executor_name);
  }
  if (!is_dns_label(site.ns)) {
    return fail(ErrorCode::BadRequest, "namespace '{}' is not a valid Kubernetes namespace name", site.ns);
  }
  if (!site.default_image.empty() && !is_image_reference(site.default_image)) {
    return fail(ErrorCode::BadRequest, "default-image '{}' is not a container image reference", site.default_image);
  }
  for (const auto& secret : site.image_pull_secrets) {
    if (!is_dns_subdomain(secret)) {
      return fail(ErrorCode::BadRequest, "image-pull-secrets: '{}' is not a valid Secret name", secret);
    }
  }
  if (!site.service_account.empty() && !is_dns_subdomain(site.service_account)) {
    return fail(ErrorCode::BadRequest, "service-account '{}' is not a valid ServiceAccount name", site.service_account);
  }
  if (!is_qualified_name(site.gpu_resource)) {
    return fail(ErrorCode::BadRequest, "gpu-resource '{}' is not a valid resource name", site.gpu_resource);
  }
  if (!is_qualified_name(site.gpu_node_label)) {
    return fail(ErrorCode::BadRequest, "gpu-node-label '{}' is not a valid label key", site.gpu_node_label);
  }
  COLONIES_CHECK(check_labels(site.labels));
  if (site.job_ttl_s < kMinJobTtl) {
    return fail(ErrorCode::BadRequest,
                "job-ttl {} s is too short: finished Jobs must outlive an executor restart so their status can "
                "still be read; use at least {} s",
                site.job_ttl_s, kMinJobTtl);
  }
  return ok();
}

Result<SiteConfig> site_config_from_json(const json::value& value) {
  static const std::set<std::string_view> known{"executor-name",  "namespace",      "default-image", "image-pull-secrets",
                                                "service-account", "gpu-resource", "gpu-node-label", "labels",
                                                "job-ttl"};
  COLONIES_TRY(reader, model::FieldReader::of(value, "site"));
  for (const auto& [key, unused] : value.get_object()) {
    (void)unused;
    if (!known.contains(key)) return fail(ErrorCode::BadRequest, "site: unknown setting '{}'", std::string_view(key));
  }
  SiteConfig site;
  COLONIES_CHECK(reader.str("executor-name", site.executor_name));
  COLONIES_CHECK(reader.str("namespace", site.ns));
  COLONIES_CHECK(reader.str("default-image", site.default_image));
  COLONIES_CHECK(reader.strings("image-pull-secrets", site.image_pull_secrets));
  COLONIES_CHECK(reader.str("service-account", site.service_account));
  COLONIES_CHECK(reader.str("gpu-resource", site.gpu_resource));
  COLONIES_CHECK(reader.str("gpu-node-label", site.gpu_node_label));
  COLONIES_CHECK(reader.string_map("labels", site.labels));
  COLONIES_CHECK(reader.i64("job-ttl", site.job_ttl_s));
  COLONIES_CHECK(validate(site));
  return site;
}

Result<std::string> job_name(const model::Process& process) {
  const std::string& id = process.processid;
  if (id.size() < kProcessIdPrefix || !std::all_of(id.begin(), id.end(), is_lower_alnum)) {
    return fail(ErrorCode::BadRequest, "process ID '{}' is not a lower-case hex ID", id);
  }
  if (process.starttime < 0) return fail(ErrorCode::BadRequest, "process starttime is negative");
  // The assignment's start time tells attempts apart, also re-assignments that do not count as
  // a retry; base 36 keeps it short: 9 + 36 + 1 + at most 13 = 59 characters.
  std::string stamp;
  auto t = static_cast<std::uint64_t>(process.starttime);
  do {
    stamp.insert(stamp.begin(), "0123456789abcdefghijklmnopqrstuvwxyz"[t % 36]);
    t /= 36;
  } while (t != 0);
  return "colonies-" + id.substr(0, kProcessIdPrefix) + "-" + stamp;
}

Result<json::object> translate_job(const model::Process& process, const SiteConfig& site) {
  const model::FunctionSpec& spec = process.spec;
  COLONIES_CHECK(check_shape(spec.conditions));
  if (fs_requested(spec.fs)) {
    return fail(ErrorCode::BadRequest,
                "spec.fs (ColonyFS files) is not supported by the Kubernetes executor; bake inputs into the image or "
                "fetch them in the container");
  }
  if (spec.funcname.empty()) return fail(ErrorCode::BadRequest, "funcname is empty: it names the program to run");
  if (has_nul(spec.funcname)) return fail(ErrorCode::BadRequest, "funcname contains a NUL byte");
  COLONIES_TRY(kwargs, read_kwargs(spec.kwargs));
  std::string image = kwargs.image.empty() ? site.default_image : kwargs.image;
  if (image.empty()) {
    return fail(ErrorCode::BadRequest,
                "no container image: set kwargs.image in the spec, or start the executor with --default-image");
  }
  json::array args;
  for (std::size_t i = 0; i < spec.args.size(); ++i) {
    const json::value& arg = spec.args[i];
    if (!arg.is_string()) {
      return fail(ErrorCode::BadRequest,
                  "args[{}] is {}: the Kubernetes executor passes arguments as strings only; quote it",
                  i, boost::json::serialize(arg));
    }
    if (has_nul(arg.get_string())) return fail(ErrorCode::BadRequest, "args[{}] contains a NUL byte", i);
    args.push_back(arg);
  }
  COLONIES_TRY(env, container_env(process));
  json::object node_selector;
  COLONIES_TRY(limits, resources(spec.conditions, site, node_selector));
  COLONIES_TRY(name, job_name(process));

  json::object labels;
  labels[kManagedByLabel] = "colonies";
  labels[kExecutorLabel] = site.executor_name;
  labels[kProcessLabel] = process.processid.substr(0, kMaxLabelValue);
  labels[kJobLabel] = name;
  for (const auto& [key, value] : site.labels) labels[key] = value;
  json::object annotations{{kProcessAnnotation, process.processid}};

  json::object container;
  container["name"] = kContainerName;
  container["image"] = image;
  if (!kwargs.image_pull_policy.empty()) container["imagePullPolicy"] = kwargs.image_pull_policy;
  container["command"] = json::array{json::string(spec.funcname)};
  if (!args.empty()) container["args"] = std::move(args);
  if (!kwargs.working_dir.empty()) container["workingDir"] = kwargs.working_dir;
  container["env"] = std::move(env);
  if (!limits.empty()) container["resources"] = std::move(limits);

  json::object pod_spec;
  pod_spec["restartPolicy"] = "Never";  // a failed container ends the attempt; retries are the server's
  if (!site.service_account.empty()) pod_spec["serviceAccountName"] = site.service_account;
  if (!site.image_pull_secrets.empty()) {
    json::array secrets;
    for (const auto& secret : site.image_pull_secrets) secrets.push_back(json::object{{"name", secret}});
    pod_spec["imagePullSecrets"] = std::move(secrets);
  }
  if (!node_selector.empty()) pod_spec["nodeSelector"] = std::move(node_selector);
  pod_spec["containers"] = json::array{std::move(container)};

  json::object job_spec;
  job_spec["backoffLimit"] = 0;  // the server owns retries (maxretries); a second pod would run the process twice
  if (spec.conditions.walltime > 0) job_spec["activeDeadlineSeconds"] = spec.conditions.walltime;
  job_spec["ttlSecondsAfterFinished"] = site.job_ttl_s;
  job_spec["template"] = json::object{{"metadata", json::object{{"labels", labels}, {"annotations", annotations}}},
                                      {"spec", std::move(pod_spec)}};

  json::object job;
  job["apiVersion"] = "batch/v1";
  job["kind"] = "Job";
  job["metadata"] = json::object{{"name", name},
                                 {"namespace", site.ns},
                                 {"labels", std::move(labels)},
                                 {"annotations", std::move(annotations)}};
  job["spec"] = std::move(job_spec);
  return job;
}

}  // namespace colonies::executors::k8s
