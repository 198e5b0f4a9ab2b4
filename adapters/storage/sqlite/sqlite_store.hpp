// SqliteStore: the embedded Store adapter. One file in WAL mode; one writer connection used only
// by apply() (one IMMEDIATE transaction per batch) and a small pool of reader connections, so
// reads run concurrently with a commit. Not a cache: the server keeps its working set itself.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/ports/store.hpp"

namespace colonies::storage {

namespace sqlite {
class Checkpointer;
class Connection;
}  // namespace sqlite

struct SqliteOptions {
  // A file path (":memory:" is not supported: readers need to share the file). The parent
  // directory is created if missing.
  std::string path;
  // Full: every apply() is on disk when it returns (the WAL is fsynced at each commit).
  // Normal: a commit survives a crash of coloniesd but may be lost, as a whole, on power loss or
  // an OS crash (the WAL is fsynced only at checkpoints). The database is never corrupted.
  enum class Sync { Full, Normal } sync = Sync::Full;
  int reader_connections = 2;  // at least 1
};

class SqliteStore final : public ports::Store {
 public:
  // Opens or creates the database and brings its schema up to date. Errors: BadRequest (bad
  // options), Unavailable (cannot open, or the schema is newer than this binary).
  static Result<std::unique_ptr<SqliteStore>> open(const SqliteOptions& options);
  ~SqliteStore() override;

  Status apply(std::span<const ports::Mutation> batch) override;
  Result<ports::Snapshot> load() override;
  Result<std::optional<model::Process>> get_process(const std::string& processid) override;
  Result<std::vector<model::Process>> list_processes(const ports::ProcessFilter& filter) override;
  Result<std::vector<model::ChannelEntry>> list_channel_entries(const ports::ChannelQuery& query) override;
  Result<std::optional<model::Attribute>> get_attribute(const std::string& attributeid) override;
  Result<std::vector<model::Log>> get_logs(const ports::LogQuery& query) override;
  Result<std::vector<model::Log>> search_logs(const std::string& colonyname, const std::string& text,
                                              std::int64_t since, int count) override;
  Result<std::map<model::ProcessState, std::int64_t>> count_processes(const std::string& colonyname) override;
  Result<std::optional<model::File>> get_file(const std::string& colonyname, const std::string& fileid) override;
  Result<std::vector<model::File>> get_file_revisions(const std::string& colonyname, const std::string& label,
                                                      const std::string& name) override;
  Result<std::vector<model::File>> list_files(const ports::FileQuery& query) override;
  Result<std::vector<model::Label>> list_labels(const std::string& colonyname, const std::string& label,
                                                bool exact) override;
  Result<std::optional<model::Snapshot>> get_snapshot(const std::string& colonyname,
                                                      const std::string& snapshotid) override;
  Result<std::optional<model::Snapshot>> get_snapshot_by_name(const std::string& colonyname,
                                                              const std::string& name) override;
  Result<std::vector<model::Snapshot>> list_snapshots(const std::string& colonyname) override;
  Result<std::optional<model::ProcessGraph>> get_process_graph(const std::string& processgraphid) override;
  Result<std::vector<model::ProcessGraph>> list_process_graphs(const ports::ProcessGraphFilter& filter) override;
  Result<std::map<model::ProcessState, std::int64_t>> count_process_graphs(const std::string& colonyname) override;
  Result<std::vector<model::AuditEntry>> list_audit(const ports::AuditQuery& query) override;
  Result<ports::AuditState> audit_state() override;

 private:
  SqliteStore(std::unique_ptr<sqlite::Connection> writer, std::unique_ptr<sqlite::Checkpointer> checkpointer,
              std::vector<std::unique_ptr<sqlite::Connection>> readers);

  // Borrows a reader connection for the lifetime of the lease; waits while all are in use.
  class ReaderLease {
   public:
    explicit ReaderLease(SqliteStore& store);
    ~ReaderLease();
    ReaderLease(const ReaderLease&) = delete;
    ReaderLease& operator=(const ReaderLease&) = delete;
    sqlite::Connection& operator*() const { return *connection_; }

   private:
    SqliteStore& store_;
    sqlite::Connection* connection_;
  };

  // sqlite_writes.cpp
  Status apply_batch(std::span<const ports::Mutation> batch);
  Status apply_one(const ports::Mutation& mutation);

  // sqlite_reads.cpp; each runs on a leased reader.
  Result<ports::Snapshot> read_snapshot(sqlite::Connection& c);
  Result<std::optional<model::Process>> read_process(sqlite::Connection& c, const std::string& processid);
  Result<std::vector<model::Process>> read_processes(sqlite::Connection& c, const ports::ProcessFilter& filter);
  Result<std::optional<model::Attribute>> read_attribute(sqlite::Connection& c, const std::string& attributeid);
  Result<std::vector<model::Log>> read_logs(sqlite::Connection& c, const ports::LogQuery& query);
  Result<std::vector<model::Log>> read_log_search(sqlite::Connection& c, const std::string& colonyname,
                                                  const std::string& text, std::int64_t since, int count);
  Result<std::map<model::ProcessState, std::int64_t>> read_counts(sqlite::Connection& c,
                                                                   const std::string& colonyname);
  Result<std::vector<model::ChannelEntry>> read_channel_entries(sqlite::Connection& c, const ports::ChannelQuery& query);
  // sqlite_file_reads.cpp
  Status read_file_state(sqlite::Connection& c, ports::Snapshot& snapshot);
  Result<std::optional<model::File>> read_file(sqlite::Connection& c, const std::string& colonyname,
                                               const std::string& fileid);
  Result<std::vector<model::File>> read_file_revisions(sqlite::Connection& c, const std::string& colonyname,
                                                       const std::string& label, const std::string& name);
  Result<std::vector<model::File>> read_files(sqlite::Connection& c, const ports::FileQuery& query);
  Result<std::vector<model::Label>> read_labels(sqlite::Connection& c, const std::string& colonyname,
                                                const std::string& label, bool exact);
  Result<std::optional<model::Snapshot>> read_snapshot_row(sqlite::Connection& c, std::string_view sql,
                                                           const std::string& colonyname, const std::string& key);
  Result<std::vector<model::Snapshot>> read_snapshots(sqlite::Connection& c, const std::string& colonyname);

  // sqlite_audit.cpp
  Status read_audit_head(sqlite::Connection& c, model::AuditHead& head);
  Result<std::vector<model::AuditEntry>> read_audit(sqlite::Connection& c, const ports::AuditQuery& query);
  Result<ports::AuditState> read_audit_state(sqlite::Connection& c);

  // sqlite_graphs.cpp
  Result<std::optional<model::ProcessGraph>> read_graph(sqlite::Connection& c, const std::string& processgraphid);
  Result<std::vector<model::ProcessGraph>> read_graphs(sqlite::Connection& c, const ports::ProcessGraphFilter& filter);
  Result<std::map<model::ProcessState, std::int64_t>> read_graph_counts(sqlite::Connection& c,
                                                                         const std::string& colonyname);

  std::mutex writer_mutex_;  // apply() has one caller by contract; this makes misuse harmless
  std::unique_ptr<sqlite::Connection> writer_;
  std::unique_ptr<sqlite::Checkpointer> checkpointer_;  // after writer_: it must be destroyed first

  std::mutex readers_mutex_;
  std::condition_variable reader_returned_;
  std::vector<std::unique_ptr<sqlite::Connection>> readers_;  // owns all reader connections
  std::vector<sqlite::Connection*> idle_readers_;
};

}  // namespace colonies::storage
