// FunctionSpec -> argv/env/time limit for the local backend (see launch_plan.hpp).
#include "executors/local/launch_plan.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace colonies::executors::local {

namespace {

constexpr std::string_view kReservedPrefix = "COLONIES_";

bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

}  // namespace

Result<std::string> arg_text(const boost::json::value& arg, std::size_t index) {
  std::string text;
  if (arg.is_string()) {
    text = std::string(arg.get_string());
  } else if (arg.is_double()) {
    // Shortest round-trip form ("1.5", "2"), not Boost's "1.5E0".
    text = fmt::format("{}", arg.get_double());
  } else {
    text = boost::json::serialize(arg);
  }
  if (has_nul(text)) return fail(ErrorCode::BadRequest, "args[{}] contains a NUL byte, which no program can receive", index);
  return text;
}

Result<LaunchPlan> plan_launch(const model::Process& process, const LaunchContext& context) {
  const model::FunctionSpec& spec = process.spec;
  const model::Conditions& c = spec.conditions;
  if (c.nodes > 1) {
    return fail(ErrorCode::BadRequest,
                "conditions.nodes is {}, but this local executor runs processes on one host only; submit multi-node "
                "jobs to a Slurm executor (set conditions.executortype to its type)",
                c.nodes);
  }
  if (spec.funcname.empty()) return fail(ErrorCode::BadRequest, "funcname is empty: it names the program to run");
  if (has_nul(spec.funcname)) return fail(ErrorCode::BadRequest, "funcname contains a NUL byte");

  LaunchPlan plan;
  plan.program = spec.funcname;
  plan.argv.push_back(spec.funcname);
  for (std::size_t i = 0; i < spec.args.size(); ++i) {
    COLONIES_TRY(text, arg_text(spec.args[i], i));
    plan.argv.push_back(std::move(text));
  }

  // Later entries win: executor environment, then the spec's env, then what the runtime defines.
  std::map<std::string, std::string> env;
  for (const auto& entry : context.executor_env) {
    auto eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    std::string name = entry.substr(0, eq);
    if (name.starts_with(kReservedPrefix)) continue;
    env[name] = entry.substr(eq + 1);
  }
  for (const auto& [name, value] : spec.env) {
    if (name.empty() || name.find('=') != std::string::npos || has_nul(name)) {
      return fail(ErrorCode::BadRequest, "env name '{}' is not a valid environment variable name (empty, or has '=')", name);
    }
    if (has_nul(value)) return fail(ErrorCode::BadRequest, "env {} contains a NUL byte", name);
    env[name] = value;
  }
  env["COLONIES_PROCESS_ID"] = process.processid;
  env["COLONIES_COLONY_NAME"] = c.colonyname;
  for (const auto& [name, value] : spec.env) plan.exported.push_back(name);
  plan.exported.push_back("COLONIES_PROCESS_ID");
  plan.exported.push_back("COLONIES_COLONY_NAME");
  std::sort(plan.exported.begin(), plan.exported.end());
  plan.exported.erase(std::unique(plan.exported.begin(), plan.exported.end()), plan.exported.end());
  for (const auto& [name, value] : env) plan.env.push_back(name + "=" + value);

  if (spec.maxexectime > 0) {
    plan.time_limit_s = spec.maxexectime;
    plan.time_limit_name = "maxexectime";
  }
  if (c.walltime > 0 && (plan.time_limit_s == 0 || c.walltime < plan.time_limit_s)) {
    plan.time_limit_s = c.walltime;
    plan.time_limit_name = "walltime";
  }
  return plan;
}

}  // namespace colonies::executors::local
