// Store port: durable state. The server keeps its working set in memory and writes every change
// through `apply`, many requests to a batch (group commit); reads of history go to the store.
// Implemented by SqliteStore (embedded default) and PostgresStore (libpq); one conformance suite
// (tests/unit/adapters/storage) runs against every implementation.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "core/error/error.hpp"
#include "core/model/audit.hpp"
#include "core/model/channel.hpp"
#include "core/model/entities.hpp"
#include "core/model/executor.hpp"
#include "core/model/files.hpp"
#include "core/model/process.hpp"
#include "core/model/workflow.hpp"
#include "core/model/trigger.hpp"

namespace colonies::ports {

namespace mutation {
struct SetServerId { std::string id; };
struct PutColony { model::Colony colony; };  // insert or replace by name
// Removes the colony and everything in it: users, executors, locations, functions, processes,
// attributes, channel entries, process graphs, logs, pause flag, crons, generators and their
// queued args, file metadata and snapshots.
struct RemoveColony { std::string name; };
struct PutUser { model::User user; };  // by (colonyname, name)
struct RemoveUser { std::string colonyname; std::string name; };
struct PutExecutor { model::Executor executor; };  // by (colonyname, executorname)
struct RemoveExecutor { std::string colonyname; std::string executorname; };
struct PutLocation { model::Location location; };  // by (colonyname, name)
struct RemoveLocation { std::string colonyname; std::string name; };
struct PutFunction { model::Function function; };  // by functionid
struct RemoveFunction { std::string functionid; };
// Insert or replace by processid; also indexes the process's attributes by attributeid.
struct PutProcess { model::Process process; };
struct RemoveProcess { std::string processid; };  // and its attributes and channel entries
// All processes of a colony, or only those in `state`; never processes of a workflow (their
// graph owns them: RemoveProcessGraph and RemoveProcessGraphs remove them), with their attributes
// and channel entries.
struct RemoveProcesses { std::string colonyname; std::optional<model::ProcessState> state; };
// Insert or replace by processgraphid. A graph with endtime 0 is active (load() returns it).
struct PutProcessGraph { model::ProcessGraph graph; };
// The graph and every process (and attribute and channel entry) whose processgraphid names it.
struct RemoveProcessGraph { std::string processgraphid; };
// The finished graphs (endtime set) of a colony, or only those in `state`, with their processes.
struct RemoveProcessGraphs { std::string colonyname; std::optional<model::ProcessState> state; };
// One channel entry; (processid, name, position) is unique (the server assigns positions).
struct AppendChannelEntry { model::ChannelEntry entry; };
struct AppendLog { model::Log log; };
// Retention: removes, in every colony, the finished (SUCCESS, FAILED, CANCELLED) processes that
// belong to no graph and were submitted before `before` (with their attributes), the graphs that
// ended before `before` (with their processes and attributes), and the logs older than `before`.
struct PurgeFinished { model::TimeNs before = 0; };
struct SetPaused { std::string colonyname; bool paused = false; };
// ColonyFS metadata. A file is never replaced: every AddFile is a new revision (new fileid, the
// server's next sequencenr).
struct AddFile { model::File file; };
struct RemoveFile { std::string colonyname; std::string fileid; };  // one revision
// Every revision of one file name under one label.
struct RemoveFileRevisions { std::string colonyname; std::string label; std::string name; };
struct PutSnapshot { model::Snapshot snapshot; };  // a new snapshot; (colonyname, name) is unique
struct RemoveSnapshot { std::string colonyname; std::string snapshotid; };
struct RemoveSnapshots { std::string colonyname; };  // every snapshot of the colony
struct PutCron { model::Cron cron; };  // by cronid
struct RemoveCron { std::string cronid; };
struct PutGenerator { model::Generator generator; };  // by generatorid
struct RemoveGenerator { std::string generatorid; };  // and its queued args
struct AppendGeneratorArg { model::GeneratorArg arg; };  // by (generatorid, seq)
// Removes the queued args of a generator with seq <= up_to_seq (a release consumed them).
struct ConsumeGeneratorArgs { std::string generatorid; std::int64_t up_to_seq = 0; };
// The audit ledger (docs/audit.md). An entry is appended complete: the commit thread numbers and
// chains it (server/audit) just before the batch is applied. Entries are never changed, and no
// other mutation removes them (not even RemoveColony): only PruneAudit does.
struct AppendAudit { model::AuditEntry entry; };
// Retention of the ledger: removes the entries with time < `before` (a prefix, since times never
// decrease along the chain) and records the last of them as a checkpoint stamped `now`, from
// which the chain is verified afterwards. Nothing when no entry is that old.
struct PruneAudit { model::TimeNs before = 0; model::TimeNs now = 0; };
}  // namespace mutation

using Mutation = std::variant<mutation::SetServerId, mutation::PutColony, mutation::RemoveColony,
                              mutation::PutUser, mutation::RemoveUser, mutation::PutExecutor,
                              mutation::RemoveExecutor, mutation::PutLocation, mutation::RemoveLocation,
                              mutation::PutFunction, mutation::RemoveFunction, mutation::PutProcess,
                              mutation::RemoveProcess, mutation::RemoveProcesses, mutation::AppendLog,
                              mutation::SetPaused, mutation::PutProcessGraph, mutation::RemoveProcessGraph,
                              mutation::RemoveProcessGraphs, mutation::PutCron, mutation::RemoveCron,
                              mutation::PutGenerator, mutation::RemoveGenerator, mutation::AppendGeneratorArg,
                              mutation::ConsumeGeneratorArgs, mutation::AddFile, mutation::RemoveFile,
                              mutation::RemoveFileRevisions, mutation::PutSnapshot, mutation::RemoveSnapshot,
                              mutation::RemoveSnapshots, mutation::AppendChannelEntry,
                              mutation::PurgeFinished, mutation::AppendAudit, mutation::PruneAudit>;

// Where a channel of an active process stands, so that a restarted server continues its
// positions and each sender's sequence check.
struct ChannelHead {
  std::string processid;
  std::string name;
  std::int64_t last_position = 0;
  std::int64_t entries = 0;
  std::map<std::string, std::int64_t> last_sequence;  // by senderid
};


// A snapshot's identity, enough for the server to keep names unique per colony in memory.
struct SnapshotName {
  std::string colonyname;
  std::string name;
  std::string snapshotid;
};

// Everything the server rebuilds its memory from at start.
struct Snapshot {
  std::optional<std::string> server_id;
  std::vector<model::Colony> colonies;
  std::vector<model::User> users;
  std::vector<model::Executor> executors;
  std::vector<model::Location> locations;
  std::vector<model::Function> functions;
  std::vector<model::Process> active_processes;  // WAITING and RUNNING
  std::vector<std::string> paused_colonies;
  std::vector<ChannelHead> channel_heads;  // channels of WAITING and RUNNING processes
  std::int64_t last_file_sequencenr = 0;  // the highest sequencenr of any stored file, 0 if none
  std::vector<SnapshotName> snapshots;
  std::vector<model::Cron> crons;
  std::vector<model::Generator> generators;
  std::vector<model::GeneratorArg> generator_args;  // queued, by generatorid then seq
  std::vector<model::ProcessGraph> active_graphs;  // endtime 0
  // The finished (SUCCESS, FAILED, CANCELLED) processes of the active graphs: their states and
  // outputs decide when the remaining nodes are released and what they receive.
  std::vector<model::Process> finished_graph_processes;
  // The audit ledger's newest entry, or its newest checkpoint when every entry was pruned: where
  // the next entry chains on.
  model::AuditHead audit_head;
};

struct ChannelQuery {
  std::string processid;  // required
  std::string name;       // required
  std::int64_t after_position = 0;  // entries with position > this, in position order
  int limit = 100;
};

struct FileQuery {
  std::string colonyname;   // required
  std::string label;        // required, normalised (model::normalize_label)
  bool recursive = false;   // also files under sub-labels of `label`
  bool all_revisions = false;  // every revision instead of only the latest of each name
};

struct ProcessGraphFilter {
  std::string colonyname;                    // required
  std::optional<model::ProcessState> state;  // any when empty
  int count = 100;                           // most recent first (by submission time)
};

struct ProcessFilter {
  std::string colonyname;                    // required
  std::optional<model::ProcessState> state;  // any when empty
  std::string executortype;                  // any when empty
  std::string label;                         // any when empty
  std::string initiatorname;                 // any when empty
  std::string assignedexecutorid;            // any when empty
  model::TimeNs submitted_after = 0;         // 0 = any
  int count = 100;                           // most recent first (by submission time)
  // Keyset paging: only processes listed after this one, that is older by (submissiontime,
  // processid). Empty processid = from the newest. A page's last process is the next cursor.
  struct Cursor {
    model::TimeNs submissiontime = 0;
    std::string processid;
  };
  Cursor before;
};

// Audit entries in seq order, after `after_seq`, matching every filter that is set.
struct AuditQuery {
  std::string colonyname;  // any when empty
  std::string processid;   // any when empty
  std::string signer;      // any when empty
  model::TimeNs since = 0;  // time >= since; 0 = any
  model::TimeNs until = 0;  // time < until; 0 = any
  std::int64_t after_seq = 0;
  int count = 100;
};

// Where the ledger stands: its newest checkpoint (none before the first pruning), the first
// stored entry (0 when none) and the head.
struct AuditState {
  std::optional<model::AuditCheckpoint> checkpoint;
  std::int64_t first_seq = 0;
  std::int64_t entries = 0;  // stored entries
  model::AuditHead head;
};

struct LogQuery {
  std::string colonyname;    // required
  std::string processid;     // one of processid / executorname
  std::string executorname;
  int count = 100;
  std::int64_t since = 0;    // only logs with timestamp > since (Unix ns)
  bool latest = false;       // the newest `count`, still returned oldest first
};

class Store {
 public:
  virtual ~Store() = default;

