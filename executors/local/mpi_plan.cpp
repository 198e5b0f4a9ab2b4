// FunctionSpec + host topology + site settings -> mpirun argv, environment and rankfile (see
// mpi_plan.hpp). Every option used here was checked against Open MPI 4.1's mpirun.
#include "executors/local/mpi_plan.hpp"

#include <algorithm>
#include <map>
#include <regex>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/model/resources.hpp"
#include "core/model/text.hpp"

namespace colonies::executors::local {

namespace {

constexpr std::string_view kMultiNodeAdvice =
    "this local executor runs MPI ranks on one host only; submit multi-node jobs to a Slurm executor (set "
    "conditions.executortype to its type)";

bool exportable_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  });
}

Status check_gpus(const model::Gpu& gpu, const HostResources& host) {
  if (gpu.count <= 0 && gpu.name.empty() && gpu.mem.empty()) return ok();
  const int want = std::max(gpu.count, 1);
  if (want > static_cast<int>(host.gpus.size())) {
    return fail(ErrorCode::BadRequest, "conditions.gpu.count is {} but this host has {} GPU{} (found by hwloc)", want,
                host.gpus.size(), host.gpus.size() == 1 ? "" : "s");
  }
  if (!gpu.name.empty()) {
    const std::string wanted = model::to_lower_ascii(gpu.name);
    const bool found = std::any_of(host.gpus.begin(), host.gpus.end(), [&](const HostGpu& g) {
      return model::to_lower_ascii(g.name).find(wanted) != std::string::npos;
    });
    if (!found) {
      return fail(ErrorCode::BadRequest, "conditions.gpu.name '{}' matches none of this host's GPUs ({})", gpu.name,
                  host.gpus.front().name.empty() ? "model unknown" : host.gpus.front().name);
    }
  }
  if (!gpu.mem.empty()) {
    auto mem = model::parse_bytes(gpu.mem);
    if (!mem) return fail(ErrorCode::BadRequest, "conditions.gpu.mem '{}' is not a memory amount", gpu.mem);
    for (const auto& g : host.gpus) {
      if (g.mem_bytes > 0 && g.mem_bytes < *mem) {
        return fail(ErrorCode::BadRequest, "conditions.gpu.mem {} exceeds the {} of this host's GPUs", gpu.mem,
                    model::format_bytes(g.mem_bytes));
      }
    }
  }
  return ok();
}

}  // namespace

