// CliSlurmApi (see cli_api.hpp). Output formats are pinned by explicit field lists with a '|'
// separator, the job comment last (it is the only free-text field and may itself hold '|').
#include "executors/slurm/cli_api.hpp"

#include <cstdlib>
#include <memory>

#include <fmt/format.h>

#include "executors/slurm/command.hpp"

namespace colonies::executors::slurm {

namespace {

constexpr const char* kSqueueFormat =
    "JobID:|,ArrayJobID:|,ArrayTaskID:|,State:|,Reason:|,exit_code:|,NodeList:|,Comment:";

std::vector<std::string_view> split(std::string_view text, char separator, std::size_t max_fields) {
  std::vector<std::string_view> fields;
  while (fields.size() + 1 < max_fields) {
    auto at = text.find(separator);
    if (at == std::string_view::npos) break;
    fields.push_back(text.substr(0, at));
    text.remove_prefix(at + 1);
  }
  fields.push_back(text);
  return fields;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

template <class F>
void for_each_line(std::string_view text, F f) {
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!trim(line).empty()) f(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

std::optional<std::uint32_t> number(std::string_view s) {
  s = trim(s);
  if (s.empty() || s.size() > 10) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v > 0xffffffffULL) return std::nullopt;
  return static_cast<std::uint32_t>(v);
}

std::string first_line(const std::string& text) {
  std::string_view t = trim(text);
  auto nl = t.find('\n');
  return std::string(trim(t.substr(0, nl)));
}

// A failed tool call as an Error: slurmctld unreachable or slow is Unavailable (retry later),
// anything else is the request's fault (BadRequest, with Slurm's own words).
Error tool_error(const std::string& tool, const CommandResult& r) {
  const std::string text = first_line(r.err.empty() ? r.out : r.err);
  for (std::string_view transient : {"Unable to contact", "Socket timed out", "Connection refused",
                                     "Zero Bytes were transmitted", "Slurm backup controller in standby mode",
                                     "Resource temporarily unavailable"}) {
    if (text.find(transient) != std::string::npos) {
      return Error{ErrorCode::Unavailable, fmt::format("{}: {}", tool, text)};
    }
  }
  return Error{ErrorCode::BadRequest, fmt::format("{} failed (exit {}): {}", tool, r.exit_code, text)};
}

std::string id_list(std::span<const SlurmJobId> ids) {
  std::string list;
  for (auto id : ids) {
    if (!list.empty()) list += ',';
    list += std::to_string(id);
  }
  return list;
}

}  // namespace

std::vector<std::string> sbatch_arguments(const SlurmJobRequest& r) {
  std::vector<std::string> a{"--parsable", "--export=ALL"};
  auto text = [&](std::string_view option, const std::string& value) {
    if (!value.empty()) a.push_back(fmt::format("--{}={}", option, value));
  };
  auto count = [&](std::string_view option, std::int64_t value, std::string_view unit = "") {
    if (value > 0) a.push_back(fmt::format("--{}={}{}", option, value, unit));
  };
  text("job-name", r.name);
  text("comment", r.comment);
  count("nodes", r.nodes);
  count("ntasks", r.ntasks);
  count("ntasks-per-node", r.ntasks_per_node);
  count("cpus-per-task", r.cpus_per_task);
  count("mem", r.mem_per_node_mb, "M");
  count("tmp", r.tmp_per_node_mb, "M");
  text("gres", r.gres_per_node);
  text("gpus", r.gpus_per_job);
  count("time", r.time_limit_min);
  text("partition", r.partition);
  text("account", r.account);
  text("qos", r.qos);
  text("constraint", r.constraints);
  text("chdir", r.work_dir);
  text("output", r.std_out);
  text("error", r.std_err);
  text("array", r.array);
  return a;
}

std::vector<JobStatus> parse_squeue(std::string_view text) {
  std::vector<JobStatus> jobs;
  for_each_line(text, [&](std::string_view line) {
    auto f = split(line, '|', 8);
    if (f.size() < 8) return;
    auto id = number(f[0]);
    if (!id) return;  // heterogeneous jobs ("12+1") are not ours
    JobStatus s;
    s.job_id = *id;
    // A plain job prints its own id and "N/A"; an array record its array's id and a task or a set.
    const std::string_view task = trim(f[2]);
    if (task != "N/A" && !task.empty()) {
      auto array_id = number(f[1]);
      if (!array_id) return;
      s.array_job_id = *array_id;
      if (auto single = number(task)) {
        s.array_task_id = *single;
      } else {
        s.pending_tasks = parse_task_set(task);
      }
    }
    s.state_name = std::string(trim(f[3]));
    s.state = job_state_from_name(s.state_name);
    s.reason = std::string(trim(f[4]));
    // A wait status has 16 bits; anything larger is not one (and would turn negative as an int).
    if (auto code = number(f[5]); code && *code <= 0xffff) s.wait_status = static_cast<int>(*code);
    s.nodes = std::string(trim(f[6]));
    if (s.nodes == "(null)") s.nodes.clear();
    s.comment = std::string(trim(f[7]));
    if (s.comment == "(null)") s.comment.clear();
    jobs.push_back(std::move(s));
  });
  return jobs;
}

Result<SlurmJobId> parse_sbatch(const std::string& out) {
  auto id = number(split(first_line(out), ';', 2)[0]);
  if (!id) return fail(ErrorCode::Internal, "sbatch --parsable printed '{}', not a job id", first_line(out));
  return *id;
}

std::vector<JobStatus> parse_sacct(std::string_view text) {
  std::vector<JobStatus> jobs;
  for_each_line(text, [&](std::string_view line) {
    auto f = split(line, '|', 6);
    if (f.size() < 5) return;
    auto id = number(f[0]);
    if (!id) return;
    JobStatus s;
    s.job_id = *id;
    // JobID is "<array>_<task>" (or "<array>_[<pending set>]") for array tasks.
    const std::string_view job = trim(f[1]);
    if (auto underscore = job.find('_'); underscore != std::string_view::npos) {
      auto array_id = number(job.substr(0, underscore));
      if (!array_id) return;
      s.array_job_id = *array_id;
      const std::string_view task = job.substr(underscore + 1);
      if (auto single = number(task)) {
        s.array_task_id = *single;
      } else {
        s.pending_tasks = parse_task_set(task);
      }
    }
    s.state_name = std::string(trim(f[2]));
    s.state = job_state_from_name(s.state_name);
    // ExitCode is "<exit>:<signal>"; rebuilt as a wait status.
    auto code = split(trim(f[3]), ':', 2);
    if (code.size() == 2) {
      auto exit = number(code[0]);
      auto sig = number(code[1]);
      if (exit && sig) s.wait_status = static_cast<int>(((*exit & 0xff) << 8) | (*sig & 0x7f));
    }
    s.nodes = std::string(trim(f[4]));
    if (s.nodes == "None assigned") s.nodes.clear();
    if (f.size() > 5) s.reason = std::string(trim(f[5]));
    jobs.push_back(std::move(s));
  });
  return jobs;
}

Result<std::unique_ptr<CliSlurmApi>> CliSlurmApi::create(CliConfig config) {
  if (config.path.empty()) {
    const char* path = std::getenv("PATH");
    config.path = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";
  }
  if (config.environment.empty()) {
    if (const char* conf = std::getenv("SLURM_CONF")) config.environment.push_back(std::string("SLURM_CONF=") + conf);
  }
  for (std::string* tool : {&config.sbatch, &config.squeue, &config.sacct, &config.scancel}) {
    auto found = find_executable(*tool, config.path);
    if (!found) {
      return fail(ErrorCode::NotFound, "the CLI transport needs Slurm's client tools: {}", found.error().message);
    }
    *tool = *found;
  }
  return std::unique_ptr<CliSlurmApi>(new CliSlurmApi(std::move(config)));
}

Result<SlurmJobId> CliSlurmApi::submit(const SlurmJobRequest& request) {
  std::vector<std::string> argv{config_.sbatch};
  for (auto& arg : sbatch_arguments(request)) argv.push_back(std::move(arg));
  // The job's environment is sbatch's own (--export=ALL); the tools' settings come first so a
  // job's PATH cannot hide where SLURM_CONF points.
  std::vector<std::string> env = config_.environment;
  env.insert(env.end(), request.environment.begin(), request.environment.end());
  COLONIES_TRY(r, run_command(argv, env, request.script, config_.timeout));
  if (r.exit_code != 0) return std::unexpected(tool_error("sbatch", r));
  return parse_sbatch(r.out);
}

Result<std::vector<JobStatus>> CliSlurmApi::squeue(const std::vector<std::string>& selection) {
  std::vector<std::string> argv{config_.squeue, "--noheader", "-t", "all", "-O", kSqueueFormat};
  argv.insert(argv.end(), selection.begin(), selection.end());
  COLONIES_TRY(r, run_command(argv, config_.environment, "", config_.timeout));
  if (r.exit_code != 0) {
    // Asked only about jobs slurmctld purged: squeue fails instead of printing nothing.
    if (r.err.find("Invalid job id specified") != std::string::npos) return std::vector<JobStatus>{};
    auto error = tool_error("squeue", r);
    error.code = ErrorCode::Unavailable;  // a query cannot be the request's fault
    return std::unexpected(error);
  }
  return parse_squeue(r.out);
}

Result<std::vector<JobStatus>> CliSlurmApi::query(std::span<const SlurmJobId> ids) {
  if (ids.empty()) return std::vector<JobStatus>{};
  return squeue({"-j", id_list(ids)});
}

Result<std::vector<JobStatus>> CliSlurmApi::query_accounting(std::span<const SlurmJobId> ids) {
  if (ids.empty()) return std::vector<JobStatus>{};
  // --starttime: sacct's default window starts at midnight and would miss yesterday's jobs.
  std::vector<std::string> argv{config_.sacct,   "-X", "--parsable2", "--noheader", "--starttime", "now-2days",
                                "-o", "JobIDRaw,JobID,State,ExitCode,NodeList,Reason", "-j", id_list(ids)};
  COLONIES_TRY(r, run_command(argv, config_.environment, "", config_.timeout));
  if (r.exit_code != 0) {
    return fail(ErrorCode::Unavailable, "no job accounting: {}", first_line(r.err.empty() ? r.out : r.err));
  }
  return parse_sacct(r.out);
}

Status CliSlurmApi::kill(SlurmJobId id) { return scancel(std::to_string(id)); }

Status CliSlurmApi::kill_array_task(SlurmJobId array_id, std::uint32_t task) {
  return scancel(fmt::format("{}_{}", array_id, task));
}

Status CliSlurmApi::scancel(const std::string& target) {
  std::vector<std::string> argv{config_.scancel, target};
  COLONIES_TRY(r, run_command(argv, config_.environment, "", config_.timeout));
  if (r.exit_code == 0) return ok();
  if (r.err.find("already completing or completed") != std::string::npos ||
      r.err.find("Invalid job id") != std::string::npos) {
    return ok();
  }
  return std::unexpected(tool_error("scancel", r));
}

Result<std::vector<JobStatus>> CliSlurmApi::find_by_comment(std::string_view prefix) {
  COLONIES_TRY(all, squeue({}));
  std::vector<JobStatus> ours;
  for (auto& job : all) {
    if (job.comment.starts_with(prefix)) ours.push_back(std::move(job));
  }
  return ours;
}

}  // namespace colonies::executors::slurm
