// DirectoryBlobStore: the BlobStore on a directory, typically on a file system every node of an
// HPC site shares. Layout: <root>/<first two hex of key>/<key>. Writes go to a temporary file in
// the same directory, are fsynced, then renamed into place (atomic on POSIX file systems), so a
// reader never sees half a blob; reads verify the SHA-256 before the destination appears.
// Not a cache and not a lock manager: concurrent puts of the same bytes simply agree.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/ports/blob_store.hpp"

namespace colonies::blob {

// Temporary files (of puts in the root, of gets next to their destination) start with this; a
// directory scan should skip them.
inline constexpr std::string_view kTempPrefix = ".colonies-tmp-";

class DirectoryBlobStore final : public ports::BlobStore {
 public:
  // Creates `root` if missing and checks that it is a writable directory. Errors: BadRequest
  // (empty path, or not a directory), Unavailable (cannot create or write it).
  static Result<std::unique_ptr<DirectoryBlobStore>> open(const std::filesystem::path& root);

  // The store of one colony under a shared root: <root>/<colony>, with bytes other than
  // [A-Za-z0-9._-] percent-encoded (and a leading '.' too), so colonies never share blobs and
  // garbage collection of one colony cannot touch another's.
  static std::filesystem::path colony_root(const std::filesystem::path& root, const std::string& colonyname);

  std::string protocol() const override { return "dir"; }
  Result<ports::BlobInfo> put(const std::filesystem::path& source) override;
  Status get(const std::string& key, const std::filesystem::path& destination) override;
  Result<bool> exists(const std::string& key) override;
  Status remove(const std::string& key) override;
  Result<std::vector<ports::StoredBlob>> list() override;

  const std::filesystem::path& root() const { return root_; }
  // Where blob `key` lives (whether or not it exists).
  std::filesystem::path path_of(const std::string& key) const;

 private:
  explicit DirectoryBlobStore(std::filesystem::path root) : root_(std::move(root)) {}
  std::filesystem::path root_;
};

}  // namespace colonies::blob
