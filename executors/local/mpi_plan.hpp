// Pure translation of an MPI process (conditions.processes > 1 or processespernode > 0) into the
// Open MPI `mpirun` command the local backend starts: how many ranks on how many cores, the
// rankfile that binds each rank to cores of this host's hwloc topology, the argv and the
// environment. No I/O: the PATH lookup, writing the rankfile and starting mpirun are the
// backend's. Also reads mpirun's output back: tagged rank lines and its failure report.
// The rules for users are in docs/executors.md ("MPI processes").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error/error.hpp"
#include "core/model/executor.hpp"
#include "core/model/process.hpp"
#include "executors/local/core_allocator.hpp"
#include "executors/local/host_resources.hpp"
#include "executors/local/launch_plan.hpp"

namespace colonies::executors::local {

// Site settings of the MPI launcher (executor flags / config file).
struct MpiSite {
  std::string mpirun = "mpirun";  // the program; the backend resolves a bare name in PATH
  // Let ranks share cores when a process asks for more than this executor has (--mpi-oversubscribe).
  bool oversubscribe = false;
  // The executor runs as root: Open MPI refuses that unless OMPI_ALLOW_RUN_AS_ROOT and
  // OMPI_ALLOW_RUN_AS_ROOT_CONFIRM are 1, so they are set in mpirun's environment. Set by main
  // from geteuid(), never by users.
  bool run_as_root = false;
  // Extra mpirun options, one argv entry each, placed before the program (--mpi-arg).
  std::vector<std::string> extra_args;
};

// How a process's ranks occupy this host.
struct MpiShape {
  int ranks = 1;
  int cores_per_rank = 1;  // from conditions.cpu divided among the ranks, at least 1
  int cores = 1;           // cores to allot: ranks × cores_per_rank, or all of them when oversubscribing
  int gpus = 0;
  bool oversubscribed = false;  // more ranks than allotted cores (only with MpiSite::oversubscribe)
};

// Checks the process's conditions against this host: `usable_cores` (the first that many cores
// of host.core_list), its memory and GPUs. BadRequest with the text users see for: nodes or
// gpu.nodecount above 1, processes above processespernode, more cores than usable_cores
// (unless site.oversubscribe), GPUs, GPU model or memory the host lacks.
Result<MpiShape> plan_mpi_shape(const model::FunctionSpec& spec, const HostResources& host, int usable_cores,
                                const MpiSite& site);

struct MpiLaunch {
  std::vector<std::string> argv;  // argv[0] = site.mpirun
  std::vector<std::string> env;   // mpirun's complete environment
  std::string rankfile;           // the text to write at the rankfile path given to plan_mpirun
};

// mpirun -np N --rankfile PATH --report-bindings --tag-output [--oversubscribe] -x NAME...
// [site.extra_args] -- EXECUTABLE ARGS. `base` is plan_launch's result (args, env, time limit);
// `executable` the program's resolved path. Environment values stay out of argv (`-x NAME` exports
// the variable of that name from mpirun's environment), so `ps` shows none. BadRequest for env
// names mpirun cannot export (anything but letters, digits and '_', or a leading digit).
Result<MpiLaunch> plan_mpirun(const LaunchPlan& base, const std::string& executable, const MpiShape& shape,
                              const Allotment& allotment, const HostResources& host, const MpiSite& site,
                              const std::string& rankfile_path);

// What `mpirun --version` printed, as a software capability: "mpirun (Open MPI) 4.1.4" gives
// {name "Open MPI", type "mpi", version "4.1.4"}; nullopt for anything else.
std::optional<model::Software> parse_mpirun_version(std::string_view output);

// One line of mpirun output with --tag-output ("[1,3]<stdout>:text") as "[rank 3] text"; other
// lines (mpirun's own messages) unchanged.
std::string retag_mpi_line(std::string_view line);

// What mpirun said about the rank that failed, from its own (untagged) stderr lines:
// "rank 1 exited with code 3" or "rank 0 was killed by signal 9 (Killed)"; nullopt when it
// said nothing recognisable.
std::optional<std::string> mpi_rank_failure(const std::vector<std::string>& stderr_lines);

}  // namespace colonies::executors::local
