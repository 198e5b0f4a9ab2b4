// FunctionSpec: what a user asks to run, with its conditions. JSON names follow the original
// Colonies. Validation normalises limits (<= 0 means "no limit") and parses resource strings
// once, so the scheduler works on numbers.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/model/json.hpp"

namespace colonies::model {

inline constexpr int kMinPriority = -50000;
inline constexpr int kMaxPriority = 50000;

struct Gpu {
  std::string name;
  std::string mem;
  int count = 0;
  int nodecount = 0;
};

// Cloud bursting: another executor type that may also take the process once it has waited
// `after` seconds for an executor (counted from the moment it became assignable: submission,
// release of a workflow node, or re-queue for a retry). Rules: docs/scheduling.md.
struct Fallback {
  std::string executortype;
  // The location fallback executors must be at: unset = the process's own locationname,
  // "" = anywhere (a cloud is usually somewhere else than the HPC centre).
  std::optional<std::string> locationname;
  std::int64_t after = 0;  // seconds; 0 = eligible at once
  bool operator==(const Fallback&) const = default;
};

inline constexpr std::size_t kMaxFallbacks = 8;
inline constexpr std::int64_t kMaxFallbackAfter = 366LL * 24 * 3600;

struct Conditions {
  std::string colonyname;
  std::vector<std::string> executornames;
  std::string executortype;
  std::string locationname;
  std::vector<std::string> dependencies;
  int nodes = 0;
  std::string cpu;
  int processes = 0;
  int processespernode = 0;
  std::string mem;
  std::string storage;
  Gpu gpu;
  std::int64_t walltime = 0;  // seconds; 0 = unspecified
  std::vector<Fallback> fallback;  // validate() requires increasing `after`
};

struct FunctionSpec {
  std::string nodename;
  std::string funcname;
  json::array args;
  json::object kwargs;
  int priority = 0;
  std::int64_t maxwaittime = 0;  // seconds; <= 0 = no limit
  std::int64_t maxexectime = 0;  // seconds; <= 0 = no limit
  int maxretries = 0;            // -1 = unlimited
  Conditions conditions;
  std::string label;
  json::value fs;  // interpreted by executors; stored as given
  std::map<std::string, std::string> env;
  std::vector<std::string> channels;
};

// The numeric form of a spec's conditions, computed once at submit.
struct Requirements {
  std::int64_t cpu_millis = 0;
  std::int64_t mem_bytes = 0;
  std::int64_t storage_bytes = 0;
  std::int64_t gpu_mem_bytes = 0;
  int gpu_count = 0;
  std::string gpu_name;  // lower-case
  int nodes = 0;
  int processes = 0;
  int processespernode = 0;
  std::int64_t walltime = 0;
  auto operator<=>(const Requirements&) const = default;
};

// Reads the optional object field `key` of `parent` as a Gpu.
Result<Gpu> gpu_from_json(const FieldReader& parent, std::string_view key);
json::object to_json(const Gpu& gpu);
json::object to_json(const Conditions& c);
json::object to_json(const FunctionSpec& spec);
Result<Conditions> conditions_from_json(const json::value& v, const std::string& path);
Result<FunctionSpec> function_spec_from_json(const json::value& v, const std::string& path = "spec");

// Checks a spec for submission: priority range, non-negative counts, parseable resources,
// names present. Returns the parsed requirements.
Result<Requirements> validate(const FunctionSpec& spec);

}  // namespace colonies::model
