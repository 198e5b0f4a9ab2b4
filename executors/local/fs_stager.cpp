// ColonyFsStager: the FsPlan carried out with client::FileSync over a DirectoryBlobStore.
#include "executors/local/fs_stager.hpp"

#include <spdlog/spdlog.h>

#include "adapters/blob/directory_blob_store.hpp"
#include "client/file_sync.hpp"

namespace colonies::executors::local {

namespace fs = std::filesystem;

namespace {

Error wrap(const Error& e, const std::string& context) { return Error{e.code, context + ": " + e.message}; }

}  // namespace

ColonyFsStager::ColonyFsStager(std::unique_ptr<client::Client> client, fs::path fs_root)
    : client_(std::move(client)), fs_root_(std::move(fs_root)) {}

Status ColonyFsStager::stage_in(const FsPlan& plan) {
  auto blobs = blob::DirectoryBlobStore::open(blob::DirectoryBlobStore::colony_root(fs_root_, plan.colonyname));
  if (!blobs) return std::unexpected(wrap(blobs.error(), "file storage"));
  client::FileSync sync(*client_, **blobs, plan.colonyname);
  for (const auto& s : plan.snapshots) {
    auto snapshot = client_->get_snapshot(plan.colonyname, s.snapshotid);
    if (!snapshot) return std::unexpected(wrap(snapshot.error(), "snapshot " + s.snapshotid));
    std::error_code ec;
    fs::create_directories(s.dir, ec);
    auto n = sync.download_snapshot(*snapshot, s.dir);
    if (!n) return std::unexpected(wrap(n.error(), "snapshot " + snapshot->name));
    spdlog::debug("snapshot {}: {} files into {}", snapshot->name, *n, s.dir.string());
  }
  for (const auto& d : plan.dirs) {
    std::error_code ec;
    fs::create_directories(d.dir, ec);
    if (ec) return fail(ErrorCode::Unavailable, "cannot create {}: {}", d.dir.string(), ec.message());
    auto p = sync.plan(d.label, d.dir, d.onstart_keeplocal);
    if (!p) return std::unexpected(wrap(p.error(), "label " + d.label));
    auto done = sync.execute(*p);
    if (!done) return std::unexpected(wrap(done.error(), "label " + d.label));
  }
  return ok();
}

Status ColonyFsStager::stage_out(const FsPlan& plan, bool succeeded) {
  Status result = ok();
  if (succeeded && !plan.dirs.empty()) {
    result = [&]() -> Status {
      auto blobs = blob::DirectoryBlobStore::open(blob::DirectoryBlobStore::colony_root(fs_root_, plan.colonyname));
      if (!blobs) return std::unexpected(wrap(blobs.error(), "file storage"));
      client::FileSync sync(*client_, **blobs, plan.colonyname);
      for (const auto& d : plan.dirs) {
        auto p = sync.plan(d.label, d.dir, d.onclose_keeplocal);
        if (!p) return std::unexpected(wrap(p.error(), "label " + d.label));
        // Only what goes up: the work directory is discarded, so downloading into it is waste.
        p->download.clear();
        if (!p->keeplocal) p->conflicts.clear();
        auto done = sync.execute(*p);
        if (!done) return std::unexpected(wrap(done.error(), "label " + d.label));
      }
      return ok();
    }();
  }
  for (const auto& s : plan.snapshots) {
    if (!s.keepsnapshot) {
      if (auto removed = client_->remove_snapshot(plan.colonyname, s.snapshotid); !removed) {
        spdlog::warn("could not remove snapshot {} after the process: {}", s.snapshotid, removed.error().message);
      }
    }
    if (!s.keepfiles) {
      std::error_code ec;
      fs::remove_all(s.dir, ec);
    }
  }
  for (const auto& d : plan.dirs) {
    if (!d.keepfiles) {
      std::error_code ec;
      fs::remove_all(d.dir, ec);
    }
  }
  return result;
}

}  // namespace colonies::executors::local
