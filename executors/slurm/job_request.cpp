// FunctionSpec + SiteConfig -> SlurmJobRequest (see job_request.hpp). The order of the checks is
// the order of the fields in a FunctionSpec, so that the first error a user sees is the first
// thing to fix in their spec.
#include "executors/slurm/job_request.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "core/model/resources.hpp"
#include "executors/local/launch_plan.hpp"
#include "executors/slurm/shell_quote.hpp"

namespace colonies::executors::slurm {

namespace {

constexpr std::string_view kCommentTag = "colonies:";
constexpr std::int64_t kMiB = 1024 * 1024;
constexpr std::size_t kMaxJobName = 64;

bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

bool valid_env_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// Names Slurm's own tools read from the environment: set by a user they would change how the
// job is submitted or launched (sbatch reads SBATCH_*, srun SLURM_*/SRUN_*), so they are refused.
bool reserved_for_slurm(std::string_view name) {
  for (std::string_view prefix : {"SLURM_", "SBATCH_", "SRUN_", "SALLOC_"}) {
    if (name.starts_with(prefix)) return true;
  }
  return false;
}

bool safe_id(std::string_view id) {
  return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
  });
}

bool safe_gpu_name(std::string_view name) {
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_' ||
           c == '.';
  });
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// The program's base name, reduced to characters every Slurm tool prints safely.
std::string job_name_of(const std::string& funcname) {
  std::string_view base = funcname;
  if (auto slash = base.rfind('/'); slash != std::string_view::npos) base = base.substr(slash + 1);
  std::string name;
  for (char c : base) {
    if (name.size() == kMaxJobName) break;
    const bool keep = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
                      c == '_' || c == '.';
    name.push_back(keep ? c : '_');
  }
  return name.empty() ? std::string("colonies-job") : name;
}

struct Tasks {
  int nodes = 0;
  int ntasks = 0;
  int per_node = 0;
};

// conditions.nodes / processes / processespernode -> --nodes / --ntasks / --ntasks-per-node,
// refusing combinations Slurm would have to reinterpret.
Result<Tasks> plan_tasks(const model::Conditions& c) {
  if (c.nodes < 0 || c.processes < 0 || c.processespernode < 0) {
    return fail(ErrorCode::BadRequest, "conditions.nodes, processes and processespernode must not be negative");
  }
  Tasks t{c.nodes, c.processes, c.processespernode};
  if (t.nodes > 0 && t.per_node > 0 && t.ntasks > 0 && t.ntasks != t.nodes * t.per_node) {
    return fail(ErrorCode::BadRequest,
                "conditions.processes {} does not equal nodes {} x processespernode {}; give two of the three or make "
                "them agree",
                t.ntasks, t.nodes, t.per_node);
  }
  if (t.nodes > 0 && t.ntasks > 0 && t.ntasks < t.nodes) {
    return fail(ErrorCode::BadRequest,
                "conditions.processes {} is fewer than nodes {}: Slurm needs at least one task per node", t.ntasks,
                t.nodes);
  }
  if (t.per_node > 0 && t.nodes == 0 && t.ntasks > 0 && t.ntasks % t.per_node != 0) {
    return fail(ErrorCode::BadRequest,
                "conditions.processes {} is not a multiple of processespernode {}, so the number of nodes is not "
                "whole; set conditions.nodes or make processes a multiple",
                t.ntasks, t.per_node);
  }
  if (t.per_node > 0 && t.ntasks == 0) t.ntasks = std::max(t.nodes, 1) * t.per_node;
  return t;
}

Status plan_gpus(const model::Gpu& gpu, GresStyle style, int nodes, SlurmJobRequest& request) {
  if (gpu.count < 0) return fail(ErrorCode::BadRequest, "conditions.gpu.count must not be negative");
  if (gpu.count == 0) {
    if (!gpu.name.empty() || !gpu.mem.empty() || gpu.nodecount > 0) {
      return fail(ErrorCode::BadRequest,
                  "conditions.gpu names a GPU model, memory or node count but gpu.count is 0; set gpu.count");
    }
    return ok();
  }
  if (style == GresStyle::None) {
    return fail(ErrorCode::BadRequest,
                "conditions.gpu.count is {} but this Slurm executor has no GPUs configured (gres style \"none\")",
                gpu.count);
  }
  if (!gpu.mem.empty()) {
    return fail(ErrorCode::BadRequest,
                "conditions.gpu.mem '{}' cannot be requested from Slurm; ask for a GPU model with gpu.name instead",
                gpu.mem);
  }
  if (!safe_gpu_name(gpu.name)) {
    return fail(ErrorCode::BadRequest, "conditions.gpu.name '{}' is not a Slurm GPU type (letters, digits, - _ .)",
                gpu.name);
  }
  const int job_nodes = std::max(nodes, 1);
  if (gpu.nodecount > 0 && gpu.nodecount != job_nodes) {
    return fail(ErrorCode::BadRequest,
                "conditions.gpu.nodecount {} differs from the job's {} node(s); Slurm gives every node of a job the "
                "same GPUs",
                gpu.nodecount, job_nodes);
  }
  const std::string typed = gpu.name.empty() ? std::to_string(gpu.count) : fmt::format("{}:{}", gpu.name, gpu.count);
  if (style == GresStyle::Gres) {
    request.gres_per_node = "gpu:" + typed;
  } else {
    // --gpus counts for the whole job; the spec's count is per node.
    request.gpus_per_job =
        gpu.name.empty() ? std::to_string(gpu.count * job_nodes) : fmt::format("{}:{}", gpu.name, gpu.count * job_nodes);
  }
  return ok();
}

