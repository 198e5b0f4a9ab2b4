// SqliteStore::apply: one IMMEDIATE transaction per batch, one cached statement per kind of
// write. Mutations run in batch order; the first failure rolls the whole batch back. Not where
// the server's rules live: a mutation is written as given once check_mutation accepts it.
#include <variant>

#include "adapters/storage/sqlite/connection.hpp"
#include "adapters/storage/sqlite/sqlite_store.hpp"
#include "core/ports/store_checks.hpp"
#include "core/protocol/encoding.hpp"

namespace colonies::storage {

using sqlite::Connection;
namespace json = model::json;
namespace mutation = ports::mutation;

namespace {

template <class T>
std::string to_text(const T& entity) {
  return json::serialize(model::to_json(entity));
}

// waitreason is computed by the server on every get; storing a stale one would mislead.
std::string process_to_text(const model::Process& p) {
  json::object o = model::to_json(p);
  o.erase("waitreason");
  return json::serialize(o);
}

Status run(Connection& c, std::string_view sql, auto... params) {
  COLONIES_TRY(st, c.prepare(sql));
  int index = 0;
  (st.bind(++index, params), ...);
  return st.run();
}

// Deletes the attribute rows of every process of a colony.
constexpr std::string_view kDeleteColonyAttributes =
    "DELETE FROM attributes WHERE processid IN (SELECT processid FROM processes WHERE colonyname = ?)";
constexpr std::string_view kDeleteColonyChannels =
    "DELETE FROM channel_entries WHERE processid IN (SELECT processid FROM processes WHERE colonyname = ?)";

class Writer {
 public:
  explicit Writer(Connection& c) : c_(c) {}

