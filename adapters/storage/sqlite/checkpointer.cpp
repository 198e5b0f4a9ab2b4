// Background WAL checkpoints for SqliteStore. PASSIVE mode never waits for readers or the
// writer: it copies what it can and the next request continues, so it cannot stall a commit.
#include "adapters/storage/sqlite/checkpointer.hpp"

#include <sqlite3.h>

#include "adapters/storage/sqlite/connection.hpp"

namespace colonies::storage::sqlite {

Result<std::unique_ptr<Checkpointer>> Checkpointer::start(Connection& writer, int wal_pages) {
  COLONIES_TRY(own, Connection::open(writer.path()));
  COLONIES_CHECK(own->exec("PRAGMA busy_timeout = 5000"));
  return std::unique_ptr<Checkpointer>(new Checkpointer(writer, std::move(own), wal_pages));
}

Checkpointer::Checkpointer(Connection& writer, std::unique_ptr<Connection> own, int wal_pages)
    : writer_(writer), connection_(std::move(own)), wal_pages_(wal_pages) {
  thread_ = std::thread([this] { run(); });
  // Replaces SQLite's own auto-checkpoint hook on the writer (there is only one hook).
  sqlite3_wal_hook(writer_.handle(), &Checkpointer::on_commit, this);
}

Checkpointer::~Checkpointer() {
  sqlite3_wal_autocheckpoint(writer_.handle(), 1000);  // reinstalls the default hook
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

int Checkpointer::on_commit(void* self, sqlite3*, const char*, int pages) {
  auto* checkpointer = static_cast<Checkpointer*>(self);
  if (pages >= checkpointer->wal_pages_) {
    {
      std::lock_guard lock(checkpointer->mutex_);
      checkpointer->requested_ = true;
    }
    checkpointer->wake_.notify_one();
  }
  return SQLITE_OK;  // a hook error would be reported as the commit's error
}

void Checkpointer::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return requested_ || stopping_; });
    if (stopping_) return;
    requested_ = false;
    lock.unlock();
    // A failure (busy, I/O) is not fatal: the WAL keeps the data and the next commit asks again.
    sqlite3_wal_checkpoint_v2(connection_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    lock.lock();
  }
}

}  // namespace colonies::storage::sqlite
