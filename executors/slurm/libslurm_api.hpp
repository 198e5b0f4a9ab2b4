// SlurmApi over libslurm's C API (slurm_submit_batch_job, slurm_load_jobs, slurm_kill_job). The
// only place that includes slurm.h is libslurm_api.cpp; this header keeps it out of everyone else.
// libslurm has no accounting query of its own that fits here, so query_accounting() is delegated
// to another SlurmApi (the CLI's sacct) when one is given.
#pragma once

#include <memory>

#include "executors/slurm/slurm_api.hpp"

namespace colonies::executors::slurm {

// Compares libslurm's run-time API version (slurm_api_version()) with the library this executor
// was built against. BadRequest saying to rebuild or use `--transport cli` on a mismatch: struct
// layouts such as job_desc_msg_t change between Slurm releases, so a mismatched library would
// read and write garbage. `runtime_version` is slurm_api_version()'s value (tests pass others).
Status check_libslurm_version(long runtime_version);
// slurm_api_version() of the loaded library.
long loaded_libslurm_version();
// "22.5.8 (library API 38.0.0)", the build's Slurm, for logs and --version.
std::string built_libslurm_version();

class LibslurmApi final : public SlurmApi {
 public:
  // Checks the library version, then slurm_init() (SLURM_CONF or /etc/slurm/slurm.conf). At most
  // one instance per process: libslurm's configuration is global.
  static Result<std::unique_ptr<LibslurmApi>> create(std::unique_ptr<SlurmApi> accounting);
  ~LibslurmApi() override;  // frees the cached job table, slurm_fini()

  std::string_view name() const override { return "libslurm"; }
  Result<SlurmJobId> submit(const SlurmJobRequest& request) override;
  Result<std::vector<JobStatus>> query(std::span<const SlurmJobId> ids) override;
  Result<std::vector<JobStatus>> query_accounting(std::span<const SlurmJobId> ids) override;
  Status kill(SlurmJobId id) override;
  Status kill_array_task(SlurmJobId array_id, std::uint32_t task) override;
  Result<std::vector<JobStatus>> find_by_comment(std::string_view prefix) override;

 private:
  explicit LibslurmApi(std::unique_ptr<SlurmApi> accounting) : accounting_(std::move(accounting)) {}
  // Refreshes the cached job table with one slurm_load_jobs (unchanged data is not resent).
  Status load_jobs();

  std::unique_ptr<SlurmApi> accounting_;
  void* jobs_ = nullptr;  // job_info_msg_t*, owned
  bool reload_ = false;   // load the whole table next time (after a submit)
};

}  // namespace colonies::executors::slurm