Result<MpiShape> plan_mpi_shape(const model::FunctionSpec& spec, const HostResources& host, int usable_cores,
                                const MpiSite& site) {
  const model::Conditions& c = spec.conditions;
  if (c.processes < 0 || c.processespernode < 0 || c.nodes < 0) {
    return fail(ErrorCode::BadRequest, "conditions.processes, processespernode and nodes must not be negative");
  }
  if (c.nodes > 1) return fail(ErrorCode::BadRequest, "conditions.nodes is {}, but {}", c.nodes, kMultiNodeAdvice);
  if (c.gpu.nodecount > 1) {
    return fail(ErrorCode::BadRequest, "conditions.gpu.nodecount is {}, but {}", c.gpu.nodecount, kMultiNodeAdvice);
  }
  if (c.processes > 0 && c.processespernode > 0 && c.processes > c.processespernode) {
    return fail(ErrorCode::BadRequest,
                "conditions.processes is {} but processespernode is {}, which needs more than one node; {}",
                c.processes, c.processespernode, kMultiNodeAdvice);
  }
  MpiShape shape;
  shape.ranks = c.processes > 0 ? c.processes : std::max(c.processespernode, 1);
  auto cpu = model::parse_cpu(c.cpu);
  if (!cpu) return fail(ErrorCode::BadRequest, "conditions.cpu '{}' is not a CPU amount", c.cpu);
  shape.cores_per_rank = std::max<std::int64_t>(1, *cpu / 1000 / shape.ranks);
  const int usable = std::clamp(usable_cores, 0, static_cast<int>(host.core_list.size()));
  const std::int64_t needed = std::int64_t{shape.ranks} * shape.cores_per_rank;
  if (needed > usable) {
    if (!site.oversubscribe) {
      return fail(ErrorCode::BadRequest,
                  "{} MPI rank{} × {} core{} need {} cores, but this executor has {} for MPI ranks; ask for fewer "
                  "processes (or less cpu), or start the executor with --mpi-oversubscribe to let ranks share cores",
                  shape.ranks, shape.ranks == 1 ? "" : "s", shape.cores_per_rank, shape.cores_per_rank == 1 ? "" : "s",
                  needed, usable);
    }
    if (usable == 0) return fail(ErrorCode::BadRequest, "this executor has no cores for MPI ranks");
    shape.cores_per_rank = std::max(1, usable / shape.ranks);
    shape.cores = std::min<int>(usable, shape.ranks * shape.cores_per_rank);
    shape.oversubscribed = shape.ranks > shape.cores;
  } else {
    shape.cores = static_cast<int>(needed);
  }
  if (!c.mem.empty()) {
    auto mem = model::parse_bytes(c.mem);
    if (!mem) return fail(ErrorCode::BadRequest, "conditions.mem '{}' is not a memory amount", c.mem);
    if (host.mem_bytes > 0 && *mem > host.mem_bytes) {
      return fail(ErrorCode::BadRequest, "conditions.mem {} exceeds this host's memory ({})", c.mem,
                  model::format_bytes(host.mem_bytes));
    }
  }
  COLONIES_CHECK(check_gpus(c.gpu, host));
  shape.gpus = c.gpu.count > 0 ? c.gpu.count : (c.gpu.name.empty() && c.gpu.mem.empty() ? 0 : 1);
  return shape;
}

