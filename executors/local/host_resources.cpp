// Host capacity detection (see host_resources.hpp): the hwloc topology for packages, NUMA nodes,
// cores, PUs, memory and GPU OS devices; /sys/fs/cgroup/{cpu,memory}.max for a container's share
// of it. The only file of the project that includes hwloc.h.
#include "executors/local/host_resources.hpp"

#include <hwloc.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/model/resources.hpp"

namespace colonies::executors::local {

namespace {

// cgroup v2 "max" files: a number, or "max" for none. Absent files (no cgroup v2) mean none.
std::optional<std::string> read_first_line(const char* file) {
  std::ifstream in(file);
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  return line;
}

// Owns one loaded topology.
class Topology {
 public:
  Topology() = default;
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;
  ~Topology() {
    if (initialised_) hwloc_topology_destroy(topology_);
  }

  std::optional<std::string> load() {
    if (hwloc_topology_init(&topology_) != 0) return std::string("hwloc_topology_init failed");
    initialised_ = true;
    // GPUs are I/O objects, which hwloc drops unless asked; "important" keeps GPUs, NICs and
    // their PCI parents without every bridge.
    hwloc_topology_set_io_types_filter(topology_, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
    if (hwloc_topology_load(topology_) != 0) return fmt::format("hwloc_topology_load failed: {}", std::strerror(errno));
    return std::nullopt;
  }
  hwloc_topology_t get() const { return topology_; }

 private:
  hwloc_topology_t topology_ = nullptr;
  bool initialised_ = false;
};

std::string info(hwloc_obj_t obj, const char* name) {
  const char* value = hwloc_obj_get_info_by_name(obj, name);
  return value ? value : "";
}

std::int64_t kib_info(hwloc_obj_t obj, const char* name) {
  const char* value = hwloc_obj_get_info_by_name(obj, name);
  return value ? std::atoll(value) * 1024 : 0;
}

// The device number at the end of an OS device name ("cuda3" -> 3, "opencl0d1" -> 1).
int trailing_number(const char* name) {
  if (!name) return 0;
  const char* end = name + std::strlen(name);
  const char* p = end;
  while (p > name && p[-1] >= '0' && p[-1] <= '9') --p;
  return p == end ? 0 : std::atoi(p);
}

// Which API an OS device belongs to, by its subtype; "" for devices that are not compute GPUs
// (DRM "card0" display devices are GPU OS devices too, but count nothing new).
std::string api_of(hwloc_obj_t osdev) {
  const char* subtype = osdev->subtype ? osdev->subtype : "";
  if (osdev->attr->osdev.type == HWLOC_OBJ_OSDEV_COPROC) {
    if (std::strcmp(subtype, "CUDA") == 0) return "cuda";
    if (std::strcmp(subtype, "LevelZero") == 0) return "levelzero";
    if (std::strcmp(subtype, "OpenCL") == 0 && info(osdev, "OpenCLDeviceType") == "GPU") return "opencl";
    return "";
  }
  if (osdev->attr->osdev.type == HWLOC_OBJ_OSDEV_GPU) {
    if (std::strcmp(subtype, "NVML") == 0) return "nvml";
    if (std::strcmp(subtype, "RSMI") == 0) return "rocm";
  }
  return "";
}

// How well an API's device index selects the GPU through an environment variable: CUDA's own
// numbering beats NVML's (which may differ), which beats OpenCL's (no selection variable).
int api_rank(const std::string& api) {
  if (api == "cuda" || api == "rocm" || api == "levelzero") return 3;
  if (api == "nvml") return 2;
  return 1;
}

// One GPU per PCI device (or per OS device when it has no PCI parent), described by the best of
// its OS devices.
std::vector<HostGpu> detect_gpus(hwloc_topology_t topology) {
  std::map<hwloc_obj_t, HostGpu> by_device;
  std::map<hwloc_obj_t, int> rank_of;
  for (hwloc_obj_t osdev = hwloc_get_next_osdev(topology, nullptr); osdev; osdev = hwloc_get_next_osdev(topology, osdev)) {
    std::string api = api_of(osdev);
    if (api.empty()) continue;
    hwloc_obj_t device = osdev->parent && osdev->parent->type == HWLOC_OBJ_PCI_DEVICE ? osdev->parent : osdev;
    HostGpu& gpu = by_device[device];
    if (gpu.name.empty()) gpu.name = info(osdev, "GPUModel");
    if (gpu.mem_bytes == 0) gpu.mem_bytes = kib_info(osdev, api == "opencl" ? "OpenCLGlobalMemorySize" : "CUDAGlobalMemorySize");
    const int rank = api_rank(api);
    if (rank > rank_of[device]) {
      rank_of[device] = rank;
      gpu.api = api == "nvml" ? "cuda" : api;
      gpu.index = trailing_number(osdev->name);
    }
  }
  std::vector<HostGpu> gpus;
  for (auto& [device, gpu] : by_device) gpus.push_back(std::move(gpu));
  std::sort(gpus.begin(), gpus.end(), [](const HostGpu& a, const HostGpu& b) {
    return a.api != b.api ? a.api < b.api : a.index < b.index;
  });
  return gpus;
}

std::optional<std::string> detect_with_hwloc(HostResources& r) {
  Topology topology;
  if (auto error = topology.load()) return error;
  hwloc_topology_t t = topology.get();
  const int cores = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_CORE);
  const int pus = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU);
  if (cores <= 0 || pus <= 0) return std::string("hwloc found no cores");
  r.cores = cores;
  r.pus = pus;
  r.packages = std::max(1, hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PACKAGE));
  r.numa_nodes = std::max(1, hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_NUMANODE));
  if (hwloc_obj_t package = hwloc_get_obj_by_type(t, HWLOC_OBJ_PACKAGE, 0)) r.cpu_model = info(package, "CPUModel");
  // hwloc's memory is what the NUMA nodes report; a VM with hot-plugged memory may report less
  // there than /proc/meminfo, so the larger of the two wins.
  std::uint64_t numa_mem = hwloc_get_root_obj(t)->total_memory;
  if (static_cast<std::int64_t>(numa_mem) > r.mem_bytes) r.mem_bytes = static_cast<std::int64_t>(numa_mem);
  for (int i = 0; i < cores; ++i) {
    hwloc_obj_t core = hwloc_get_obj_by_type(t, HWLOC_OBJ_CORE, static_cast<unsigned>(i));
    HostCore c;
    c.index = static_cast<int>(core->logical_index);
    for (hwloc_obj_t pu = hwloc_get_next_obj_inside_cpuset_by_type(t, core->cpuset, HWLOC_OBJ_PU, nullptr); pu;
         pu = hwloc_get_next_obj_inside_cpuset_by_type(t, core->cpuset, HWLOC_OBJ_PU, pu)) {
      c.pus.push_back(static_cast<int>(pu->os_index));
    }
    if (hwloc_obj_t numa = hwloc_get_next_obj_covering_cpuset_by_type(t, core->cpuset, HWLOC_OBJ_NUMANODE, nullptr)) {
      c.numa = static_cast<int>(numa->logical_index);
    }
    r.core_list.push_back(std::move(c));
  }
  r.gpus = detect_gpus(t);
  return std::nullopt;
}

}  // namespace

