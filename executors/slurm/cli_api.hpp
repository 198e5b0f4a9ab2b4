// SlurmApi over Slurm's command-line tools: sbatch --parsable (script on stdin), one squeue -t all
// for every job in flight, sacct for jobs slurmctld forgot, scancel. Every call is an argv (no
// shell) with a time limit. The fallback where libslurm does not match the cluster's release, and
// what sites prefer when their tools wrap submission (cli_filter, job_submit plugins).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "executors/slurm/slurm_api.hpp"

namespace colonies::executors::slurm {

struct CliConfig {
  std::string path;  // where sbatch, squeue, sacct, scancel are looked up; default: $PATH
  std::string sbatch = "sbatch";
  std::string squeue = "squeue";
  std::string sacct = "sacct";
  std::string scancel = "scancel";
  std::chrono::milliseconds timeout{30'000};  // per call; a hung slurmctld must not hang us
  // Environment of every tool call besides a job's own (SLURM_CONF, HOME, ...); default: the
  // executor's SLURM_CONF, if set.
  std::vector<std::string> environment;
};

class CliSlurmApi final : public SlurmApi {
 public:
  // NotFound when a tool is missing from the path.
  static Result<std::unique_ptr<CliSlurmApi>> create(CliConfig config);

  std::string_view name() const override { return "cli"; }
  Result<SlurmJobId> submit(const SlurmJobRequest& request) override;
  Result<std::vector<JobStatus>> query(std::span<const SlurmJobId> ids) override;
  Result<std::vector<JobStatus>> query_accounting(std::span<const SlurmJobId> ids) override;
  Status kill(SlurmJobId id) override;
  Status kill_array_task(SlurmJobId array_id, std::uint32_t task) override;
  Result<std::vector<JobStatus>> find_by_comment(std::string_view prefix) override;

 private:
  Status scancel(const std::string& target);
  explicit CliSlurmApi(CliConfig config) : config_(std::move(config)) {}
  Result<std::vector<JobStatus>> squeue(const std::vector<std::string>& selection);

  CliConfig config_;
};

// sbatch's argv for a request (after the program path), as run; pure, for tests.
std::vector<std::string> sbatch_arguments(const SlurmJobRequest& request);
// Parsers of the tools' output; pure, for tests. Lines that do not parse are skipped.
std::vector<JobStatus> parse_squeue(std::string_view text);
std::vector<JobStatus> parse_sacct(std::string_view text);
// The job id on the first line of sbatch --parsable's output ("42", or "42;cluster"); Internal
// when it is not one.
Result<SlurmJobId> parse_sbatch(const std::string& out);

}  // namespace colonies::executors::slurm