  Status operator()(const mutation::SetServerId& m) {
    return run(c_, "INSERT INTO server (id, serverid) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET serverid = excluded.serverid",
               std::string_view(m.id));
  }
  Status operator()(const mutation::PutColony& m) {
    return run(c_, "INSERT INTO colonies (name, data) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET data = excluded.data",
               std::string_view(m.colony.name), to_text(m.colony));
  }
  Status operator()(const mutation::RemoveColony& m) {
    std::string_view name = m.name;
    // Attributes and channel entries first: they are found through the colony's processes.
    COLONIES_CHECK(run(c_, kDeleteColonyAttributes, name));
    COLONIES_CHECK(run(c_, kDeleteColonyChannels, name));
    for (std::string_view sql : {"DELETE FROM processes WHERE colonyname = ?",
                                 "DELETE FROM processgraphs WHERE colonyname = ?", "DELETE FROM users WHERE colonyname = ?",
                                 "DELETE FROM executors WHERE colonyname = ?", "DELETE FROM locations WHERE colonyname = ?",
                                 "DELETE FROM functions WHERE colonyname = ?", "DELETE FROM logs WHERE colonyname = ?",
                                 "DELETE FROM paused WHERE colonyname = ?", "DELETE FROM files WHERE colonyname = ?",
                                 "DELETE FROM snapshots WHERE colonyname = ?", "DELETE FROM crons WHERE colonyname = ?",
                                 "DELETE FROM generators WHERE colonyname = ?",
                                 "DELETE FROM generator_args WHERE colonyname = ?", "DELETE FROM colonies WHERE name = ?"}) {
      COLONIES_CHECK(run(c_, sql, name));
    }
    return ok();
  }
  Status operator()(const mutation::PutUser& m) {
    return run(c_,
               "INSERT INTO users (colonyname, name, data) VALUES (?, ?, ?) "
               "ON CONFLICT (colonyname, name) DO UPDATE SET data = excluded.data",
               std::string_view(m.user.colonyname), std::string_view(m.user.name), to_text(m.user));
  }
  Status operator()(const mutation::RemoveUser& m) {
    return run(c_, "DELETE FROM users WHERE colonyname = ? AND name = ?", std::string_view(m.colonyname),
               std::string_view(m.name));
  }
  Status operator()(const mutation::PutExecutor& m) {
    return run(c_,
               "INSERT INTO executors (colonyname, executorname, data) VALUES (?, ?, ?) "
               "ON CONFLICT (colonyname, executorname) DO UPDATE SET data = excluded.data",
               std::string_view(m.executor.colonyname), std::string_view(m.executor.executorname), to_text(m.executor));
  }
  Status operator()(const mutation::RemoveExecutor& m) {
    return run(c_, "DELETE FROM executors WHERE colonyname = ? AND executorname = ?", std::string_view(m.colonyname),
               std::string_view(m.executorname));
  }
  Status operator()(const mutation::PutLocation& m) {
    return run(c_,
               "INSERT INTO locations (colonyname, name, data) VALUES (?, ?, ?) "
               "ON CONFLICT (colonyname, name) DO UPDATE SET data = excluded.data",
               std::string_view(m.location.colonyname), std::string_view(m.location.name), to_text(m.location));
  }
  Status operator()(const mutation::RemoveLocation& m) {
    return run(c_, "DELETE FROM locations WHERE colonyname = ? AND name = ?", std::string_view(m.colonyname),
               std::string_view(m.name));
  }
  Status operator()(const mutation::PutFunction& m) {
    return run(c_,
               "INSERT INTO functions (functionid, colonyname, data) VALUES (?, ?, ?) "
               "ON CONFLICT (functionid) DO UPDATE SET colonyname = excluded.colonyname, data = excluded.data",
               std::string_view(m.function.functionid), std::string_view(m.function.colonyname), to_text(m.function));
  }
  Status operator()(const mutation::RemoveFunction& m) {
    return run(c_, "DELETE FROM functions WHERE functionid = ?", std::string_view(m.functionid));
  }
  Status operator()(const mutation::PutProcess& m) {
    const model::Process& p = m.process;
    // An upsert, not INSERT OR REPLACE: an update keeps the row and touches only the indexes
    // whose columns changed (usually just state).
    COLONIES_CHECK(run(c_,
                       "INSERT INTO processes (processid, colonyname, state, executortype, label, initiatorname, "
                       "assignedexecutorid, submissiontime, prioritytime, processgraphid, data) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                       "ON CONFLICT (processid) DO UPDATE SET colonyname = excluded.colonyname, "
                       "state = excluded.state, executortype = excluded.executortype, label = excluded.label, "
                       "initiatorname = excluded.initiatorname, assignedexecutorid = excluded.assignedexecutorid, "
                       "submissiontime = excluded.submissiontime, prioritytime = excluded.prioritytime, "
                       "processgraphid = excluded.processgraphid, data = excluded.data",
                       std::string_view(p.processid), std::string_view(p.spec.conditions.colonyname),
                       static_cast<std::int64_t>(p.state), std::string_view(p.spec.conditions.executortype),
                       std::string_view(p.spec.label), std::string_view(p.initiatorname),
                       std::string_view(p.assignedexecutorid), std::int64_t{p.submissiontime},
                       std::int64_t{p.prioritytime}, std::string_view(p.processgraphid), process_to_text(p)));
    COLONIES_CHECK(run(c_, "DELETE FROM attributes WHERE processid = ?", std::string_view(p.processid)));
    for (const auto& a : p.attributes) {
      COLONIES_CHECK(run(c_, "INSERT OR REPLACE INTO attributes (attributeid, processid) VALUES (?, ?)",
                         std::string_view(a.attributeid), std::string_view(p.processid)));
    }
    return ok();
  }
  Status operator()(const mutation::RemoveProcess& m) {
    COLONIES_CHECK(run(c_, "DELETE FROM attributes WHERE processid = ?", std::string_view(m.processid)));
    COLONIES_CHECK(run(c_, "DELETE FROM channel_entries WHERE processid = ?", std::string_view(m.processid)));
    return run(c_, "DELETE FROM processes WHERE processid = ?", std::string_view(m.processid));
  }
  Status operator()(const mutation::RemoveProcesses& m) {
    std::string_view colony = m.colonyname;
    if (!m.state) {
      COLONIES_CHECK(run(c_,
                         "DELETE FROM channel_entries WHERE processid IN "
                         "(SELECT processid FROM processes WHERE colonyname = ? AND processgraphid = '')",
                         colony));
      COLONIES_CHECK(run(c_,
                         "DELETE FROM attributes WHERE processid IN "
                         "(SELECT processid FROM processes WHERE colonyname = ? AND processgraphid = '')",
                         colony));
      return run(c_, "DELETE FROM processes WHERE colonyname = ? AND processgraphid = ''", colony);
    }
    auto state = static_cast<std::int64_t>(*m.state);
    COLONIES_CHECK(run(c_,
                       "DELETE FROM channel_entries WHERE processid IN "
                       "(SELECT processid FROM processes WHERE colonyname = ? AND state = ? AND processgraphid = '')",
                       colony, state));
    COLONIES_CHECK(run(c_,
                       "DELETE FROM attributes WHERE processid IN "
                       "(SELECT processid FROM processes WHERE colonyname = ? AND state = ? AND processgraphid = '')",
                       colony, state));
    return run(c_, "DELETE FROM processes WHERE colonyname = ? AND state = ? AND processgraphid = ''", colony, state);
  }
  Status operator()(const mutation::PutProcessGraph& m) {
    const model::ProcessGraph& g = m.graph;
    return run(c_,
               "INSERT INTO processgraphs (processgraphid, colonyname, state, submissiontime, endtime, data) "
               "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (processgraphid) DO UPDATE SET colonyname = excluded.colonyname, "
               "state = excluded.state, submissiontime = excluded.submissiontime, endtime = excluded.endtime, "
               "data = excluded.data",
               std::string_view(g.processgraphid), std::string_view(g.colonyname), static_cast<std::int64_t>(g.state),
               std::int64_t{g.submissiontime}, std::int64_t{g.endtime}, to_text(g));
  }
  Status operator()(const mutation::RemoveProcessGraph& m) {
    std::string_view id = m.processgraphid;
    COLONIES_CHECK(run(c_,
                       "DELETE FROM attributes WHERE processid IN (SELECT processid FROM processes WHERE processgraphid = ?)",
                       id));
    COLONIES_CHECK(run(
        c_, "DELETE FROM channel_entries WHERE processid IN (SELECT processid FROM processes WHERE processgraphid = ?)",
        id));
    COLONIES_CHECK(run(c_, "DELETE FROM processes WHERE processgraphid = ?", id));
    return run(c_, "DELETE FROM processgraphs WHERE processgraphid = ?", id);
  }
  Status operator()(const mutation::RemoveProcessGraphs& m) {
    // Processes (and their attributes) first: they are found through the doomed graphs.
    const std::string graphs = std::string("SELECT processgraphid FROM processgraphs WHERE colonyname = ? AND endtime <> 0") +
                               (m.state ? " AND state = ?" : "");
    const std::string sqls[] = {
        "DELETE FROM attributes WHERE processid IN (SELECT processid FROM processes WHERE processgraphid IN (" + graphs +
            "))",
        "DELETE FROM channel_entries WHERE processid IN (SELECT processid FROM processes WHERE processgraphid IN (" +
            graphs + "))",
        "DELETE FROM processes WHERE processgraphid IN (" + graphs + ")",
        "DELETE FROM processgraphs WHERE processgraphid IN (" + graphs + ")"};
    for (const auto& sql : sqls) {
      if (m.state) COLONIES_CHECK(run(c_, sql, std::string_view(m.colonyname), static_cast<std::int64_t>(*m.state)));
      else COLONIES_CHECK(run(c_, sql, std::string_view(m.colonyname)));
    }
    return ok();
  }
  Status operator()(const mutation::AppendLog& m) {
    const model::Log& l = m.log;
    return run(c_,
               "INSERT INTO logs (colonyname, processid, executorname, timestamp, message) VALUES (?, ?, ?, ?, ?)",
               std::string_view(l.colonyname), std::string_view(l.processid), std::string_view(l.executorname),
               std::int64_t{l.timestamp}, std::string_view(l.message));
  }
  Status operator()(const mutation::AppendChannelEntry& m) {
    const model::ChannelEntry& e = m.entry;
    return run(c_,
               "INSERT INTO channel_entries (processid, name, position, sequence, inreplyto, timestamp, senderid, "
               "payloadtype, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
               std::string_view(e.processid), std::string_view(e.name), std::int64_t{e.position},
               std::int64_t{e.sequence}, std::int64_t{e.inreplyto}, std::int64_t{e.timestamp},
               std::string_view(e.senderid), std::string_view(e.payloadtype), protocol::base64_encode(e.payload));
  }
  Status operator()(const mutation::SetPaused& m) {
    if (m.paused) return run(c_, "INSERT OR IGNORE INTO paused (colonyname) VALUES (?)", std::string_view(m.colonyname));
    return run(c_, "DELETE FROM paused WHERE colonyname = ?", std::string_view(m.colonyname));
  }
  Status operator()(const mutation::AddFile& m) {
    const model::File& f = m.file;
    return run(c_, "INSERT INTO files (fileid, colonyname, label, name, sequencenr, data) VALUES (?, ?, ?, ?, ?, ?)",
               std::string_view(f.fileid), std::string_view(f.colonyname), std::string_view(f.label),
               std::string_view(f.name), std::int64_t{f.sequencenr}, to_text(f));
  }
  Status operator()(const mutation::RemoveFile& m) {
    return run(c_, "DELETE FROM files WHERE colonyname = ? AND fileid = ?", std::string_view(m.colonyname),
               std::string_view(m.fileid));
  }
  Status operator()(const mutation::RemoveFileRevisions& m) {
    return run(c_, "DELETE FROM files WHERE colonyname = ? AND label = ? AND name = ?", std::string_view(m.colonyname),
               std::string_view(m.label), std::string_view(m.name));
  }
  Status operator()(const mutation::PutSnapshot& m) {
    const model::Snapshot& s = m.snapshot;
    return run(c_, "INSERT INTO snapshots (snapshotid, colonyname, name, added, data) VALUES (?, ?, ?, ?, ?)",
               std::string_view(s.snapshotid), std::string_view(s.colonyname), std::string_view(s.name),
               std::int64_t{s.added}, to_text(s));
  }
  Status operator()(const mutation::RemoveSnapshot& m) {
    return run(c_, "DELETE FROM snapshots WHERE colonyname = ? AND snapshotid = ?", std::string_view(m.colonyname),
               std::string_view(m.snapshotid));
  }
  Status operator()(const mutation::RemoveSnapshots& m) {
    return run(c_, "DELETE FROM snapshots WHERE colonyname = ?", std::string_view(m.colonyname));
  }
  Status operator()(const mutation::PurgeFinished& m) {
    const std::int64_t before = m.before;
    // Processes of ended graphs first (with their attributes), then the graphs, then standalone
    // finished processes, then old logs.
    constexpr std::string_view kEndedGraphs = "SELECT processgraphid FROM processgraphs WHERE endtime > 0 AND endtime < ?";
    COLONIES_CHECK(run(c_,
                       std::string("DELETE FROM attributes WHERE processid IN (SELECT processid FROM processes WHERE "
                                   "processgraphid IN (") + std::string(kEndedGraphs) + "))",
                       before));
    COLONIES_CHECK(run(c_,
                       std::string("DELETE FROM channel_entries WHERE processid IN (SELECT processid FROM processes "
                                   "WHERE processgraphid IN (") + std::string(kEndedGraphs) + "))",
                       before));
    COLONIES_CHECK(run(c_, std::string("DELETE FROM processes WHERE processgraphid IN (") + std::string(kEndedGraphs) + ")",
                       before));
    COLONIES_CHECK(run(c_, "DELETE FROM processgraphs WHERE endtime > 0 AND endtime < ?", before));
    COLONIES_CHECK(run(c_,
                       "DELETE FROM attributes WHERE processid IN (SELECT processid FROM processes WHERE "
                       "submissiontime < ? AND state IN (2, 3, 4) AND processgraphid = '')",
                       before));
    COLONIES_CHECK(run(c_,
                       "DELETE FROM channel_entries WHERE processid IN (SELECT processid FROM processes WHERE "
                       "submissiontime < ? AND state IN (2, 3, 4) AND processgraphid = '')",
                       before));
    COLONIES_CHECK(run(c_, "DELETE FROM processes WHERE submissiontime < ? AND state IN (2, 3, 4) AND processgraphid = ''",
                       before));
    return run(c_, "DELETE FROM logs WHERE timestamp < ?", before);
  }
  Status operator()(const mutation::AppendAudit& m) {
    const model::AuditEntry& e = m.entry;
    return run(c_,
               "INSERT INTO audit_log (seq, time, colonyname, msgtype, signer, processid, payloaddigest, signature, "
               "payload, status, prevhash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
               std::int64_t{e.seq}, std::int64_t{e.time}, std::string_view(e.colonyname), std::string_view(e.msgtype),
               std::string_view(e.signer), std::string_view(e.processid), std::string_view(e.payloaddigest),
               std::string_view(e.signature), std::string_view(e.payload), std::int64_t{e.status},
               std::string_view(e.prevhash), std::string_view(e.hash));
  }
  Status operator()(const mutation::PruneAudit& m) {
    // The newest entry older than `before` becomes the checkpoint; then it and everything
    // before it go. Times never decrease along seq, so this is exactly the old prefix.
    COLONIES_CHECK(run(c_,
                       "INSERT INTO audit_checkpoints (seq, hash, time, prunedtime) "
                       "SELECT seq, hash, time, ? FROM audit_log WHERE time < ? ORDER BY seq DESC LIMIT 1 "
                       "ON CONFLICT (seq) DO NOTHING",
                       std::int64_t{m.now}, std::int64_t{m.before}));
    return run(c_, "DELETE FROM audit_log WHERE seq <= (SELECT coalesce(max(seq), 0) FROM audit_checkpoints)");
  }
  Status operator()(const mutation::PutCron& m) {
    return run(c_,
               "INSERT INTO crons (cronid, colonyname, data) VALUES (?, ?, ?) "
               "ON CONFLICT (cronid) DO UPDATE SET data = excluded.data",
               std::string_view(m.cron.cronid), std::string_view(m.cron.colonyname), to_text(m.cron));
  }
  Status operator()(const mutation::RemoveCron& m) {
    return run(c_, "DELETE FROM crons WHERE cronid = ?", std::string_view(m.cronid));
  }
  Status operator()(const mutation::PutGenerator& m) {
    return run(c_,
               "INSERT INTO generators (generatorid, colonyname, data) VALUES (?, ?, ?) "
               "ON CONFLICT (generatorid) DO UPDATE SET data = excluded.data",
               std::string_view(m.generator.generatorid), std::string_view(m.generator.colonyname),
               to_text(m.generator));
  }
  Status operator()(const mutation::RemoveGenerator& m) {
    COLONIES_CHECK(run(c_, "DELETE FROM generator_args WHERE generatorid = ?", std::string_view(m.generatorid)));
    return run(c_, "DELETE FROM generators WHERE generatorid = ?", std::string_view(m.generatorid));
  }
  Status operator()(const mutation::AppendGeneratorArg& m) {
    return run(c_, "INSERT INTO generator_args (generatorid, seq, colonyname, data) VALUES (?, ?, ?, ?)",
               std::string_view(m.arg.generatorid), std::int64_t{m.arg.seq}, std::string_view(m.arg.colonyname),
               to_text(m.arg));
  }
  Status operator()(const mutation::ConsumeGeneratorArgs& m) {
    return run(c_, "DELETE FROM generator_args WHERE generatorid = ? AND seq <= ?", std::string_view(m.generatorid),
               std::int64_t{m.up_to_seq});
  }

 private:
  Connection& c_;
};

}  // namespace

Status SqliteStore::apply_one(const ports::Mutation& m) {
  COLONIES_CHECK(ports::check_mutation(m));
  Writer writer(*writer_);
  return std::visit(writer, m);
}

Status SqliteStore::apply_batch(std::span<const ports::Mutation> batch) {
  if (batch.empty()) return ok();
  // IMMEDIATE takes the write lock up front, so a conflict shows at BEGIN (and is retried by the
  // busy timeout) rather than half-way through the batch.
  COLONIES_CHECK(run(*writer_, "BEGIN IMMEDIATE"));
  auto rollback_with = [&](Error e) -> Status {
    (void)run(*writer_, "ROLLBACK");
    return std::unexpected(std::move(e));
  };
  for (const auto& m : batch) {
    if (auto applied = apply_one(m); !applied) return rollback_with(std::move(applied.error()));
  }
  // A failed COMMIT (disk full, I/O error) leaves the transaction open; roll it back so the
  // next batch starts clean and nothing of this one is applied.
  if (auto committed = run(*writer_, "COMMIT"); !committed) return rollback_with(std::move(committed.error()));
  return ok();
}

}  // namespace colonies::storage
