// Pure translation of an assigned process into what the local backend executes: program, argv,
// environment and time limit (docs/executors.md states these rules for users). No I/O here — not
// even the PATH lookup, which child_process.cpp does — so the rules are unit-tested as data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/error/error.hpp"
#include "core/model/process.hpp"

namespace colonies::executors::local {

struct LaunchContext {
  // The executor's own environment as "NAME=value" entries (environ). Entries whose name starts
  // with COLONIES_ are not passed on: they hold the executor's and the colony's private keys.
  std::vector<std::string> executor_env;
};

struct LaunchPlan {
  std::string program;            // spec.funcname: a name looked up in PATH, or a path with a '/'
  std::vector<std::string> argv;  // argv[0] = program, then one entry per spec.args element
  std::vector<std::string> env;   // "NAME=value", complete (the child gets exactly this)
  // Names of the variables the process itself defines (spec.env, then COLONIES_PROCESS_ID and
  // COLONIES_COLONY_NAME), sorted: what a launcher that forwards variables by name (mpirun -x) names.
  std::vector<std::string> exported;
  // Seconds after which the job is stopped (SIGTERM, then SIGKILL); 0 = no limit. The smaller of
  // the positive ones of spec.maxexectime and spec.conditions.walltime.
  std::int64_t time_limit_s = 0;
  std::string time_limit_name;  // "maxexectime" or "walltime", for the error message
};

// True when the process must run through mpirun: conditions.processes > 1 or processespernode > 0.
inline bool needs_mpi(const model::Conditions& c) { return c.processes > 1 || c.processespernode > 0; }

// One spec.args element as an argv string: a string as it is; an integer in decimal; a
// floating-point number in its shortest round-trip form (1.5, 2.0 gives 2); true/false/null as
// those words; an array or object as its compact JSON text ({"a":1}, [1,"x"]).
// BadRequest if the result contains a NUL byte (it cannot be passed through execve).
Result<std::string> arg_text(const boost::json::value& arg, std::size_t index);

// BadRequest (closing the process failed with the message) for: an empty funcname, NUL bytes,
// env names that are empty or contain '=', and conditions.nodes above 1 (one host only).
// Processes that need MPI (mpi_plan.hpp) get the same plan; the MPI launcher wraps it in mpirun.
Result<LaunchPlan> plan_launch(const model::Process& process, const LaunchContext& context);

}  // namespace colonies::executors::local
