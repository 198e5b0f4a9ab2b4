// SqliteStore: opening (pragmas, migrations, the reader pool) and the port's entry points, which
// turn any stray exception into an error so none crosses the port. The SQL itself lives in
// sqlite_writes.cpp and sqlite_reads.cpp.
#include "adapters/storage/sqlite/sqlite_store.hpp"

#include <exception>
#include <filesystem>
#include <system_error>

#include "adapters/storage/sqlite/checkpointer.hpp"
#include "adapters/storage/sqlite/connection.hpp"
#include "adapters/storage/sqlite/migrations.hpp"

namespace colonies::storage {

using sqlite::Connection;

namespace {

// How long a connection retries while another one (another process, or a checkpoint) holds a
// lock, before reporting Unavailable.
constexpr int kBusyTimeoutMs = 5000;
// WAL size (pages) after which a background checkpoint starts; SQLite's own default.
constexpr int kCheckpointPages = 1000;

Status configure_writer(Connection& c, SqliteOptions::Sync sync) {
  COLONIES_CHECK(c.exec(fmt::format("PRAGMA busy_timeout = {}", kBusyTimeoutMs)));
  COLONIES_TRY(mode, c.query_text("PRAGMA journal_mode = WAL"));
  if (mode != "wal") {
    return fail(ErrorCode::Unavailable, "SQLite database {}: cannot enable WAL mode (journal_mode is {})", c.path(),
                mode);
  }
  COLONIES_CHECK(c.exec(sync == SqliteOptions::Sync::Full ? "PRAGMA synchronous = FULL"
                                                          : "PRAGMA synchronous = NORMAL"));
  // Big batches touch many index pages; a larger cache keeps them from being re-read mid-batch.
  COLONIES_CHECK(c.exec("PRAGMA cache_size = -65536"));  // KiB
  COLONIES_CHECK(c.exec("PRAGMA temp_store = MEMORY"));
  // After a checkpoint, shrink a WAL that a long batch or a long reader made large.
  COLONIES_CHECK(c.exec("PRAGMA journal_size_limit = 67108864"));
  return ok();
}

Status configure_reader(Connection& c) {
  COLONIES_CHECK(c.exec(fmt::format("PRAGMA busy_timeout = {}", kBusyTimeoutMs)));
  COLONIES_CHECK(c.exec("PRAGMA cache_size = -16384"));  // KiB
  // Readers never write; make a slip an error instead of a second writer.
  COLONIES_CHECK(c.exec("PRAGMA query_only = 1"));
  return ok();
}

template <class F>
auto guarded(std::string_view what, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& e) {
    return fail(ErrorCode::Internal, "SqliteStore::{}: {}", what, e.what());
  } catch (...) {
    return fail(ErrorCode::Internal, "SqliteStore::{}: unknown exception", what);
  }
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const SqliteOptions& options) {
  return guarded("open", [&]() -> Result<std::unique_ptr<SqliteStore>> {
    if (options.path.empty() || options.path == ":memory:" || options.path.starts_with("file:")) {
      return fail(ErrorCode::BadRequest, "SQLite store path must be a file path, got '{}'", options.path);
    }
    if (options.reader_connections < 1) {
      return fail(ErrorCode::BadRequest, "SQLite store needs at least 1 reader connection, got {}",
                  options.reader_connections);
    }
    std::filesystem::path parent = std::filesystem::path(options.path).parent_path();
    if (!parent.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(parent, ec);
      if (ec) {
        return fail(ErrorCode::Unavailable, "cannot create directory {} for the SQLite database: {}", parent.string(),
                    ec.message());
      }
    }
    COLONIES_TRY(writer, Connection::open(options.path));
    COLONIES_CHECK(configure_writer(*writer, options.sync));
    COLONIES_CHECK(sqlite::migrate(*writer));
    COLONIES_TRY(checkpointer, sqlite::Checkpointer::start(*writer, kCheckpointPages));
    std::vector<std::unique_ptr<Connection>> readers;
    for (int i = 0; i < options.reader_connections; ++i) {
      COLONIES_TRY(reader, Connection::open(options.path));
      COLONIES_CHECK(configure_reader(*reader));
      readers.push_back(std::move(reader));
    }
    return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(writer), std::move(checkpointer), std::move(readers)));
  });
}

SqliteStore::SqliteStore(std::unique_ptr<Connection> writer, std::unique_ptr<sqlite::Checkpointer> checkpointer,
                         std::vector<std::unique_ptr<Connection>> readers)
    : writer_(std::move(writer)), checkpointer_(std::move(checkpointer)), readers_(std::move(readers)) {
  for (auto& r : readers_) idle_readers_.push_back(r.get());
}

SqliteStore::~SqliteStore() = default;

SqliteStore::ReaderLease::ReaderLease(SqliteStore& store) : store_(store) {
  std::unique_lock lock(store_.readers_mutex_);
  store_.reader_returned_.wait(lock, [&] { return !store_.idle_readers_.empty(); });
  connection_ = store_.idle_readers_.back();
  store_.idle_readers_.pop_back();
}

SqliteStore::ReaderLease::~ReaderLease() {
  {
    std::lock_guard lock(store_.readers_mutex_);
    store_.idle_readers_.push_back(connection_);
  }
  store_.reader_returned_.notify_one();
}