Result<std::int64_t> mebibytes(const std::string& text, std::string_view field, bool zero_is_all) {
  if (text.empty()) return 0;
  auto bytes = model::parse_bytes(text);
  if (!bytes || *bytes < 0) {
    return fail(ErrorCode::BadRequest, "conditions.{} '{}' is not an amount of memory; write e.g. 512Mi or 4Gi", field,
                text);
  }
  if (*bytes == 0) {
    if (zero_is_all) {
      return fail(ErrorCode::BadRequest,
                  "conditions.{} '{}' would ask Slurm for all of a node's memory; leave it out or give an amount",
                  field, text);
    }
    return 0;
  }
  return ceil_div(*bytes, kMiB);
}

// The lines between the header and the command: the site's prologue, then module loads.
std::string render_preamble(const SiteConfig& site) {
  std::string preamble;
  for (const auto& line : site.prologue) preamble += line + "\n";
  for (const auto& module : site.modules) preamble += "module load " + shell_quote(module) + "\n";
  return preamble;
}

std::string render_command(const SiteConfig& site, const std::vector<std::string>& argv, bool parallel) {
  std::string command = "exec";
  if (parallel) {
    command += " srun";
    for (const auto& arg : site.srun_args) command += " " + shell_quote(arg);
  }
  for (const auto& word : argv) command += " " + shell_quote(word);
  return command;
}

}  // namespace

std::string comment_prefix(const std::string& executor_name) {
  return fmt::format("{}{}:", kCommentTag, executor_name);
}

std::optional<std::string> processid_of_comment(const std::string& comment, const std::string& executor_name) {
  const std::string prefix = comment_prefix(executor_name);
  if (!comment.starts_with(prefix)) return std::nullopt;
  std::string id = comment.substr(prefix.size());
  if (!safe_id(id)) return std::nullopt;
  return id;
}

Status validate(const SiteConfig& site) {
  if (site.executor_name.empty() || site.executor_name.find_first_of(": \t\n") != std::string::npos) {
    return fail(ErrorCode::BadRequest,
                "executor name '{}' cannot mark Slurm job comments: it must be non-empty, without ':' or spaces",
                site.executor_name);
  }
  if (!site.workdir.starts_with('/')) {
    return fail(ErrorCode::BadRequest, "workdir '{}' must be an absolute path on a file system the nodes share",
                site.workdir);
  }
  if (!site.output_dir.starts_with('/')) {
    return fail(ErrorCode::BadRequest, "output dir '{}' must be an absolute path the executor can read", site.output_dir);
  }
  if (!site.shell.starts_with('/') || site.shell.find_first_of(" \t\n") != std::string::npos) {
    return fail(ErrorCode::BadRequest, "shell '{}' must be an absolute path without spaces (it becomes the #! line)",
                site.shell);
  }
  if (site.default_walltime_s < 0) return fail(ErrorCode::BadRequest, "default walltime must not be negative");
  for (const auto& entry : site.environment) {
    auto eq = entry.find('=');
    if (eq == std::string::npos || !valid_env_name(std::string_view(entry).substr(0, eq)) || has_nul(entry)) {
      return fail(ErrorCode::BadRequest, "job environment entry '{}' is not NAME=value", entry);
    }
  }
  for (const auto& line : site.prologue) {
    if (line.find('\n') != std::string::npos) {
      return fail(ErrorCode::BadRequest, "prologue entries are single script lines; split '{}' into several", line);
    }
  }
  return ok();
}

