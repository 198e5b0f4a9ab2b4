// ColonyFS metadata: File (one revision of a named file under a label), Snapshot (a frozen set
// of file revisions), Label, the FunctionSpec `fs` section, with their JSON codecs (spec §3
// names) and the label / file-name rules. Metadata only: file bytes live in a BlobStore
// (core/ports/blob_store.hpp), and no storage credentials ever appear here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/json.hpp"

namespace colonies::model {

inline constexpr std::string_view kChecksumAlg = "SHA256";

// Where a file's bytes are: the storage backend (`protocol`, e.g. "dir") and the object key in
// it (the SHA-256 content address). S3 later adds a bucket; never access keys (spec §14: the
// original stored S3 secrets per file row).
struct FileRef {
  std::string protocol;
  std::string bucket;
  std::string object;
};

struct File {
  std::string fileid;
  std::string colonyname;
  std::string label;    // path-like, normalised: "/a/b"
  std::string name;     // a plain file name, no '/'
  std::int64_t size = 0;
  std::int64_t sequencenr = 0;  // assigned by the server: strictly increasing over the server
  std::string checksum;         // lowercase hex SHA-256 of the bytes
  std::string checksumalg = std::string(kChecksumAlg);
  FileRef ref;
  TimeNs added = 0;
};

struct Snapshot {
  std::string snapshotid;
  std::string colonyname;
  std::string label;
  std::string name;  // unique per colony
  std::vector<std::string> fileids;
  // The frozen revisions themselves (a Colonies addition), so that a snapshot stays complete
  // when its files are later removed from the label.
  std::vector<File> files;
  TimeNs added = 0;
};

struct Label {
  std::string name;
  std::int64_t files = 0;  // distinct file names directly under this label
};

// FunctionSpec.fs, as executors read it (spec §3): snapshots to download before the process
// runs and directories to sync before and after.
struct SnapshotMount {
  std::string snapshotid;
  std::string label;  // informational; the snapshot says which label it froze
  std::string dir;    // relative to the mount
  bool keepfiles = false;
  bool keepsnapshot = true;
};
struct SyncDirMount {
  std::string label;
  std::string dir;  // relative to the mount
  bool keepfiles = false;
  bool onstart_keeplocal = false;  // onconflicts.onstart.keeplocal
  bool onclose_keeplocal = true;   // onconflicts.onclose.keeplocal
};
struct Filesystem {
  std::string mount;  // relative to the process's working directory; "" = the working directory
  std::vector<SnapshotMount> snapshots;
  std::vector<SyncDirMount> dirs;
  bool empty() const { return snapshots.empty() && dirs.empty(); }
};

json::object to_json(const FileRef& r);
// Refuses credentials (accesskey, secretkey, encryptionkey) with a BadRequest.
Result<FileRef> file_ref_from_json(const json::value& v, const std::string& path = "ref");
json::object to_json(const File& f);
Result<File> file_from_json(const json::value& v, const std::string& path = "file");
json::object to_json(const Snapshot& s);
Result<Snapshot> snapshot_from_json(const json::value& v, const std::string& path = "snapshot");
json::object to_json(const Label& l);
Result<Label> label_from_json(const json::value& v, const std::string& path = "label");
json::object to_json(const Filesystem& fs);
// null or {} is an empty Filesystem.
Result<Filesystem> filesystem_from_json(const json::value& v, const std::string& path = "spec.fs");

// A label in its one canonical form: a leading '/', no trailing '/' (except the root "/"), no
// empty, "." or ".." segments, no control characters, at most 1024 bytes. "a/b/" -> "/a/b".
Result<std::string> normalize_label(std::string_view label);
// True if `label` is `root` or below it ("/a/b" is within "/a", "/ab" is not).
bool label_within(std::string_view label, std::string_view root);
// `label` relative to `root` ("/a/b/c" within "/a" -> "b/c"; "" when equal). Precondition:
// label_within(label, root).
std::string label_relative(std::string_view label, std::string_view root);
// A file name: 1..255 bytes, not "." or "..", no '/', no control characters.
Status valid_file_name(std::string_view name);
// 64 lowercase hex characters.
bool is_valid_sha256(std::string_view checksum);

}  // namespace colonies::model
