// What this machine offers, as the executor advertises it: cores and memory, reduced to the
// cgroup v2 limits when the executor runs in a container. Detection only; overrides from the
// command line are applied by main.
#pragma once

#include <cstdint>

#include "core/model/executor.hpp"

namespace colonies::executors::local {

struct HostResources {
  int cores = 1;
  std::int64_t mem_bytes = 0;  // 0 = unknown
};

HostResources detect_host_resources();

// One Hardware entry: cores/cpu, mem, no GPUs, the machine's platform and architecture.
model::Hardware to_hardware(const HostResources& resources);

}  // namespace colonies::executors::local