Result<MpiLaunch> plan_mpirun(const LaunchPlan& base, const std::string& executable, const MpiShape& shape,
                              const Allotment& allotment, const HostResources& host, const MpiSite& site,
                              const std::string& rankfile_path) {
  if (allotment.cores.empty()) return fail(ErrorCode::Internal, "no cores were allotted to the MPI ranks");
  // Which cores each rank is bound to: consecutive groups of cores_per_rank; when oversubscribed
  // (one core each), ranks take the allotted cores in turn.
  MpiLaunch launch;
  const std::size_t per_rank = shape.oversubscribed ? 1 : static_cast<std::size_t>(shape.cores_per_rank);
  for (int rank = 0; rank < shape.ranks; ++rank) {
    std::vector<int> slots;
    for (std::size_t k = 0; k < per_rank; ++k) {
      const std::size_t at = (static_cast<std::size_t>(rank) * per_rank + k) % allotment.cores.size();
      slots.push_back(host.core_list.at(static_cast<std::size_t>(allotment.cores[at])).index);
    }
    launch.rankfile += fmt::format("rank {}=localhost slot={}\n", rank, fmt::join(slots, ","));
  }

  // mpirun's environment: the job's (plan_launch), the GPU selection, then Open MPI's root consent.
  std::map<std::string, std::string> env;
  for (const auto& entry : base.env) {
    auto eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  std::vector<std::string> exported;
  for (const auto& entry : gpu_visibility_env(allotment, host)) {
    auto eq = entry.find('=');
    env[entry.substr(0, eq)] = entry.substr(eq + 1);
    exported.push_back(entry.substr(0, eq));
  }
  for (const auto& name : base.exported) {
    if (!exportable_name(name)) {
      return fail(ErrorCode::BadRequest,
                  "env name '{}' cannot be passed to MPI ranks: use only letters, digits and '_', not starting with a "
                  "digit",
                  name);
    }
    exported.push_back(name);
  }
  if (site.run_as_root) {
    env["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
    env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
  }
  for (const auto& [name, value] : env) launch.env.push_back(name + "=" + value);

  std::sort(exported.begin(), exported.end());
  exported.erase(std::unique(exported.begin(), exported.end()), exported.end());
  launch.argv = {site.mpirun, "-np", std::to_string(shape.ranks), "--rankfile", rankfile_path, "--report-bindings",
                 "--tag-output"};
  if (shape.oversubscribed) launch.argv.push_back("--oversubscribe");
  for (const auto& name : exported) {
    launch.argv.push_back("-x");
    launch.argv.push_back(name);
  }
  launch.argv.insert(launch.argv.end(), site.extra_args.begin(), site.extra_args.end());
  launch.argv.push_back("--");
  launch.argv.push_back(executable);
  launch.argv.insert(launch.argv.end(), base.argv.begin() + (base.argv.empty() ? 0 : 1), base.argv.end());
  return launch;
}

std::optional<model::Software> parse_mpirun_version(std::string_view output) {
  static const std::regex kVersion(R"(^mpirun \(Open MPI\) (\S+))");
  const std::string first_line(output.substr(0, output.find('\n')));
  std::smatch m;
  if (!std::regex_search(first_line, m, kVersion)) return std::nullopt;
  return model::Software{"Open MPI", "mpi", m[1].str()};
}

std::string retag_mpi_line(std::string_view line) {
  // "[<job>,<rank>]<stdout|stderr|stddiag>:" as written by --tag-output. Parsed by hand: this runs
  // for every line of output, where a regex would cost more than the rest of the line's path.
  auto digits = [](std::string_view s, std::size_t at) {
    std::size_t end = at;
    while (end < s.size() && s[end] >= '0' && s[end] <= '9') ++end;
    return end;
  };
  if (line.empty() || line[0] != '[') return std::string(line);
  const std::size_t job_end = digits(line, 1);
  if (job_end == 1 || job_end >= line.size() || line[job_end] != ',') return std::string(line);
  const std::size_t rank_end = digits(line, job_end + 1);
  if (rank_end == job_end + 1 || line.substr(rank_end, 2) != "]<") return std::string(line);
  std::string_view rest = line.substr(rank_end + 2);
  for (std::string_view stream : {"stdout>:", "stderr>:", "stddiag>:"}) {
    if (rest.starts_with(stream)) {
      return fmt::format("[rank {}] {}", line.substr(job_end + 1, rank_end - job_end - 1), rest.substr(stream.size()));
    }
  }
  return std::string(line);
}

std::optional<std::string> mpi_rank_failure(const std::vector<std::string>& lines) {
  // Open MPI 4.1: "  Process name: [[29622,1],1]" followed by "  Exit code:    3", or
  // "mpirun noticed that process rank 1 with PID 0 on node vm exited on signal 9 (Killed)."
  static const std::regex kProcess(R"(^\s*Process name:\s*\[\[\d+,\d+\],(\d+)\])");
  static const std::regex kExit(R"(^\s*Exit code:\s*(-?\d+))");
  static const std::regex kSignal(R"(process rank (\d+) with PID \d+ on node \S+ exited on signal (\d+)(?: \(([^)]*)\))?)");
  std::optional<std::string> found;
  std::optional<std::string> rank;
  for (const auto& line : lines) {
    std::smatch m;
    if (std::regex_search(line, m, kSignal)) {
      found = m[3].matched ? fmt::format("rank {} was killed by signal {} ({})", m[1].str(), m[2].str(), m[3].str())
                           : fmt::format("rank {} was killed by signal {}", m[1].str(), m[2].str());
    } else if (std::regex_search(line, m, kProcess)) {
      rank = m[1].str();
    } else if (rank && std::regex_search(line, m, kExit)) {
      found = fmt::format("rank {} exited with code {}", *rank, m[1].str());
      rank.reset();
    }
  }
  return found;
}

}  // namespace colonies::executors::local