Status SqliteStore::apply(std::span<const ports::Mutation> batch) {
  return guarded("apply", [&]() -> Status {
    std::lock_guard lock(writer_mutex_);
    return apply_batch(batch);
  });
}

Result<ports::Snapshot> SqliteStore::load() {
  return guarded("load", [&] {
    ReaderLease reader(*this);
    return read_snapshot(*reader);
  });
}

Result<std::optional<model::Process>> SqliteStore::get_process(const std::string& processid) {
  return guarded("get_process", [&] {
    ReaderLease reader(*this);
    return read_process(*reader, processid);
  });
}

Result<std::vector<model::Process>> SqliteStore::list_processes(const ports::ProcessFilter& filter) {
  return guarded("list_processes", [&] {
    ReaderLease reader(*this);
    return read_processes(*reader, filter);
  });
}

Result<std::optional<model::Attribute>> SqliteStore::get_attribute(const std::string& attributeid) {
  return guarded("get_attribute", [&] {
    ReaderLease reader(*this);
    return read_attribute(*reader, attributeid);
  });
}

Result<std::vector<model::Log>> SqliteStore::get_logs(const ports::LogQuery& query) {
  return guarded("get_logs", [&] {
    ReaderLease reader(*this);
    return read_logs(*reader, query);
  });
}

Result<std::vector<model::Log>> SqliteStore::search_logs(const std::string& colonyname, const std::string& text,
                                                         std::int64_t since, int count) {
  return guarded("search_logs", [&] {
    ReaderLease reader(*this);
    return read_log_search(*reader, colonyname, text, since, count);
  });
}

Result<std::vector<model::ChannelEntry>> SqliteStore::list_channel_entries(const ports::ChannelQuery& query) {
  return guarded("list_channel_entries", [&] {
    ReaderLease reader(*this);
    return read_channel_entries(*reader, query);
  });
}

Result<std::map<model::ProcessState, std::int64_t>> SqliteStore::count_processes(const std::string& colonyname) {
  return guarded("count_processes", [&] {
    ReaderLease reader(*this);
    return read_counts(*reader, colonyname);
  });
}

Result<std::optional<model::File>> SqliteStore::get_file(const std::string& colonyname, const std::string& fileid) {
  return guarded("get_file", [&] {
    ReaderLease reader(*this);
    return read_file(*reader, colonyname, fileid);
  });
}

Result<std::vector<model::File>> SqliteStore::get_file_revisions(const std::string& colonyname,
                                                                 const std::string& label, const std::string& name) {
  return guarded("get_file_revisions", [&] {
    ReaderLease reader(*this);
    return read_file_revisions(*reader, colonyname, label, name);
  });
}

Result<std::vector<model::File>> SqliteStore::list_files(const ports::FileQuery& query) {
  return guarded("list_files", [&] {
    ReaderLease reader(*this);
    return read_files(*reader, query);
  });
}

Result<std::vector<model::Label>> SqliteStore::list_labels(const std::string& colonyname, const std::string& label,
                                                           bool exact) {
  return guarded("list_labels", [&] {
    ReaderLease reader(*this);
    return read_labels(*reader, colonyname, label, exact);
  });
}

Result<std::optional<model::Snapshot>> SqliteStore::get_snapshot(const std::string& colonyname,
                                                                 const std::string& snapshotid) {
  return guarded("get_snapshot", [&] {
    ReaderLease reader(*this);
    return read_snapshot_row(*reader, "SELECT data FROM snapshots WHERE colonyname = ? AND snapshotid = ?",
                             colonyname, snapshotid);
  });
}

Result<std::optional<model::Snapshot>> SqliteStore::get_snapshot_by_name(const std::string& colonyname,
                                                                         const std::string& name) {
  return guarded("get_snapshot_by_name", [&] {
    ReaderLease reader(*this);
    return read_snapshot_row(*reader, "SELECT data FROM snapshots WHERE colonyname = ? AND name = ?", colonyname,
                             name);
  });
}

Result<std::vector<model::Snapshot>> SqliteStore::list_snapshots(const std::string& colonyname) {
  return guarded("list_snapshots", [&] {
    ReaderLease reader(*this);
    return read_snapshots(*reader, colonyname);
  });
}

Result<std::optional<model::ProcessGraph>> SqliteStore::get_process_graph(const std::string& processgraphid) {
  return guarded("get_process_graph", [&] {
    ReaderLease reader(*this);
    return read_graph(*reader, processgraphid);
  });
}

Result<std::vector<model::ProcessGraph>> SqliteStore::list_process_graphs(const ports::ProcessGraphFilter& filter) {
  return guarded("list_process_graphs", [&] {
    ReaderLease reader(*this);
    return read_graphs(*reader, filter);
  });
}

Result<std::map<model::ProcessState, std::int64_t>> SqliteStore::count_process_graphs(const std::string& colonyname) {
  return guarded("count_process_graphs", [&] {
    ReaderLease reader(*this);
    return read_graph_counts(*reader, colonyname);
  });
}

Result<std::vector<model::AuditEntry>> SqliteStore::list_audit(const ports::AuditQuery& query) {
  return guarded("list_audit", [&] {
    ReaderLease reader(*this);
    return read_audit(*reader, query);
  });
}

Result<ports::AuditState> SqliteStore::audit_state() {
  return guarded("audit_state", [&] {
    ReaderLease reader(*this);
    return read_audit_state(*reader);
  });
}

}  // namespace colonies::storage
