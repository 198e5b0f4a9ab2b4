// PostgresStore: opening (connection string check, migrations, the reader pool) and the port's
// entry points, which turn any stray exception into an error so none crosses the port. The SQL
// lives in postgres_writes.cpp and postgres_reads.cpp, libpq in connection.cpp.
#include "adapters/storage/postgres/postgres_store.hpp"

#include <chrono>
#include <exception>

#include "adapters/storage/postgres/connection.hpp"
#include "adapters/storage/postgres/migrations.hpp"
#include "adapters/storage/postgres/queries.hpp"

namespace colonies::storage {

using postgres::Connection;

namespace {

template <class F>
auto guarded(std::string_view what, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& e) {
    return fail(ErrorCode::Internal, "PostgresStore::{}: {}", what, e.what());
  } catch (...) {
    return fail(ErrorCode::Internal, "PostgresStore::{}: unknown exception", what);
  }
}

std::int64_t unix_ns_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<std::unique_ptr<PostgresStore>> PostgresStore::open(const PostgresOptions& options) {
  return guarded("open", [&]() -> Result<std::unique_ptr<PostgresStore>> {
    if (options.conninfo.empty()) {
      return fail(ErrorCode::BadRequest,
                  "PostgreSQL store needs a connection string, e.g. 'host=/run/postgresql dbname=colonies' or "
                  "'postgresql://user@host/colonies'");
    }
    if (options.reader_connections < 1) {
      return fail(ErrorCode::BadRequest, "PostgreSQL store needs at least 1 reader connection, got {}",
                  options.reader_connections);
    }
    COLONIES_TRY(writer, Connection::open(options.conninfo, "writer"));
    COLONIES_CHECK(postgres::migrate(*writer));
    std::vector<std::unique_ptr<Connection>> readers;
    for (int i = 0; i < options.reader_connections; ++i) {
      COLONIES_TRY(reader, Connection::open(options.conninfo, fmt::format("reader {}", i + 1)));
      readers.push_back(std::move(reader));
    }
    return std::unique_ptr<PostgresStore>(new PostgresStore(std::move(writer), std::move(readers)));
  });
}

PostgresStore::PostgresStore(std::unique_ptr<Connection> writer, std::vector<std::unique_ptr<Connection>> readers)
    : writer_(std::move(writer)), readers_(std::move(readers)) {
  for (auto& r : readers_) idle_readers_.push_back(r.get());
}

PostgresStore::~PostgresStore() = default;

PostgresStore::ReaderLease::ReaderLease(PostgresStore& store) : store_(store) {
  std::unique_lock lock(store_.readers_mutex_);
  store_.reader_returned_.wait(lock, [&] { return !store_.idle_readers_.empty(); });
  connection_ = store_.idle_readers_.back();
  store_.idle_readers_.pop_back();
}

PostgresStore::ReaderLease::~ReaderLease() {
  {
    std::lock_guard lock(store_.readers_mutex_);
    store_.idle_readers_.push_back(connection_);
  }
  store_.reader_returned_.notify_one();
}

template <class F>
auto PostgresStore::with_reader(std::string_view what, F&& body) -> decltype(body(std::declval<Connection&>())) {
  return guarded(what, [&] {
    ReaderLease reader(*this);
    const auto losses = (*reader).losses();
    auto result = body(*reader);
    // A connection that died while idle (the database restarted since its last use) fails the
    // first read on it; reads are repeatable, so try once more on a fresh connection.
    if (!result && (*reader).losses() != losses) result = body(*reader);
    return result;
  });
}

Status PostgresStore::apply(std::span<const ports::Mutation> batch) {
  return guarded("apply", [&]() -> Status {
    if (batch.empty()) return ok();
    COLONIES_TRY(statements, postgres::statements_for(batch));
    std::lock_guard lock(writer_mutex_);
    if (fenced_.load()) {
      return fail(ErrorCode::Conflict, "fenced: another server leads with a larger epoch; this one no longer writes");
    }
    if (epoch_ > 0) {
      // First in the transaction, so a deposed leader's batch aborts before it changes anything.
      statements.insert(statements.begin(), postgres::Statement{postgres::kCheckEpoch, postgres::Params(epoch_)});
    }
    Status applied = writer_->run_transaction(statements);
    if (!applied && applied.error().code == ErrorCode::Conflict) fenced_ = true;  // only the epoch check says Conflict
    return applied;
  });
}

Status PostgresStore::claim_epoch(std::int64_t epoch, const std::string& holder) {
  return guarded("claim_epoch", [&]() -> Status {
    if (epoch <= 0) return fail(ErrorCode::BadRequest, "a leader's epoch is positive, got {}", epoch);
    std::lock_guard lock(writer_mutex_);
    // Waits for the share lock of a transaction of the previous leader still in flight, so that
    // every write of the old epoch commits before the claim, and none after it.
    COLONIES_TRY(rows, writer_->query(postgres::kClaimEpoch,
                                      postgres::Params(epoch, holder, unix_ns_now())));
    if (rows.size() == 0) {
      COLONIES_TRY(current, writer_->query("SELECT epoch, holder FROM cluster_fence WHERE id = 1"));
      return fail(ErrorCode::Conflict, "cannot lead with epoch {}: {} holds the store with epoch {}", epoch,
                  current.size() > 0 ? std::string(current.text(0, 1)) : std::string("?"),
                  current.size() > 0 ? std::string(current.text(0, 0)) : std::string("?"));
    }
    epoch_ = epoch;
    fenced_ = false;
    return ok();
  });
}

Result<ports::Snapshot> PostgresStore::load() {
  return with_reader("load", [](Connection& c) { return postgres::read_snapshot(c); });
}

Result<std::optional<model::Process>> PostgresStore::get_process(const std::string& processid) {
  return with_reader("get_process", [&](Connection& c) { return postgres::read_process(c, processid); });
}

Result<std::vector<model::Process>> PostgresStore::list_processes(const ports::ProcessFilter& filter) {
  return with_reader("list_processes", [&](Connection& c) { return postgres::read_processes(c, filter); });
}

Result<std::optional<model::Attribute>> PostgresStore::get_attribute(const std::string& attributeid) {
  return with_reader("get_attribute", [&](Connection& c) { return postgres::read_attribute(c, attributeid); });
}

Result<std::vector<model::Log>> PostgresStore::get_logs(const ports::LogQuery& query) {
  return with_reader("get_logs", [&](Connection& c) { return postgres::read_logs(c, query); });
}

Result<std::vector<model::Log>> PostgresStore::search_logs(const std::string& colonyname, const std::string& text,
                                                           std::int64_t since, int count) {
  return with_reader("search_logs",
                     [&](Connection& c) { return postgres::read_log_search(c, colonyname, text, since, count); });
}

Result<std::vector<model::ChannelEntry>> PostgresStore::list_channel_entries(const ports::ChannelQuery& query) {
  return with_reader("list_channel_entries", [&](Connection& c) { return postgres::read_channel_entries(c, query); });
}

Result<std::map<model::ProcessState, std::int64_t>> PostgresStore::count_processes(const std::string& colonyname) {
  return with_reader("count_processes",
                     [&](Connection& c) { return postgres::count_by_state(c, "processes", colonyname); });
}

Result<std::optional<model::File>> PostgresStore::get_file(const std::string& colonyname, const std::string& fileid) {
  return with_reader("get_file", [&](Connection& c) { return postgres::read_file(c, colonyname, fileid); });
}

Result<std::vector<model::File>> PostgresStore::get_file_revisions(const std::string& colonyname,
                                                                   const std::string& label, const std::string& name) {
  return with_reader("get_file_revisions",
                     [&](Connection& c) { return postgres::read_file_revisions(c, colonyname, label, name); });
}

Result<std::vector<model::File>> PostgresStore::list_files(const ports::FileQuery& query) {
  return with_reader("list_files", [&](Connection& c) { return postgres::read_files(c, query); });
}

Result<std::vector<model::Label>> PostgresStore::list_labels(const std::string& colonyname, const std::string& label,
                                                             bool exact) {
  return with_reader("list_labels", [&](Connection& c) { return postgres::read_labels(c, colonyname, label, exact); });
}

Result<std::optional<model::Snapshot>> PostgresStore::get_snapshot(const std::string& colonyname,
                                                                   const std::string& snapshotid) {
  return with_reader("get_snapshot",
                     [&](Connection& c) { return postgres::read_snapshot_by(c, false, colonyname, snapshotid); });
}

Result<std::optional<model::Snapshot>> PostgresStore::get_snapshot_by_name(const std::string& colonyname,
                                                                           const std::string& name) {
  return with_reader("get_snapshot_by_name",
                     [&](Connection& c) { return postgres::read_snapshot_by(c, true, colonyname, name); });
}

Result<std::vector<model::Snapshot>> PostgresStore::list_snapshots(const std::string& colonyname) {
  return with_reader("list_snapshots", [&](Connection& c) { return postgres::read_snapshots(c, colonyname); });
}

Result<std::optional<model::ProcessGraph>> PostgresStore::get_process_graph(const std::string& processgraphid) {
  return with_reader("get_process_graph", [&](Connection& c) { return postgres::read_graph(c, processgraphid); });
}

Result<std::vector<model::ProcessGraph>> PostgresStore::list_process_graphs(const ports::ProcessGraphFilter& filter) {
  return with_reader("list_process_graphs", [&](Connection& c) { return postgres::read_graphs(c, filter); });
}

Result<std::map<model::ProcessState, std::int64_t>> PostgresStore::count_process_graphs(const std::string& colonyname) {
  return with_reader("count_process_graphs",
                     [&](Connection& c) { return postgres::count_by_state(c, "processgraphs", colonyname); });
}

Result<std::vector<model::AuditEntry>> PostgresStore::list_audit(const ports::AuditQuery& query) {
  return with_reader("list_audit", [&](Connection& c) { return postgres::read_audit(c, query); });
}

Result<ports::AuditState> PostgresStore::audit_state() {
  return with_reader("audit_state", [&](Connection& c) { return postgres::read_audit_state(c); });
}

}  // namespace colonies::storage