HostResources detect_host_resources() {
  HostResources r;
  long pages = ::sysconf(_SC_PHYS_PAGES);
  long page_size = ::sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page_size > 0) r.mem_bytes = static_cast<std::int64_t>(pages) * page_size;

  if (auto error = detect_with_hwloc(r)) {
    spdlog::warn("hwloc topology unavailable ({}); counting CPUs with sysconf, one core each, no GPUs", *error);
    r = HostResources{};
    if (pages > 0 && page_size > 0) r.mem_bytes = static_cast<std::int64_t>(pages) * page_size;
    r.source = "sysconf";
    r.cores = r.pus = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    for (int i = 0; i < r.cores; ++i) r.core_list.push_back(HostCore{i, {i}, 0});
  }

  // A container's CPU quota bounds what jobs can use, whatever the topology shows.
  if (auto cpu = read_first_line("/sys/fs/cgroup/cpu.max")) {
    std::istringstream in(*cpu);
    std::string quota;
    long long period = 0;
    if (in >> quota >> period && quota != "max" && period > 0) {
      long long q = std::atoll(quota.c_str());
      if (q > 0) {
        const int limit = std::max(1, static_cast<int>(std::ceil(double(q) / double(period))));
        r.pus = std::min(r.pus, limit);
        r.cores = std::min(r.cores, limit);
      }
    }
  }
  if (auto mem = read_first_line("/sys/fs/cgroup/memory.max"); mem && *mem != "max") {
    long long limit = std::atoll(mem->c_str());
    if (limit > 0 && (r.mem_bytes == 0 || limit < r.mem_bytes)) r.mem_bytes = limit;
  }
  return r;
}

model::Hardware to_hardware(const HostResources& resources) {
  model::Hardware hw;
  hw.cores = resources.cores;
  hw.cpu = std::to_string(resources.pus);
  if (resources.mem_bytes > 0) {
    // Whole MiB: format_bytes then prints "15951Mi" rather than a long byte count.
    constexpr std::int64_t kMi = 1024 * 1024;
    hw.mem = model::format_bytes(resources.mem_bytes / kMi * kMi);
  }
  auto plural = [](int n, const char* word) { return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s"); };
  const std::string shape = fmt::format("{}, {}, {}, {}", plural(resources.packages, "package"),
                                        plural(resources.numa_nodes, "NUMA node"), plural(resources.cores, "core"),
                                        plural(resources.pus, "PU"));
  hw.model = resources.cpu_model.empty() ? shape : fmt::format("{} ({})", resources.cpu_model, shape);
  hw.gpu.count = static_cast<int>(resources.gpus.size());
  if (!resources.gpus.empty()) {
    hw.gpu.name = resources.gpus.front().name;
    if (resources.gpus.front().mem_bytes > 0) hw.gpu.mem = model::format_bytes(resources.gpus.front().mem_bytes);
  }
  utsname u{};
  if (::uname(&u) == 0) {
    hw.platform = u.sysname;
    hw.architecture = u.machine;
  }
  return hw;
}

}  // namespace colonies::executors::local
