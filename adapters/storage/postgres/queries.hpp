// The SQL of PostgresStore, separated from connection handling: the statements a batch of
// mutations becomes (postgres_writes.cpp) and the reads (postgres_reads.cpp). Internal to the
// adapter.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "adapters/storage/postgres/connection.hpp"
#include "core/ports/store.hpp"

namespace colonies::storage::postgres {

// High availability (migration 0002): the check that starts every transaction of a leader, and
// the claim of a new leader (a row only when `epoch` is larger than the stored one).
inline constexpr std::string_view kCheckEpoch = "SELECT colonies_check_epoch($1)";
inline constexpr std::string_view kClaimEpoch =
    "UPDATE cluster_fence SET epoch = $1, holder = $2, since = $3 WHERE id = 1 AND epoch < $1 RETURNING epoch";

// The statements that apply `batch` in order. Errors: BadRequest (a mutation fails
// check_mutation).
Result<std::vector<Statement>> statements_for(std::span<const ports::Mutation> batch);

Result<ports::Snapshot> read_snapshot(Connection& c);
Result<std::optional<model::Process>> read_process(Connection& c, const std::string& processid);
Result<std::vector<model::Process>> read_processes(Connection& c, const ports::ProcessFilter& filter);
Result<std::optional<model::Attribute>> read_attribute(Connection& c, const std::string& attributeid);
Result<std::vector<model::Log>> read_logs(Connection& c, const ports::LogQuery& query);
Result<std::vector<model::Log>> read_log_search(Connection& c, const std::string& colonyname, const std::string& text,
                                                std::int64_t since, int count);
Result<std::map<model::ProcessState, std::int64_t>> count_by_state(Connection& c, std::string_view table,
                                                                    const std::string& colonyname);
Result<std::vector<model::ChannelEntry>> read_channel_entries(Connection& c, const ports::ChannelQuery& query);
Result<std::optional<model::File>> read_file(Connection& c, const std::string& colonyname, const std::string& fileid);
Result<std::vector<model::File>> read_file_revisions(Connection& c, const std::string& colonyname,
                                                     const std::string& label, const std::string& name);
Result<std::vector<model::File>> read_files(Connection& c, const ports::FileQuery& query);
Result<std::vector<model::Label>> read_labels(Connection& c, const std::string& colonyname, const std::string& label,
                                              bool exact);
Result<std::optional<model::Snapshot>> read_snapshot_by(Connection& c, bool by_name, const std::string& colonyname,
                                                        const std::string& key);
Result<std::vector<model::Snapshot>> read_snapshots(Connection& c, const std::string& colonyname);
Result<std::optional<model::ProcessGraph>> read_graph(Connection& c, const std::string& processgraphid);
Result<std::vector<model::ProcessGraph>> read_graphs(Connection& c, const ports::ProcessGraphFilter& filter);
// postgres_audit.cpp
Status read_audit_head(Connection& c, model::AuditHead& head);
Result<std::vector<model::AuditEntry>> read_audit(Connection& c, const ports::AuditQuery& query);
Result<ports::AuditState> read_audit_state(Connection& c);

}  // namespace colonies::storage::postgres
