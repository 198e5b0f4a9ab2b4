// PostgresStore: the Store adapter for a shared PostgreSQL database (libpq, no ORM). One writer
// connection used only by apply() (each batch one transaction, sent in pipeline mode) and a
// small pool of reader connections, so reads run concurrently with a commit. Connections that
// break are re-established by themselves with backoff; meanwhile calls fail with Unavailable
// (the commit queue retries, reads answer 503). Not a cache: the server keeps its working set.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/ports/store.hpp"

namespace colonies::storage {

namespace postgres {
class Connection;
}  // namespace postgres

struct PostgresOptions {
  // A libpq connection string ("host=/run/postgresql dbname=colonies") or URI
  // ("postgresql://colonies@db.example.org/colonies?sslmode=verify-full"). TLS, passwords and
  // peer authentication are options of the string (or PGPASSWORD, ~/.pgpass, PGSSLMODE, ...).
  std::string conninfo;
  int reader_connections = 2;  // at least 1
};

class PostgresStore final : public ports::Store {
 public:
  // Connects and brings the schema up to date. Errors: BadRequest (bad options or connection
  // string), Unavailable (cannot connect, or the schema is newer than this binary).
  static Result<std::unique_ptr<PostgresStore>> open(const PostgresOptions& options);
  ~PostgresStore() override;

  Status apply(std::span<const ports::Mutation> batch) override;
  Status claim_epoch(std::int64_t epoch, const std::string& holder) override;
  bool fenced() const override { return fenced_.load(); }
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
  PostgresStore(std::unique_ptr<postgres::Connection> writer, std::vector<std::unique_ptr<postgres::Connection>> readers);

  // Borrows a reader connection for the lifetime of the lease; waits while all are in use.
  class ReaderLease {
   public:
    explicit ReaderLease(PostgresStore& store);
    ~ReaderLease();
    ReaderLease(const ReaderLease&) = delete;
    ReaderLease& operator=(const ReaderLease&) = delete;
    postgres::Connection& operator*() const { return *connection_; }

   private:
    PostgresStore& store_;
    postgres::Connection* connection_;
  };
  template <class F>
  auto with_reader(std::string_view what, F&& body) -> decltype(body(std::declval<postgres::Connection&>()));

  std::mutex writer_mutex_;  // apply() has one caller by contract; this makes misuse harmless
  std::unique_ptr<postgres::Connection> writer_;
  // High availability: the epoch every transaction checks (0: not claimed, no check), and
  // whether a check failed (guarded by writer_mutex_ / atomic).
  std::int64_t epoch_ = 0;
  std::atomic<bool> fenced_{false};

  std::mutex readers_mutex_;
  std::condition_variable reader_returned_;
  std::vector<std::unique_ptr<postgres::Connection>> readers_;
  std::vector<postgres::Connection*> idle_readers_;
};

}  // namespace colonies::storage