Result<SlurmJobRequest> translate(const model::Process& process, const SiteConfig& site) {
  COLONIES_CHECK(validate(site));
  const model::FunctionSpec& spec = process.spec;
  const model::Conditions& c = spec.conditions;
  if (!safe_id(process.processid)) {
    return fail(ErrorCode::BadRequest, "process ID '{}' cannot name a job directory", process.processid);
  }
  if (spec.funcname.empty()) return fail(ErrorCode::BadRequest, "funcname is empty: it names the program to run");
  if (has_nul(spec.funcname)) return fail(ErrorCode::BadRequest, "funcname contains a NUL byte");
  std::vector<std::string> argv{spec.funcname};
  for (std::size_t i = 0; i < spec.args.size(); ++i) {
    COLONIES_TRY(text, local::arg_text(spec.args[i], i));
    argv.push_back(std::move(text));
  }
  if (!spec.kwargs.empty()) {
    return fail(ErrorCode::BadRequest,
                "kwargs are not passed to programs by the Slurm executor; put the values into args instead");
  }
  if (!spec.fs.is_null()) {
    return fail(ErrorCode::BadRequest,
                "spec.fs (file staging) is not supported by the Slurm executor; read and write files on the "
                "cluster's shared file system instead");
  }

  SlurmJobRequest request;
  request.name = job_name_of(spec.funcname);
  request.comment = comment_prefix(site.executor_name) + process.processid;

  COLONIES_TRY(tasks, plan_tasks(c));
  request.nodes = tasks.nodes;
  request.ntasks = tasks.ntasks;
  request.ntasks_per_node = tasks.per_node;
  if (!c.cpu.empty()) {
    auto millis = model::parse_cpu(c.cpu);
    if (!millis || *millis < 0) {
      return fail(ErrorCode::BadRequest, "conditions.cpu '{}' is not a CPU amount; write e.g. 2 or 500m", c.cpu);
    }
    request.cpus_per_task = static_cast<int>(ceil_div(*millis, 1000));
  }
  COLONIES_TRY(mem, mebibytes(c.mem, "mem", /*zero_is_all=*/true));
  request.mem_per_node_mb = mem;
  COLONIES_TRY(tmp, mebibytes(c.storage, "storage", /*zero_is_all=*/false));
  request.tmp_per_node_mb = tmp;
  COLONIES_CHECK(plan_gpus(c.gpu, site.gres_style, request.nodes, request));
  if (c.walltime < 0) return fail(ErrorCode::BadRequest, "conditions.walltime must not be negative");
  const std::int64_t walltime = c.walltime > 0 ? c.walltime : site.default_walltime_s;
  request.time_limit_min = walltime > 0 ? ceil_div(walltime, 60) : 0;
  request.partition = site.partition;
  request.account = site.account;
  request.qos = site.qos;
  request.constraints = site.constraints;

  // Later entries win: the site's base environment, the spec's env, then what we define.
  std::map<std::string, std::string> env;
  for (const auto& entry : site.environment) {
    auto eq = entry.find('=');
    env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [name, value] : spec.env) {
    if (!valid_env_name(name)) {
      return fail(ErrorCode::BadRequest,
                  "env name '{}' is not a valid environment variable name (letters, digits and _, not starting with "
                  "a digit)",
                  name);
    }
    if (reserved_for_slurm(name)) {
      return fail(ErrorCode::BadRequest, "env name '{}' is reserved for Slurm's own tools (SLURM_, SBATCH_, SRUN_, "
                  "SALLOC_); choose another name", name);
    }
    if (has_nul(value)) return fail(ErrorCode::BadRequest, "env {} contains a NUL byte", name);
    env[name] = value;
  }
  env["COLONIES_PROCESS_ID"] = process.processid;
  env["COLONIES_COLONY_NAME"] = c.colonyname;
  env["SLURM_JOB_NAME"] = request.name;  // libslurm expands %x from it (sbatch sets it itself)
  for (const auto& [name, value] : env) request.environment.push_back(name + "=" + value);

  request.work_dir = site.workdir + "/" + process.processid;
  std::tie(request.std_out, request.std_err) = output_patterns(site, process.processid);
  const bool parallel = request.ntasks > 1 || request.nodes > 1;
  request.preamble = render_preamble(site);
  request.command = render_command(site, argv, parallel);
  request.script = fmt::format("#!{}\n# Colonies process {}, submitted by colonies-slurm-executor {}\n{}{}\n", site.shell,
                               process.processid, site.executor_name, request.preamble, request.command);
  return request;
}

