// Requirement matching rules (documented in docs/scheduling.md).
#include "server/scheduler/matching.hpp"

#include <algorithm>
#include <cctype>

#include "core/model/resources.hpp"

namespace colonies::server::scheduler {

namespace {

std::string lower(std::string s) {
  std::ranges::transform(s, s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

Result<std::int64_t> declared_bytes(const std::string& text) {
  if (text.empty()) return std::int64_t{-1};
  return model::parse_bytes(text);
}

bool within(std::int64_t need, std::int64_t have) { return have < 0 || need <= have; }

// Checks one hardware entry; on failure writes the reason.
bool fits_one(const HardwareProfile& hw, const model::Requirements& req, std::string* why) {
  auto no = [&](std::string reason) {
    if (why) *why = std::move(reason);
    return false;
  };
  const int nodes = hw.nodes < 0 ? -1 : std::max(hw.nodes, 1);
  if (req.nodes > 1 && nodes >= 0 && req.nodes > nodes) {
    return no(fmt::format("needs {} nodes, executor offers {}", req.nodes, nodes));
  }
  if (!within(req.cpu_millis, hw.cpu_millis)) {
    return no(fmt::format("needs cpu {}, executor offers {}", model::format_cpu(req.cpu_millis),
                          model::format_cpu(hw.cpu_millis)));
  }
  if (!within(req.mem_bytes, hw.mem_bytes)) {
    return no(fmt::format("needs memory {}, executor offers {}", model::format_bytes(req.mem_bytes),
                          model::format_bytes(hw.mem_bytes)));
  }
  if (!within(req.storage_bytes, hw.storage_bytes)) {
    return no(fmt::format("needs storage {}, executor offers {}", model::format_bytes(req.storage_bytes),
                          model::format_bytes(hw.storage_bytes)));
  }
  if (req.gpu_count > 0 && hw.gpu_count >= 0 && req.gpu_count > hw.gpu_count) {
    return no(fmt::format("needs {} GPUs, executor offers {}", req.gpu_count, hw.gpu_count));
  }
  if (!req.gpu_name.empty() && (req.gpu_count > 0 || hw.gpu_count != 0)) {
    if (hw.gpu_name.empty() && hw.gpu_count == 0) return no(fmt::format("needs GPU '{}', executor has none", req.gpu_name));
    if (!hw.gpu_name.empty() && hw.gpu_name.find(req.gpu_name) == std::string::npos) {
      return no(fmt::format("needs GPU '{}', executor has '{}'", req.gpu_name, hw.gpu_name));
    }
  }
  if (req.gpu_mem_bytes > 0 && !within(req.gpu_mem_bytes, hw.gpu_mem_bytes)) {
    return no(fmt::format("needs GPU memory {}, executor offers {}", model::format_bytes(req.gpu_mem_bytes),
                          model::format_bytes(hw.gpu_mem_bytes)));
  }
  if (hw.cores > 0) {
    const std::int64_t total = static_cast<std::int64_t>(hw.cores) * std::max(nodes, 1);
    if (req.processes > total) {
      return no(fmt::format("needs {} processes, executor offers {} cores", req.processes, total));
    }
    if (req.processespernode > hw.cores) {
      return no(fmt::format("needs {} processes per node, executor offers {} cores per node", req.processespernode,
                            hw.cores));
    }
  }
  if (req.walltime > 0 && hw.walltime > 0 && req.walltime > hw.walltime) {
    return no(fmt::format("needs walltime {} s, executor allows {} s", req.walltime, hw.walltime));
  }
  return true;
}

}  // namespace

Result<ExecutorProfile> make_profile(const model::Capabilities& capabilities) {
  ExecutorProfile profile;
  for (const auto& h : capabilities.hardware) {
    HardwareProfile hw;
    hw.nodes = h.nodes > 0 ? h.nodes : -1;
    hw.cores = h.cores > 0 ? h.cores : -1;
    if (!h.cpu.empty()) {
      COLONIES_TRY(cpu, model::parse_cpu(h.cpu));
      hw.cpu_millis = cpu;
    }
    COLONIES_TRY(mem, declared_bytes(h.mem));
    COLONIES_TRY(storage, declared_bytes(h.storage));
    COLONIES_TRY(gpu_mem, declared_bytes(h.gpu.mem));
    hw.mem_bytes = mem;
    hw.storage_bytes = storage;
    hw.gpu_mem_bytes = gpu_mem;
    // In a declared hardware entry, a GPU count of 0 means the node has no GPU.
    hw.gpu_count = h.gpu.count;
    hw.gpu_name = lower(h.gpu.name);
    hw.walltime = h.walltime > 0 ? h.walltime : -1;
    profile.hardware.push_back(std::move(hw));
  }
  return profile;
}

bool fits(const ExecutorProfile& profile, const model::Requirements& req, std::string* why) {
  if (profile.hardware.empty()) return true;
  for (const auto& hw : profile.hardware) {
    if (fits_one(hw, req, why)) return true;
  }
  return false;
}

bool fits(const Availability& available, const model::Requirements& req) {
  if (available.cpu_millis >= 0 && req.cpu_millis > available.cpu_millis) return false;
  if (available.mem_bytes >= 0 && req.mem_bytes > available.mem_bytes) return false;
  if (available.gpus >= 0 && req.gpu_count > available.gpus) return false;
  return true;
}

}  // namespace colonies::server::scheduler
