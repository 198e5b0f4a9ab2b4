// What a process's FunctionSpec `fs` asks of the executor, resolved against its work directory:
// snapshots to download and labels to sync before it runs, and labels to sync back after. A pure
// function (no I/O), so the rules — paths stay inside the work directory — are unit-tested;
// fs_stager.hpp carries a plan out.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/error/error.hpp"
#include "core/model/process.hpp"

namespace colonies::executors::local {

struct FsSnapshotStep {
  std::string snapshotid;
  std::filesystem::path dir;  // absolute, inside the work directory
  bool keepfiles = false;
  bool keepsnapshot = true;
};

struct FsDirStep {
  std::string label;          // normalised
  std::filesystem::path dir;  // absolute, inside the work directory
  bool keepfiles = false;
  bool onstart_keeplocal = false;
  bool onclose_keeplocal = true;
};

struct FsPlan {
  std::string colonyname;
  std::vector<FsSnapshotStep> snapshots;
  std::vector<FsDirStep> dirs;
  bool empty() const { return snapshots.empty() && dirs.empty(); }
};

// Reads spec.fs of `process`. Its mount and dirs are relative to `workdir` (a leading '/' is
// dropped: "/cfs" is <workdir>/cfs); ".." is refused so nothing lands outside it. BadRequest
// naming the field otherwise.
Result<FsPlan> plan_fs(const model::Process& process, const std::filesystem::path& workdir);

}  // namespace colonies::executors::local
