// Checkpointer: copies the WAL back into the database file on a background thread with its own
// connection, so a commit only appends to the WAL and does not also pay for the checkpoint.
// Not a durability mechanism: a commit is durable once in the WAL; this only bounds its size.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "core/error/error.hpp"

struct sqlite3;

namespace colonies::storage::sqlite {

class Connection;

class Checkpointer {
 public:
  // Opens a connection to `writer`'s database and takes over the writer's automatic checkpoint:
  // after a commit leaves at least `wal_pages` pages in the WAL, a PASSIVE checkpoint runs
  // here. Errors: Unavailable.
  static Result<std::unique_ptr<Checkpointer>> start(Connection& writer, int wal_pages);
  // Stops the thread and gives the automatic checkpoint back to the writer. The writer must
  // outlive this object.
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

 private:
  Checkpointer(Connection& writer, std::unique_ptr<Connection> own, int wal_pages);
  static int on_commit(void* self, ::sqlite3* db, const char* name, int pages);
  void run();

  Connection& writer_;
  std::unique_ptr<Connection> connection_;
  int wal_pages_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool requested_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace colonies::storage::sqlite
