// Pieces of `colonies function` that tests use directly: the options of `function exec` and the
// pure translation of them into a FunctionSpec.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/error/error.hpp"
#include "core/model/function_spec.hpp"

namespace colonies::cli {

struct ExecOptions {
  std::string funcname;
  std::vector<std::string> args;
  std::vector<std::string> kwargs;  // key=value
  std::vector<std::string> env;     // KEY=VALUE
  std::string targettype;
  int priority = 0;
  std::int64_t maxwaittime = -1;
  std::int64_t maxexectime = -1;
  int maxretries = -1;
  std::string cpu;
  std::string mem;
  int gpus = 0;
  int nodes = 0;
  std::int64_t walltime = 0;
  std::string label;
  std::string location;
  std::vector<std::string> fallback;  // TYPE:AFTER[@LOCATION], AFTER in seconds or like 10m
  bool wait = false;
};

// One --fallback value: TYPE:AFTER[@LOCATION]. AFTER is whole seconds ("600") or a duration
// ("10m", "1h30m"); "@LOCATION" sets the fallback's own location, "@" alone means anywhere, and
// without it the process's location applies. BadRequest naming the value when malformed.
Result<model::Fallback> parse_fallback_flag(const std::string& text);

// The spec `function exec` submits. BadRequest when a kwarg or env entry has no '=', a fallback
// is malformed, or there is no target type (the message says to pass --targettype or set COLONIES_EXECUTOR_TYPE).
Result<model::FunctionSpec> build_exec_spec(const ExecOptions& options, const std::string& colonyname);

}  // namespace colonies::cli
