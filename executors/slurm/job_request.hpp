// Pure translation of an assigned process plus the site's settings into a SlurmJobRequest: the
// plain description of one batch job that both transports (libslurm, CLI) submit as they are.
// No I/O here (no directory checks, no Slurm calls), so every rule is golden-tested as data
// (tests/golden/slurm). What Slurm cannot express is refused with a message, never dropped.
// Rules for users: docs/executor-slurm.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error/error.hpp"
#include "core/model/process.hpp"

namespace colonies::executors::slurm {

// How GPUs are asked for at this site.
enum class GresStyle {
  None,  // the site has no GPUs: a process asking for any is refused
  Gres,  // per node, as generic resources: --gres=gpu[:name]:N
  Tres,  // per job, as trackable resources: --gpus=[name:]N
};

// Site settings of one Slurm executor (its config file / flags), not of a process.
struct SiteConfig {
  std::string executor_name;  // goes into the job comment, so reattach finds our jobs only
  std::string partition;      // "" = the cluster's default partition
  std::string account;
  std::string qos;
  std::string constraints;    // a Slurm --constraint expression, e.g. "haswell&ib"
  std::vector<std::string> modules;   // `module load <m>` lines, each name shell-quoted
  std::vector<std::string> prologue;  // script lines as the site wrote them (trusted: site config)
  std::string workdir;     // absolute; each job runs in <workdir>/<processid>
  std::string output_dir;  // absolute; <output_dir>/<processid>-<jobid>.out / .err
  std::int64_t default_walltime_s = 0;  // used when a process gives no walltime; 0 = partition default
  GresStyle gres_style = GresStyle::Gres;
  // For jobs with more than one task the program is started with `srun <srun_args> program ...`
  // (e.g. "--mpi=pmix"); single-task jobs exec the program directly.
  std::vector<std::string> srun_args;
  std::string shell = "/bin/bash";  // the script's interpreter (#!)
  // "NAME=value" entries every job gets first (PATH, LANG, ...); the process's env comes after.
  std::vector<std::string> environment;
};

// One batch job, ready to submit. Counts of 0 and empty strings mean "not set": Slurm's default.
struct SlurmJobRequest {
  std::string name;     // --job-name (also SLURM_JOB_NAME in environment, which %x needs)
  std::string comment;  // "colonies:<executor>:<processid>", how reattach finds the job
  std::string script;   // starts with "#!"
  int nodes = 0;
  int ntasks = 0;
  int ntasks_per_node = 0;
  int cpus_per_task = 0;
  std::int64_t mem_per_node_mb = 0;  // --mem, in MiB (Slurm's "M")
  std::int64_t tmp_per_node_mb = 0;  // --tmp, in MiB, from conditions.storage
  std::string gres_per_node;         // "gpu:2" or "gpu:a100:2" (GresStyle::Gres)
  std::string gpus_per_job;          // "2" or "a100:2" (GresStyle::Tres)
  std::int64_t time_limit_min = 0;   // --time in minutes, rounded up from seconds
  std::string partition;
  std::string account;
  std::string qos;
  std::string constraints;
  std::vector<std::string> environment;  // complete "NAME=value" list the job starts with
  std::string work_dir;
  std::string std_out;  // with %j, which Slurm replaces by the job id
  std::string std_err;
  std::string array;    // --array task set ("0-9"); "" for a plain job
  // The pieces the script is made of, kept for combine_array(): the site's prologue and module
  // lines, and the final command line ("exec ...").
  std::string preamble;
  std::string command;
};

// Job arrays: compatible processes (same resources, limits and site settings) submitted as one
// array job whose script picks the process by $SLURM_ARRAY_TASK_ID. Task i runs members[i].
struct ArrayMember {
  std::string processid;
  SlurmJobRequest request;  // translate()'s result for that process
};
// Equal for requests that may share an array job: everything but the per-process fields.
std::string array_key(const SlurmJobRequest& request);
// The comment prefix of this executor's array jobs; the array's token (its first process ID)
// follows. Slurm limits comments to 1024 bytes, so the task -> process list is not in the comment
// but in the file array_map_path() names.
std::string array_comment_prefix(const std::string& executor_name);
// The token of an array job comment of this executor; nullopt if not one of ours.
std::optional<std::string> array_token_of_comment(const std::string& comment, const std::string& executor_name);
// Where the executor keeps an array's process IDs, one per line in task order.
std::string array_map_path(const SiteConfig& site, const std::string& token);
// The array job for `members` (at least one; all with the same array_key()).
SlurmJobRequest combine_array(const std::vector<ArrayMember>& members, const SiteConfig& site);
// Output files of array task `task` of array job `array_id`.
std::pair<std::string, std::string> array_output_paths(const SiteConfig& site, std::uint32_t array_id, std::uint32_t task);

// The comment prefix of every job this executor submits; the process ID follows it.
std::string comment_prefix(const std::string& executor_name);
// The process ID of a job comment made by comment_prefix(executor_name) + id; nullopt if the
// comment is not one of this executor's.
std::optional<std::string> processid_of_comment(const std::string& comment, const std::string& executor_name);

// The site settings' own consistency (absolute directories, an executor name usable in a job
// comment, NAME=value environment). BadRequest naming the setting.
Status validate(const SiteConfig& site);

// Errors are BadRequest with a message naming the field and what to change.
Result<SlurmJobRequest> translate(const model::Process& process, const SiteConfig& site);

// A stable text form of a request (one "key: value" line per set field, then the environment
// and the script), for golden files and the executor's debug log.
std::string render(const SlurmJobRequest& request);

// The stdout and stderr path patterns (with %j) of a process's jobs at this site.
std::pair<std::string, std::string> output_patterns(const SiteConfig& site, const std::string& processid);

// "out" file path with %j replaced by the job id (what the executor tails).
std::string resolve_output_path(const std::string& pattern, std::uint32_t job_id);

}  // namespace colonies::executors::slurm