  // Applies `batch` in order in one transaction and makes it durable before returning. Called
  // by one thread at a time (the server's commit thread); may block on disk I/O. On error
  // nothing of the batch is applied. Errors: Unavailable (database cannot be written),
  // BadRequest (a mutation fails check_mutation in store_checks.hpp, e.g. an empty key).
  virtual Status apply(std::span<const Mutation> batch) = 0;

  // High availability (docs/ha.md). A server that has just become leader claims the store for
  // its `epoch` (larger than every earlier leader's, see LeaderElection::epoch); from then on
  // each apply() first checks that no server has claimed a larger epoch since, and fails with
  // Conflict if one has (nothing of the batch is applied, and fenced() turns true: this server
  // must stop writing for good). Errors of claim_epoch: Conflict (a larger epoch holds the
  // store already), Unavailable, BadRequest (a store that cannot be shared, such as SQLite).
  virtual Status claim_epoch(std::int64_t epoch, const std::string& holder) {
    (void)epoch;
    (void)holder;
    return fail(ErrorCode::BadRequest, "this store cannot be shared by several servers; high availability needs PostgreSQL");
  }
  // True once apply() found this server fenced off by a larger epoch. Thread-safe.
  virtual bool fenced() const { return false; }

  // The remaining methods read committed state. They are thread-safe, may run concurrently
  // with apply() and with each other, and may block on disk I/O: never call them from an
  // io_context thread. Errors: Unavailable.
  virtual Result<Snapshot> load() = 0;
  virtual Result<std::optional<model::Process>> get_process(const std::string& processid) = 0;
  virtual Result<std::vector<model::Process>> list_processes(const ProcessFilter& filter) = 0;
  virtual Result<std::optional<model::Attribute>> get_attribute(const std::string& attributeid) = 0;
  virtual Result<std::vector<model::Log>> get_logs(const LogQuery& query) = 0;
  // Logs of the colony whose message contains `text`, with timestamp > since, newest first.
  virtual Result<std::vector<model::Log>> search_logs(const std::string& colonyname, const std::string& text,
                                                      std::int64_t since, int count) = 0;
  // Entries of one channel after a position, oldest first, at most `limit`.
  virtual Result<std::vector<model::ChannelEntry>> list_channel_entries(const ChannelQuery& query) = 0;
  // Number of processes per state, for one colony or (empty name) the whole server.
  virtual Result<std::map<model::ProcessState, std::int64_t>> count_processes(const std::string& colonyname) = 0;

