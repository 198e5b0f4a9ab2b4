// Host capacity detection (see host_resources.hpp): sysconf and std::thread for the machine,
// /sys/fs/cgroup/{cpu,memory}.max for a container's share of it.
#include "executors/local/host_resources.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

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

}  // namespace

HostResources detect_host_resources() {
  HostResources r;
  r.cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  long pages = ::sysconf(_SC_PHYS_PAGES);
  long page_size = ::sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page_size > 0) r.mem_bytes = static_cast<std::int64_t>(pages) * page_size;

  if (auto cpu = read_first_line("/sys/fs/cgroup/cpu.max")) {
    std::istringstream in(*cpu);
    std::string quota;
    long long period = 0;
    if (in >> quota >> period && quota != "max" && period > 0) {
      long long q = std::atoll(quota.c_str());
      if (q > 0) r.cores = std::clamp(static_cast<int>(std::ceil(double(q) / double(period))), 1, r.cores);
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
  hw.cpu = std::to_string(resources.cores);
  if (resources.mem_bytes > 0) {
    // Whole MiB: format_bytes then prints "15951Mi" rather than a long byte count.
    constexpr std::int64_t kMi = 1024 * 1024;
    hw.mem = model::format_bytes(resources.mem_bytes / kMi * kMi);
  }
  hw.gpu.count = 0;
  utsname u{};
  if (::uname(&u) == 0) {
    hw.platform = u.sysname;
    hw.architecture = u.machine;
  }
  return hw;
}

}  // namespace colonies::executors::local
