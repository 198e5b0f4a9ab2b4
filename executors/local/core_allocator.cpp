// Core and GPU bookkeeping (see core_allocator.hpp).
#include "executors/local/core_allocator.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace colonies::executors::local {

CoreAllocator::CoreAllocator(const HostResources& host, int usable_cores) {
  const int n = std::clamp(usable_cores, 0, static_cast<int>(host.core_list.size()));
  for (int i = 0; i < n; ++i) core_numa_.push_back(host.core_list[static_cast<std::size_t>(i)].numa);
  core_busy_.assign(core_numa_.size(), false);
  gpu_busy_.assign(host.gpus.size(), false);
}

int CoreAllocator::free_cores() const { return static_cast<int>(std::count(core_busy_.begin(), core_busy_.end(), false)); }
int CoreAllocator::free_gpus() const { return static_cast<int>(std::count(gpu_busy_.begin(), gpu_busy_.end(), false)); }

std::optional<Allotment> CoreAllocator::allot(int cores, int gpus) {
  if (cores < 0 || gpus < 0 || cores > free_cores() || gpus > free_gpus()) return std::nullopt;
  Allotment a;
  if (cores > 0) {
    std::map<int, int> free_per_numa;
    for (std::size_t i = 0; i < core_busy_.size(); ++i) {
      if (!core_busy_[i]) ++free_per_numa[core_numa_[i]];
    }
    std::optional<int> numa;  // the node with the fewest free cores that still has enough
    for (const auto& [node, free] : free_per_numa) {
      if (free >= cores && (!numa || free < free_per_numa[*numa])) numa = node;
    }
    for (std::size_t i = 0; i < core_busy_.size() && static_cast<int>(a.cores.size()) < cores; ++i) {
      if (!core_busy_[i] && (!numa || core_numa_[i] == *numa)) a.cores.push_back(static_cast<int>(i));
    }
  }
  for (std::size_t i = 0; i < gpu_busy_.size() && static_cast<int>(a.gpus.size()) < gpus; ++i) {
    if (!gpu_busy_[i]) a.gpus.push_back(static_cast<int>(i));
  }
  for (int c : a.cores) core_busy_[static_cast<std::size_t>(c)] = true;
  for (int g : a.gpus) gpu_busy_[static_cast<std::size_t>(g)] = true;
  return a;
}

void CoreAllocator::release(const Allotment& allotment) {
  for (int c : allotment.cores) {
    if (c >= 0 && c < total_cores()) core_busy_[static_cast<std::size_t>(c)] = false;
  }
  for (int g : allotment.gpus) {
    if (g >= 0 && g < total_gpus()) gpu_busy_[static_cast<std::size_t>(g)] = false;
  }
}

std::vector<std::string> gpu_visibility_env(const Allotment& allotment, const HostResources& host) {
  static const std::map<std::string, std::string> kVariable = {
      {"cuda", "CUDA_VISIBLE_DEVICES"}, {"rocm", "ROCR_VISIBLE_DEVICES"}, {"levelzero", "ZE_AFFINITY_MASK"}};
  std::map<std::string, std::vector<int>> by_variable;
  for (int g : allotment.gpus) {
    if (g < 0 || g >= static_cast<int>(host.gpus.size())) continue;
    const HostGpu& gpu = host.gpus[static_cast<std::size_t>(g)];
    if (auto it = kVariable.find(gpu.api); it != kVariable.end()) by_variable[it->second].push_back(gpu.index);
  }
  std::vector<std::string> env;
  for (const auto& [name, indices] : by_variable) env.push_back(fmt::format("{}={}", name, fmt::join(indices, ",")));
  return env;
}

}  // namespace colonies::executors::local
