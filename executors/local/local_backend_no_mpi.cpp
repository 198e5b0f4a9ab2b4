// LocalBackend's MPI part in a build without COLONIES_WITH_MPI: MPI processes are refused with a
// message saying so; the other functions are never reached (no job is ever marked MPI).
#include "executors/local/local_backend.hpp"

namespace colonies::executors::local {

Result<MpiShape> LocalBackend::plan_mpi(const model::Process& process) const {
  return fail(ErrorCode::BadRequest,
              "this process needs MPI (conditions.processes {}, processespernode {}) but this executor was built "
              "without MPI support (CMake option COLONIES_WITH_MPI=OFF); submit with at most 1 process or to an "
              "executor built with it",
              process.spec.conditions.processes, process.spec.conditions.processespernode);
}

Result<SpawnRequest> LocalBackend::mpi_spawn_request(const Request&, const Allotment&,
                                                     const std::filesystem::path&) const {
  return fail(ErrorCode::Internal, "MPI launch is not part of this build");
}

std::string LocalBackend::mpi_line(Job&, bool, std::string_view line) const { return std::string(line); }

std::optional<std::string> LocalBackend::mpi_failure(const Job&) const { return std::nullopt; }

}  // namespace colonies::executors::local
