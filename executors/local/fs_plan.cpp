// plan_fs: FunctionSpec.fs -> FsPlan, without touching the file system.
#include "executors/local/fs_plan.hpp"

#include "core/model/files.hpp"

namespace colonies::executors::local {

namespace fs = std::filesystem;

namespace {

// `relative` below `base`, refusing anything that could climb out of it.
Result<fs::path> inside(const fs::path& base, const std::string& relative, const std::string& field) {
  std::string rest = relative;
  while (!rest.empty() && rest.front() == '/') rest.erase(0, 1);
  fs::path out = base;
  for (const auto& part : fs::path(rest)) {
    if (part == "..") return fail(ErrorCode::BadRequest, "{} '{}' may not contain '..'", field, relative);
    if (part.empty() || part == ".") continue;
    out /= part;
  }
  return out;
}

}  // namespace

Result<FsPlan> plan_fs(const model::Process& process, const fs::path& workdir) {
  FsPlan plan;
  plan.colonyname = process.spec.conditions.colonyname;
  COLONIES_TRY(spec, model::filesystem_from_json(process.spec.fs));
  if (spec.empty()) return plan;
  COLONIES_TRY(mount, inside(workdir, spec.mount, "spec.fs.mount"));
  for (std::size_t i = 0; i < spec.snapshots.size(); ++i) {
    const auto& s = spec.snapshots[i];
    COLONIES_TRY(dir, inside(mount, s.dir, fmt::format("spec.fs.snapshots[{}].dir", i)));
    plan.snapshots.push_back(FsSnapshotStep{s.snapshotid, std::move(dir), s.keepfiles, s.keepsnapshot});
  }
  for (std::size_t i = 0; i < spec.dirs.size(); ++i) {
    const auto& d = spec.dirs[i];
    COLONIES_TRY(dir, inside(mount, d.dir, fmt::format("spec.fs.dirs[{}].dir", i)));
    plan.dirs.push_back(FsDirStep{d.label, std::move(dir), d.keepfiles, d.onstart_keeplocal, d.onclose_keeplocal});
  }
  return plan;
}

}  // namespace colonies::executors::local
