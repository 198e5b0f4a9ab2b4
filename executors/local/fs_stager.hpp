// Carries out an FsPlan: before a process runs, downloads its snapshots and syncs its dirs down
// into the work directory; after it ends, syncs the dirs back up (uploads and, with onclose
// keeplocal, local versions of conflicting files) and removes snapshots not marked keepsnapshot.
// FsStager is the seam LocalBackend calls (fakes in tests); ColonyFsStager is the real one, with
// its own Client (the executor's key) and a DirectoryBlobStore. Called from the runtime's worker
// thread only; every call blocks on the network and the file system.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "client/client.hpp"
#include "executors/local/fs_plan.hpp"

namespace colonies::executors::local {

class FsStager {
 public:
  virtual ~FsStager() = default;
  // Materialises the inputs. An error message says which snapshot, label or file failed.
  virtual Status stage_in(const FsPlan& plan) = 0;
  // After the process: syncs result dirs back when it `succeeded`, then cleans up (snapshots
  // without keepsnapshot, dirs without keepfiles). An error message says what was not synced.
  virtual Status stage_out(const FsPlan& plan, bool succeeded) = 0;
};

class ColonyFsStager final : public FsStager {
 public:
  // `fs_root` is the shared storage directory (each colony has its own store below it).
  ColonyFsStager(std::unique_ptr<client::Client> client, std::filesystem::path fs_root);
  Status stage_in(const FsPlan& plan) override;
  Status stage_out(const FsPlan& plan, bool succeeded) override;

 private:
  std::unique_ptr<client::Client> client_;
  std::filesystem::path fs_root_;
};

}  // namespace colonies::executors::local
