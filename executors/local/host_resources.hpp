// What this machine offers, as the executor advertises it and as the MPI launcher places ranks:
// the hwloc topology (packages, NUMA nodes, physical cores with their PUs, memory, GPUs), reduced
// to the cgroup v2 limits when the executor runs in a container. Detection only; overrides from
// the command line are applied by main. host_resources.cpp is the only file that includes hwloc.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/model/executor.hpp"

namespace colonies::executors::local {

// One physical core. `index` is hwloc's logical index, which is also what an Open MPI rankfile
// means by `slot=<n>` (rankfiles are logical by default).
struct HostCore {
  int index = 0;
  std::vector<int> pus;  // OS indices of its hardware threads (what `taskset` and /proc call CPUs)
  int numa = 0;          // logical index of its NUMA node
};

// One GPU, however many hwloc OS devices describe it (a CUDA GPU is both cuda0 and nvml0).
struct HostGpu {
  std::string name;  // "NVIDIA A100-SXM4-80GB"; "" when no backend reported a model
  // The API whose device index `index` is, and which environment variable selects devices:
  // "cuda" (CUDA_VISIBLE_DEVICES), "rocm" (ROCR_VISIBLE_DEVICES), "levelzero" (ZE_AFFINITY_MASK),
  // "opencl" (none exists: the GPU is counted but cannot be hidden from a job).
  std::string api;
  int index = 0;
  std::int64_t mem_bytes = 0;  // 0 = unknown
};

struct HostResources {
  int cores = 1;  // physical cores usable by jobs (after cgroup cpu.max)
  int pus = 1;    // hardware threads usable by jobs (after cgroup cpu.max)
  int packages = 1;
  int numa_nodes = 1;
  std::int64_t mem_bytes = 0;  // 0 = unknown
  std::string cpu_model;       // "" = unknown
  std::vector<HostCore> core_list;  // every core of the topology, in logical order
  std::vector<HostGpu> gpus;
  std::string source = "hwloc";  // "hwloc", or "sysconf" when the topology could not be loaded
};

// Loads the hwloc topology (restricted to the CPUs this process may use, as hwloc does by
// default) with I/O devices for the GPUs. Falls back to sysconf counts, with core_list filled as
// one core per CPU, when hwloc fails (the reason is logged).
HostResources detect_host_resources();

// One Hardware entry: cores = physical cores, cpu = PUs, mem, the GPUs (count, the first GPU's
// name and memory), model = "<cpu model> (P packages, N NUMA nodes, C cores, T PUs)", and the
// machine's platform and architecture.
model::Hardware to_hardware(const HostResources& resources);

}  // namespace colonies::executors::local
