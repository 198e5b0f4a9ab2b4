// BlobStore port: where ColonyFS file bytes live, keyed by their SHA-256 content address (64
// lowercase hex). Clients (SDK, CLI, executors) use it directly; the server never does: it
// stores metadata only. Implemented by DirectoryBlobStore (a shared file system directory, what
// HPC sites have); an S3 adapter can follow behind the same interface, with its credentials in
// client configuration, never in the server's database.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error/error.hpp"

namespace colonies::ports {

struct BlobInfo {
  std::string key;  // the SHA-256 of the bytes, lowercase hex
  std::int64_t size = 0;
};

struct StoredBlob {
  std::string key;
  std::int64_t size = 0;
  std::int64_t modified_unix_s = 0;  // when the blob was last written (for garbage-collection grace)
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;

  // The backend's name as written in a File's ref.protocol ("dir").
  virtual std::string protocol() const = 0;

  // Stores the bytes of the local file `source` under their SHA-256 and returns it. Storing
  // bytes that are already there is cheap and succeeds (content addressing: same key, same
  // bytes). Durable when it returns; a reader never sees a partly written blob. Blocks on I/O.
  // Errors: NotFound (no such source), Unavailable (cannot read the source or write the store).
  virtual Result<BlobInfo> put(const std::filesystem::path& source) = 0;

  // Writes the blob `key` to the local file `destination` (replacing it, parent directories
  // created), verifying the SHA-256 of the bytes; the destination appears whole or not at all.
  // Blocks on I/O. Errors: BadRequest (malformed key), NotFound (no such blob), Conflict (the
  // stored bytes do not match their key: corrupted; nothing is written), Unavailable (I/O).
  virtual Status get(const std::string& key, const std::filesystem::path& destination) = 0;

  // Whether the blob exists. Errors: BadRequest (malformed key), Unavailable.
  virtual Result<bool> exists(const std::string& key) = 0;

  // Removes the blob; removing a missing blob succeeds. Errors: BadRequest, Unavailable.
  virtual Status remove(const std::string& key) = 0;

  // Every blob, in key order (for garbage collection). Errors: Unavailable.
  virtual Result<std::vector<StoredBlob>> list() = 0;
};

}  // namespace colonies::ports
