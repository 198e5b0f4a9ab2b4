// LocalBackend's MPI part (built with COLONIES_WITH_MPI): sizing an MPI process for this host,
// writing its rankfile and building the mpirun command (mpi_plan.hpp does the translation),
// and reading mpirun's tagged output and failure report back.
#include <fstream>

#include <fmt/format.h>

#include "executors/local/local_backend.hpp"

namespace colonies::executors::local {

namespace {

// mpirun's own stderr lines kept per job: its failure report is the last dozen lines or so.
constexpr std::size_t kLauncherMessages = 40;

}  // namespace

Result<MpiShape> LocalBackend::plan_mpi(const model::Process& process) const {
  return plan_mpi_shape(process.spec, host_, allocator_.total_cores(), config_.mpi);
}

Result<SpawnRequest> LocalBackend::mpi_spawn_request(const Request& request, const Allotment& allotment,
                                                     const std::filesystem::path& dir) const {
  auto mpirun = find_program(config_.mpi.mpirun, config_.path);
  if (!mpirun) {
    return fail(ErrorCode::BadRequest, "this process needs MPI but {}; install Open MPI or start the executor with "
                "--mpirun PATH", mpirun.error().message);
  }
  // A hidden name, so that it does not clash with the job's own files.
  const std::filesystem::path rankfile = dir / ".colonies-rankfile";
  COLONIES_TRY(launch, plan_mpirun(request.plan, request.executable, *request.mpi, allotment, host_, config_.mpi,
                                   rankfile.string()));
  std::ofstream out(rankfile, std::ios::trunc);
  out << launch.rankfile;
  out.close();
  if (!out) return fail(ErrorCode::Unavailable, "cannot write the MPI rankfile {}", rankfile.string());
  SpawnRequest spawn{*mpirun, std::move(launch.argv), std::move(launch.env), dir};
  // The ranks make process groups of their own; the session holds them all (kill_all). SIGTERM on
  // the executor's death lets mpirun stop its ranks, which a SIGKILL would orphan.
  spawn.new_session = true;
  spawn.death_signal = SIGTERM;
  return spawn;
}

std::string LocalBackend::mpi_line(Job& job, bool is_stderr, std::string_view line) const {
  std::string text = retag_mpi_line(line);
  if (is_stderr && text == line) {
    job.launcher_messages.emplace_back(line);
    if (job.launcher_messages.size() > kLauncherMessages) job.launcher_messages.pop_front();
  }
  return text;
}

std::optional<std::string> LocalBackend::mpi_failure(const Job& job) const {
  auto rank = mpi_rank_failure({job.launcher_messages.begin(), job.launcher_messages.end()});
  if (!rank) return std::nullopt;
  return fmt::format("MPI {}", *rank);
}

}  // namespace colonies::executors::local
