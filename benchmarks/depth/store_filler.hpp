// Pre-populates a stopped coloniesd's SQLite store with WAITING and finished processes through
// the store library's group-commit API (SqliteStore::apply, many PutProcess per transaction), as
// the server itself would have written them: the fastest honest way to get millions of processes
// queued. The server then rebuilds its in-memory index from them at start. Benchmarks only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "adapters/crypto/sodium_crypto.hpp"
#include "adapters/storage/sqlite/sqlite_store.hpp"
#include "core/error/error.hpp"

namespace colonies::bench {

class StoreFiller {
 public:
  // Opens `data_dir`/colonies.db (coloniesd must not be running on it). The processes belong to
  // colony "bench", executor type "bench", submitted by `initiatorid` ("bench-user"); finished ones
  // were run by `executorid`. `batch` mutations go into one transaction.
  static Result<std::unique_ptr<StoreFiller>> open(const std::string& data_dir, std::string initiatorid,
                                                   std::string executorid, int batch);
  // Adds `count` WAITING processes (spec as the lifecycle benchmark submits), oldest first.
  Status add_waiting(std::int64_t count);
  // Adds `count` processes that ran and succeeded (SUCCESS, with start and end times).
  Status add_finished(std::int64_t count);

 private:
  StoreFiller(std::unique_ptr<storage::SqliteStore> store, std::string initiatorid, std::string executorid,
              int batch);
  Status add(std::int64_t count, bool finished);

  std::unique_ptr<storage::SqliteStore> store_;
  crypto::RandomIdGenerator ids_;
  std::string initiatorid_;
  std::string executorid_;
  int batch_;
};

}  // namespace colonies::bench
