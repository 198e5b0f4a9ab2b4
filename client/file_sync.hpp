// ColonyFS sync: a local directory against a label. The plan is a pure function of the two
// sides (a scan of the directory with checksums, the label's latest revisions): what to upload,
// what to download, and which files differ on both sides (conflicts), resolved by the keeplocal
// rule (local wins: upload; remote wins: download). FileSync executes plans with a Client for
// the metadata and a BlobStore for the bytes. Deletions are not propagated: a file missing on
// one side is copied from the other. Sub-directories map to sub-labels ("d/x.txt" under "/a" is
// file "x.txt" of label "/a/d").
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "client/client.hpp"
#include "core/model/files.hpp"
#include "core/ports/blob_store.hpp"

namespace colonies::client {

struct LocalFile {
  std::string path;  // relative to the synced directory, '/'-separated
  std::string checksum;
  std::int64_t size = 0;
};

struct SyncItem {
  std::string path;   // relative to the directory
  std::string label;  // the file's label
  std::string name;
  std::string local_checksum;   // "" when only remote
  std::string remote_checksum;  // "" when only local
  std::int64_t size = 0;        // of the side that is copied
  model::File remote;           // the latest revision, when remote_checksum is set
};

struct SyncPlan {
  std::string label;
  std::filesystem::path dir;
  bool keeplocal = false;
  std::vector<SyncItem> upload;     // local only
  std::vector<SyncItem> download;   // remote only
  std::vector<SyncItem> conflicts;  // different on both sides; keeplocal decides the direction
  std::int64_t unchanged = 0;
  bool in_sync() const { return upload.empty() && download.empty() && conflicts.empty(); }
};

// The label and name of `path` (relative, '/'-separated) under `root_label`. BadRequest for a
// path that is not a valid file name / label.
Result<std::pair<std::string, std::string>> label_and_name(const std::string& root_label, const std::string& path);
// The path (relative, '/'-separated) of `file` under `root_label`. Precondition: the file's
// label is within root_label.
std::string path_under(const std::string& root_label, const model::File& file);

// Pure. `remote` holds the latest revision of each file under `label` (recursive).
Result<SyncPlan> compute_sync_plan(const std::string& label, const std::vector<LocalFile>& local,
                                   const std::vector<model::File>& remote, bool keeplocal);

// Every regular file below `dir` with its SHA-256, skipping the blob store's temporary files.
// A missing `dir` is an empty directory. Blocks on I/O.
Result<std::vector<LocalFile>> scan_directory(const std::filesystem::path& dir);

// Human-readable lines describing a plan ("upload  d/x.txt -> /a/d", ...).
std::vector<std::string> describe(const SyncPlan& plan);

struct SyncStats {
  int uploaded = 0;
  int downloaded = 0;
};

class FileSync {
 public:
  // Neither is owned; both must outlive this object. Not thread-safe (nor is Client).
  FileSync(Client& client, ports::BlobStore& blobs, std::string colonyname);

  // Scans `dir`, lists `label` and computes the plan. Nothing is changed.
  Result<SyncPlan> plan(const std::string& label, const std::filesystem::path& dir, bool keeplocal);
  // Carries out `plan`: bytes first, then metadata, so that no File ever names missing bytes.
  Result<SyncStats> execute(const SyncPlan& plan);

  // Stores the local file's bytes and adds it as a new revision of (label, name).
  Result<model::File> upload(const std::filesystem::path& local, const std::string& label, const std::string& name);
  // Writes the bytes of `file` to `destination`, verified against its checksum.
  Status download(const model::File& file, const std::filesystem::path& destination);
  // Writes every file of `snapshot` below `dir`, at its path relative to the snapshot's label.
  Result<int> download_snapshot(const model::Snapshot& snapshot, const std::filesystem::path& dir);

 private:
  Client& client_;
  ports::BlobStore& blobs_;
  std::string colony_;
};

}  // namespace colonies::client