std::string render(const SlurmJobRequest& r) {
  std::string text;
  auto line = [&](std::string_view key, const auto& value) { text += fmt::format("{}: {}\n", key, value); };
  auto text_field = [&](std::string_view key, const std::string& value) {
    if (!value.empty()) line(key, value);
  };
  auto count_field = [&](std::string_view key, std::int64_t value) {
    if (value > 0) line(key, value);
  };
  text_field("name", r.name);
  text_field("comment", r.comment);
  count_field("nodes", r.nodes);
  count_field("ntasks", r.ntasks);
  count_field("ntasks-per-node", r.ntasks_per_node);
  count_field("cpus-per-task", r.cpus_per_task);
  count_field("mem-mb", r.mem_per_node_mb);
  count_field("tmp-mb", r.tmp_per_node_mb);
  text_field("gres", r.gres_per_node);
  text_field("gpus", r.gpus_per_job);
  count_field("time-min", r.time_limit_min);
  text_field("partition", r.partition);
  text_field("account", r.account);
  text_field("qos", r.qos);
  text_field("constraint", r.constraints);
  text_field("chdir", r.work_dir);
  text_field("output", r.std_out);
  text_field("error", r.std_err);
  text_field("array", r.array);
  text += "environment:\n";
  for (const auto& entry : r.environment) text += "  " + entry + "\n";
  text += "script:\n" + r.script;
  return text;
}

std::pair<std::string, std::string> output_patterns(const SiteConfig& site, const std::string& processid) {
  return {fmt::format("{}/{}-%j.out", site.output_dir, processid), fmt::format("{}/{}-%j.err", site.output_dir, processid)};
}

std::string array_key(const SlurmJobRequest& r) {
  SlurmJobRequest key = r;
  key.name.clear();
  key.comment.clear();
  key.script.clear();
  key.environment.clear();
  key.work_dir.clear();
  key.std_out.clear();
  key.std_err.clear();
  key.command.clear();
  return render(key) + key.preamble;
}

std::string array_comment_prefix(const std::string& executor_name) {
  return comment_prefix(executor_name) + "array:";
}

std::optional<std::string> array_token_of_comment(const std::string& comment, const std::string& executor_name) {
  const std::string prefix = array_comment_prefix(executor_name);
  if (!comment.starts_with(prefix)) return std::nullopt;
  std::string token = comment.substr(prefix.size());
  if (!safe_id(token)) return std::nullopt;
  return token;
}

std::string array_map_path(const SiteConfig& site, const std::string& token) {
  return fmt::format("{}/arrays/{}", site.workdir, token);
}

SlurmJobRequest combine_array(const std::vector<ArrayMember>& members, const SiteConfig& site) {
  SlurmJobRequest array = members.front().request;
  array.name = "colonies-array";
  array.comment = array_comment_prefix(site.executor_name) + members.front().processid;
  array.array = fmt::format("0-{}", members.size() - 1);
  array.work_dir = site.workdir;
  array.std_out = fmt::format("{}/array-%A_%a.out", site.output_dir);
  array.std_err = fmt::format("{}/array-%A_%a.err", site.output_dir);
  array.environment = site.environment;
  array.environment.push_back("SLURM_JOB_NAME=" + array.name);
  // Each task sets its process's environment and directory, then runs its command; values are
  // shell-quoted like every other value in a script.
  std::string script = fmt::format("#!{}\n# Colonies job array of {} processes, submitted by colonies-slurm-executor {}\n",
                                   site.shell, members.size(), site.executor_name);
  script += array.preamble;
  script += "case \"${SLURM_ARRAY_TASK_ID:-}\" in\n";
  for (std::size_t i = 0; i < members.size(); ++i) {
    const SlurmJobRequest& r = members[i].request;
    script += fmt::format("  {})\n", i);
    for (const auto& entry : r.environment) {
      auto eq = entry.find('=');
      if (entry.starts_with("SLURM_")) continue;  // Slurm's own, set for the job
      script += fmt::format("    export {}={}\n", entry.substr(0, eq), shell_quote(entry.substr(eq + 1)));
    }
    script += fmt::format("    cd {} || exit 1\n", shell_quote(r.work_dir));
    script += fmt::format("    {} ;;\n", r.command);
  }
  script += "  *)\n    echo \"colonies: no process for array task ${SLURM_ARRAY_TASK_ID:-?}\" >&2\n    exit 1 ;;\nesac\n";
  array.script = std::move(script);
  return array;
}

std::pair<std::string, std::string> array_output_paths(const SiteConfig& site, std::uint32_t array_id, std::uint32_t task) {
  return {fmt::format("{}/array-{}_{}.out", site.output_dir, array_id, task),
          fmt::format("{}/array-{}_{}.err", site.output_dir, array_id, task)};
}

std::string resolve_output_path(const std::string& pattern, std::uint32_t job_id) {
  std::string path;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '%' && i + 1 < pattern.size() && pattern[i + 1] == 'j') {
      path += std::to_string(job_id);
      ++i;
    } else {
      path.push_back(pattern[i]);
    }
  }
  return path;
}

}  // namespace colonies::executors::slurm
