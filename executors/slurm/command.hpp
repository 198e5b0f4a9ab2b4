// Runs one external program (sbatch, squeue, sacct, scancel) with an argv — never through a
// shell — feeding it stdin and collecting stdout and stderr, with a hard time limit after which
// it is killed. Not a job runner: for short client calls only (output is held in memory).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error/error.hpp"

namespace colonies::executors::slurm {

struct CommandResult {
  int exit_code = -1;  // the program's exit code; 128 + n when killed by signal n
  std::string out;
  std::string err;
};

// Finds `program` in `path` (a PATH value) unless it contains a '/'. NotFound naming it otherwise.
Result<std::string> find_executable(const std::string& program, const std::string& path);

// Runs `argv` (argv[0] an absolute path, see find_executable) with exactly `env` as environment
// ("NAME=value"), writing `input` to its stdin. Blocks until it exits or `timeout` passes, then
// kills it (SIGKILL) and fails with Timeout. Unavailable when it cannot be started.
Result<CommandResult> run_command(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                                  std::string_view input, std::chrono::milliseconds timeout);

}  // namespace colonies::executors::slurm