  // ColonyFS metadata. A file or snapshot of another colony is "not found" (nullopt / absent).
  virtual Result<std::optional<model::File>> get_file(const std::string& colonyname, const std::string& fileid) = 0;
  // Every revision of (label, name), newest (highest sequencenr) first.
  virtual Result<std::vector<model::File>> get_file_revisions(const std::string& colonyname, const std::string& label,
                                                              const std::string& name) = 0;
  // Files of a label (and its sub-labels when recursive), ordered by label, name, then newest
  // revision first.
  virtual Result<std::vector<model::File>> list_files(const FileQuery& query) = 0;
  // Labels holding files, ordered by name: all of the colony when `label` is empty, else `label`
  // itself (exact) or `label` and every label below it.
  virtual Result<std::vector<model::Label>> list_labels(const std::string& colonyname, const std::string& label,
                                                        bool exact) = 0;
  virtual Result<std::optional<model::Snapshot>> get_snapshot(const std::string& colonyname,
                                                              const std::string& snapshotid) = 0;
  virtual Result<std::optional<model::Snapshot>> get_snapshot_by_name(const std::string& colonyname,
                                                                      const std::string& name) = 0;
  // Every snapshot of the colony, oldest first.
  virtual Result<std::vector<model::Snapshot>> list_snapshots(const std::string& colonyname) = 0;
  virtual Result<std::optional<model::ProcessGraph>> get_process_graph(const std::string& processgraphid) = 0;
  virtual Result<std::vector<model::ProcessGraph>> list_process_graphs(const ProcessGraphFilter& filter) = 0;
  // Number of process graphs per state, for one colony or (empty name) the whole server.
  virtual Result<std::map<model::ProcessState, std::int64_t>> count_process_graphs(const std::string& colonyname) = 0;

  // The audit ledger (docs/audit.md): entries matching `query`, oldest (lowest seq) first, at
  // most query.count; and the ledger's checkpoint, extent and head.
  virtual Result<std::vector<model::AuditEntry>> list_audit(const AuditQuery& query) = 0;
  virtual Result<AuditState> audit_state() = 0;
};

}  // namespace colonies::ports
