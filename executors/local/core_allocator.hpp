// Which cores and GPUs of this host each running job owns, so that no two jobs are bound to the
// same core or see the same GPU at once. Pure bookkeeping over indices into the host's core and
// GPU lists (host_resources.hpp); it starts nothing and binds nothing.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "executors/local/host_resources.hpp"

namespace colonies::executors::local {

// What one job was given: positions in HostResources::core_list and ::gpus.
struct Allotment {
  std::vector<int> cores;
  std::vector<int> gpus;
  bool empty() const { return cores.empty() && gpus.empty(); }
};

class CoreAllocator {
 public:
  // The first `usable_cores` cores of `host.core_list` (all when larger) and all its GPUs.
  CoreAllocator(const HostResources& host, int usable_cores);

  // `cores` cores and `gpus` GPUs, or nullopt when not that many are free now. Cores come from
  // one NUMA node when one has enough free (the fullest such node, to keep others whole for
  // larger jobs), otherwise the lowest free ones; GPUs are the lowest free ones.
  std::optional<Allotment> allot(int cores, int gpus);
  // Gives an allotment back. Releasing what is not allotted is ignored.
  void release(const Allotment& allotment);

  int total_cores() const { return static_cast<int>(core_numa_.size()); }
  int total_gpus() const { return static_cast<int>(gpu_busy_.size()); }
  int free_cores() const;
  int free_gpus() const;

 private:
  std::vector<int> core_numa_;  // NUMA node of each usable core
  std::vector<bool> core_busy_;
  std::vector<bool> gpu_busy_;
};

// The environment entries ("NAME=value") that restrict a job to its allotted GPUs, one per GPU
// API present (CUDA_VISIBLE_DEVICES, ROCR_VISIBLE_DEVICES, ZE_AFFINITY_MASK); none for OpenCL.
std::vector<std::string> gpu_visibility_env(const Allotment& allotment, const HostResources& host);

}  // namespace colonies::executors::local
