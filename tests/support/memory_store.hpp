// MemoryStore: an in-memory Store with the same observable semantics as SqliteStore (the shared
// conformance suite holds both to them), for the server's fast unit tests. Not durable, not
// fast at scale (list and log queries scan), and not for production.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/ports/store.hpp"

namespace colonies::testing {

class MemoryStore final : public ports::Store {
 public:
  Status apply(std::span<const ports::Mutation> batch) override;
  Result<ports::Snapshot> load() override;
  Result<std::optional<model::Process>> get_process(const std::string& processid) override;
  Result<std::vector<model::Process>> list_processes(const ports::ProcessFilter& filter) override;
  Result<std::optional<model::Attribute>> get_attribute(const std::string& attributeid) override;
  Result<std::vector<model::Log>> get_logs(const ports::LogQuery& query) override;
  Result<std::vector<model::Log>> search_logs(const std::string& colonyname, const std::string& text,
                                              std::int64_t since, int count) override;
  Result<std::map<model::ProcessState, std::int64_t>> count_processes(const std::string& colonyname) override;
  Result<std::vector<model::ChannelEntry>> list_channel_entries(const ports::ChannelQuery& query) override;
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

  // Test hook: the next apply() fails with Unavailable and applies nothing, as a store whose
  // disk went away would.
  void fail_next_apply();
  // Test hook: while set, every apply() fails with Unavailable, as a database that is down.
  void set_unavailable(bool unavailable);
  // A new store holding a copy of everything stored here (not the failure hooks), so that many
  // brokers can each start from one prepared state (the payloads fuzz target does, per input).
  std::shared_ptr<MemoryStore> clone();

 private:
  using Key = std::pair<std::string, std::string>;  // (colonyname, name)
  struct StoredAttribute {
    std::string processid;
    model::Attribute attribute;
  };

  // One handler per mutation type; called under mutex_ after the batch passed check_mutation.
  void apply_one(const ports::mutation::SetServerId& m);
  void apply_one(const ports::mutation::PutColony& m);
  void apply_one(const ports::mutation::RemoveColony& m);
  void apply_one(const ports::mutation::PutUser& m);
  void apply_one(const ports::mutation::RemoveUser& m);
  void apply_one(const ports::mutation::PutExecutor& m);
  void apply_one(const ports::mutation::RemoveExecutor& m);
  void apply_one(const ports::mutation::PutLocation& m);
  void apply_one(const ports::mutation::RemoveLocation& m);
  void apply_one(const ports::mutation::PutFunction& m);
  void apply_one(const ports::mutation::RemoveFunction& m);
  void apply_one(const ports::mutation::PutProcess& m);
  void apply_one(const ports::mutation::RemoveProcess& m);
  void apply_one(const ports::mutation::RemoveProcesses& m);
  void apply_one(const ports::mutation::AppendLog& m);
  void apply_one(const ports::mutation::SetPaused& m);
  void apply_one(const ports::mutation::AppendChannelEntry& m);
  void apply_one(const ports::mutation::AddFile& m);
  void apply_one(const ports::mutation::RemoveFile& m);
  void apply_one(const ports::mutation::RemoveFileRevisions& m);
  void apply_one(const ports::mutation::PutSnapshot& m);
  void apply_one(const ports::mutation::RemoveSnapshot& m);
  void apply_one(const ports::mutation::RemoveSnapshots& m);
  void apply_one(const ports::mutation::PutCron& m);
  void apply_one(const ports::mutation::RemoveCron& m);
  void apply_one(const ports::mutation::PutGenerator& m);
  void apply_one(const ports::mutation::RemoveGenerator& m);
  void apply_one(const ports::mutation::AppendGeneratorArg& m);
  void apply_one(const ports::mutation::ConsumeGeneratorArgs& m);
  void apply_one(const ports::mutation::PurgeFinished& m);
  void apply_one(const ports::mutation::AppendAudit& m);
  void apply_one(const ports::mutation::PruneAudit& m);
  model::AuditHead audit_head() const;  // under mutex_
  void apply_one(const ports::mutation::PutProcessGraph& m);
  void apply_one(const ports::mutation::RemoveProcessGraph& m);
  void apply_one(const ports::mutation::RemoveProcessGraphs& m);

  void remove_attributes_of(const std::string& processid);
  void remove_process(const std::string& processid);

  std::mutex mutex_;
  bool fail_next_apply_ = false;
  bool unavailable_ = false;
  std::optional<std::string> server_id_;
  std::map<std::string, model::Colony> colonies_;
  std::map<Key, model::User> users_;
  std::map<Key, model::Executor> executors_;
  std::map<Key, model::Location> locations_;
  std::map<std::string, model::Function> functions_;
  std::map<std::string, model::Process> processes_;
  std::map<std::string, StoredAttribute> attributes_;
  std::vector<model::Log> logs_;  // in append order, which breaks timestamp ties as SQLite's id does
  std::set<std::string> paused_;
  // By (processid, channel name): entries in position order.
  std::map<std::pair<std::string, std::string>, std::vector<model::ChannelEntry>> channels_;
  std::map<std::string, model::File> files_;          // by fileid
  std::map<std::string, model::Snapshot> snapshots_;  // by snapshotid
  std::map<std::string, model::Cron> crons_;            // by cronid
  std::map<std::string, model::Generator> generators_;  // by generatorid
  std::map<std::pair<std::string, std::int64_t>, model::GeneratorArg> generator_args_;  // by (generatorid, seq)
  std::map<std::string, model::ProcessGraph> graphs_;
  std::map<std::int64_t, model::AuditEntry> audit_;             // by seq
  std::map<std::int64_t, model::AuditCheckpoint> checkpoints_;  // by seq
};

}  // namespace colonies::testing
