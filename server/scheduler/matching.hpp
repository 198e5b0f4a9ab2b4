// Matching of a process's requirements against what an executor can offer: its advertised
// capabilities (could it ever run this?) and what it says is free now (can it run it now?).
// Pure functions; the queues and waiters call them. Not a placement engine: executors place.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/model/executor.hpp"
#include "core/model/function_spec.hpp"

namespace colonies::server::scheduler {

// One advertised hardware entry in numbers; -1 means "not declared, no limit".
struct HardwareProfile {
  int nodes = -1;
  int cores = -1;
  std::int64_t cpu_millis = -1;
  std::int64_t mem_bytes = -1;
  std::int64_t storage_bytes = -1;
  int gpu_count = -1;
  std::string gpu_name;  // lower-case; "" = not declared
  std::int64_t gpu_mem_bytes = -1;
  std::int64_t walltime = -1;
};

// An executor's capabilities in numbers. No hardware entries = no declared limits.
struct ExecutorProfile {
  std::vector<HardwareProfile> hardware;
};

// Unparseable quantities in capabilities are errors (BadRequest) so that executors learn at
// registration, not by never getting work.
Result<ExecutorProfile> make_profile(const model::Capabilities& capabilities);

// What an executor says is free right now in an assign call; -1 = not stated.
struct Availability {
  std::int64_t cpu_millis = -1;
  std::int64_t mem_bytes = -1;
  int gpus = -1;
};

// Could the executor ever run it? When not, `why` (if given) says which condition failed.
bool fits(const ExecutorProfile& profile, const model::Requirements& req, std::string* why = nullptr);
// Does it fit in what is free now?
bool fits(const Availability& available, const model::Requirements& req);

}  // namespace colonies::server::scheduler
