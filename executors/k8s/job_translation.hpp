// Pure translation of an assigned process into a Kubernetes batch/v1 Job (JSON), plus the site
// settings it needs and the names and labels that tie a Job back to its process. No I/O: the
// rules are golden-tested as data (tests/golden/k8s). What a Job cannot express (several nodes,
// MPI ranks, ColonyFS files, unknown kwargs) is refused with a message saying what to change,
// never dropped. docs/executor-k8s.md states the rules for users.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error/error.hpp"
#include "core/model/json.hpp"
#include "core/model/process.hpp"

namespace colonies::executors::k8s {

namespace json = boost::json;

// Label and annotation keys the executor writes on its Jobs and their pods.
inline constexpr std::string_view kExecutorLabel = "colonies.io/executor";
// Label values are at most 63 characters and a process ID has 64, so the label carries a prefix
// (for selectors and humans) and the annotation the whole ID (what reattach trusts).
inline constexpr std::string_view kProcessLabel = "colonies.io/process";
inline constexpr std::string_view kProcessAnnotation = "colonies.io/processid";
inline constexpr std::string_view kJobLabel = "colonies.io/job";
inline constexpr std::string_view kManagedByLabel = "app.kubernetes.io/managed-by";
// The one container of every pod; logs and statuses are read from it.
inline constexpr std::string_view kContainerName = "main";

// The site's settings: where and how Jobs run. Keys in JSON (golden site.json) and in the
// executor's config file are the same as its long options.
struct SiteConfig {
  std::string executor_name;  // "executor-name": becomes the colonies.io/executor label value
  std::string ns = "default";  // "namespace"
  std::string default_image;  // "default-image": used when kwargs.image is absent
  std::vector<std::string> image_pull_secrets;  // "image-pull-secrets"
  std::string service_account;  // "service-account"; "" = the namespace's default
  std::string gpu_resource = "nvidia.com/gpu";  // "gpu-resource": extended resource for gpu.count
  // "gpu-node-label": node label the GPU name (conditions.gpu.name) must match.
  std::string gpu_node_label = "nvidia.com/gpu.product";
  std::map<std::string, std::string> labels;  // "labels": extra labels on Jobs and pods
  // "job-ttl": ttlSecondsAfterFinished. The executor deletes finished Jobs itself; this is the
  // safety net for Jobs that end while it is down, so it must leave it time to read their status
  // after a restart (at least kMinJobTtl).
  std::int64_t job_ttl_s = 86'400;
};

inline constexpr std::int64_t kMinJobTtl = 600;

// Checks names against Kubernetes' rules (namespace and secret names DNS-1123, label keys and
// values, resource names). BadRequest naming the setting.
Status validate(const SiteConfig& site);
// Reads site.json (keys as in SiteConfig's comments; unknown keys are refused) and validates it.
Result<SiteConfig> site_config_from_json(const json::value& value);

// The Job name of one assignment of a process: "colonies-" + the first 36 characters of the ID +
// "-" + the assignment's start time in base 36. DNS-1123, at most 63 characters, and the same on
// every call for one assignment, so a create that is retried after a lost reply meets its own Job
// (409) instead of starting a second one; a later assignment (retry or re-queue) gets a new name.
Result<std::string> job_name(const model::Process& process);

// The Job for `process`. BadRequest (the process is closed failed with the message) for what a
// Job cannot express or the site does not allow.
Result<json::object> translate_job(const model::Process& process, const SiteConfig& site);

// Kubernetes quantity text for millicores ("500m", "2") and bytes ("512Mi", "1Gi", "1000").
std::string cpu_quantity(std::int64_t millicores);
std::string memory_quantity(std::int64_t bytes);

// True for a valid label value (empty, or up to 63 of [A-Za-z0-9-_.] starting and ending alphanumeric).
bool is_label_value(std::string_view text);

}  // namespace colonies::executors::k8s
