// The statements of PostgresStore::apply: each mutation becomes one or a few parameterised
// statements, all run in one transaction. Inserts of append-only rows (channel entries, file
// revisions, snapshots, generator args) ignore an identical row already present, so that a batch
// retried after a connection lost during COMMIT (outcome unknown, possibly committed) does not
// fail on its own earlier success; upserts and deletes are naturally repeatable.
#include <variant>

#include "adapters/storage/postgres/queries.hpp"
#include "core/ports/store_checks.hpp"
#include "core/protocol/encoding.hpp"

namespace colonies::storage::postgres {

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

// Cascades shared by several mutations: the attribute and channel rows of a set of processes.
#define COLONIES_PG_PROCESS_CHILDREN(table, processes) \
  "DELETE FROM " table " WHERE processid IN (SELECT processid FROM processes WHERE " processes ")"

constexpr std::string_view kColonyDeletes[] = {
    COLONIES_PG_PROCESS_CHILDREN("attributes", "colonyname = $1"),
    COLONIES_PG_PROCESS_CHILDREN("channel_entries", "colonyname = $1"),
    "DELETE FROM processes WHERE colonyname = $1",
    "DELETE FROM processgraphs WHERE colonyname = $1",
    "DELETE FROM users WHERE colonyname = $1",
    "DELETE FROM executors WHERE colonyname = $1",
    "DELETE FROM locations WHERE colonyname = $1",
    "DELETE FROM functions WHERE colonyname = $1",
    "DELETE FROM logs WHERE colonyname = $1",
    "DELETE FROM paused WHERE colonyname = $1",
    "DELETE FROM files WHERE colonyname = $1",
    "DELETE FROM snapshots WHERE colonyname = $1",
    "DELETE FROM crons WHERE colonyname = $1",
    "DELETE FROM generator_args WHERE colonyname = $1",
    "DELETE FROM generators WHERE colonyname = $1",
    "DELETE FROM colonies WHERE name = $1"};

#define COLONIES_PG_STANDALONE "colonyname = $1 AND processgraphid = ''"
#define COLONIES_PG_STANDALONE_IN_STATE "colonyname = $1 AND state = $2 AND processgraphid = ''"
constexpr std::string_view kRemoveProcesses[] = {
    COLONIES_PG_PROCESS_CHILDREN("channel_entries", COLONIES_PG_STANDALONE),
    COLONIES_PG_PROCESS_CHILDREN("attributes", COLONIES_PG_STANDALONE),
    "DELETE FROM processes WHERE " COLONIES_PG_STANDALONE};
constexpr std::string_view kRemoveProcessesInState[] = {
    COLONIES_PG_PROCESS_CHILDREN("channel_entries", COLONIES_PG_STANDALONE_IN_STATE),
    COLONIES_PG_PROCESS_CHILDREN("attributes", COLONIES_PG_STANDALONE_IN_STATE),
    "DELETE FROM processes WHERE " COLONIES_PG_STANDALONE_IN_STATE};

#define COLONIES_PG_GRAPH_MEMBERS(graphs) "processgraphid IN (" graphs ")"
#define COLONIES_PG_ENDED_GRAPHS "SELECT processgraphid FROM processgraphs WHERE colonyname = $1 AND endtime <> 0"
#define COLONIES_PG_ENDED_GRAPHS_IN_STATE COLONIES_PG_ENDED_GRAPHS " AND state = $2"
constexpr std::string_view kRemoveGraphs[] = {
    COLONIES_PG_PROCESS_CHILDREN("attributes", COLONIES_PG_GRAPH_MEMBERS(COLONIES_PG_ENDED_GRAPHS)),
    COLONIES_PG_PROCESS_CHILDREN("channel_entries", COLONIES_PG_GRAPH_MEMBERS(COLONIES_PG_ENDED_GRAPHS)),
    "DELETE FROM processes WHERE " COLONIES_PG_GRAPH_MEMBERS(COLONIES_PG_ENDED_GRAPHS),
    "DELETE FROM processgraphs WHERE processgraphid IN (" COLONIES_PG_ENDED_GRAPHS ")"};
constexpr std::string_view kRemoveGraphsInState[] = {
    COLONIES_PG_PROCESS_CHILDREN("attributes", COLONIES_PG_GRAPH_MEMBERS(COLONIES_PG_ENDED_GRAPHS_IN_STATE)),
    COLONIES_PG_PROCESS_CHILDREN("channel_entries", COLONIES_PG_GRAPH_MEMBERS(COLONIES_PG_ENDED_GRAPHS_IN_STATE)),
    "DELETE FROM processes WHERE " COLONIES_PG_GRAPH_MEMBERS(COLONIES_PG_ENDED_GRAPHS_IN_STATE),
    "DELETE FROM processgraphs WHERE processgraphid IN (" COLONIES_PG_ENDED_GRAPHS_IN_STATE ")"};

#define COLONIES_PG_OLD_GRAPHS "SELECT processgraphid FROM processgraphs WHERE endtime > 0 AND endtime < $1"
#define COLONIES_PG_OLD_STANDALONE "submissiontime < $1 AND state IN (2, 3, 4) AND processgraphid = ''"
// Processes of ended graphs first (with their attributes and channels), then the graphs, then
// standalone finished processes, then old logs.
constexpr std::string_view kPurgeFinished[] = {
    COLONIES_PG_PROCESS_CHILDREN("attributes", COLONIES_PG_GRAPH_MEMBERS(COLONIES_PG_OLD_GRAPHS)),
    COLONIES_PG_PROCESS_CHILDREN("channel_entries", COLONIES_PG_GRAPH_MEMBERS(COLONIES_PG_OLD_GRAPHS)),
    "DELETE FROM processes WHERE " COLONIES_PG_GRAPH_MEMBERS(COLONIES_PG_OLD_GRAPHS),
    "DELETE FROM processgraphs WHERE endtime > 0 AND endtime < $1",
    COLONIES_PG_PROCESS_CHILDREN("attributes", COLONIES_PG_OLD_STANDALONE),
    COLONIES_PG_PROCESS_CHILDREN("channel_entries", COLONIES_PG_OLD_STANDALONE),
    "DELETE FROM processes WHERE " COLONIES_PG_OLD_STANDALONE,
    "DELETE FROM logs WHERE timestamp < $1"};

class Writer {
 public:
  explicit Writer(std::vector<Statement>& out) : out_(out) {}

  void operator()(const mutation::SetServerId& m) {
    add("INSERT INTO server (id, serverid) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET serverid = excluded.serverid",
        Params(m.id));
  }
  void operator()(const mutation::PutColony& m) {
    add("INSERT INTO colonies (name, data) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET data = excluded.data",
        Params(m.colony.name, to_text(m.colony)));
  }
  void operator()(const mutation::RemoveColony& m) {
    for (auto sql : kColonyDeletes) add(sql, Params(m.name));
  }
  void operator()(const mutation::PutUser& m) {
    add("INSERT INTO users (colonyname, name, data) VALUES ($1, $2, $3) "
        "ON CONFLICT (colonyname, name) DO UPDATE SET data = excluded.data",
        Params(m.user.colonyname, m.user.name, to_text(m.user)));
  }
  void operator()(const mutation::RemoveUser& m) {
    add("DELETE FROM users WHERE colonyname = $1 AND name = $2", Params(m.colonyname, m.name));
  }
  void operator()(const mutation::PutExecutor& m) {
    add("INSERT INTO executors (colonyname, executorname, data) VALUES ($1, $2, $3) "
        "ON CONFLICT (colonyname, executorname) DO UPDATE SET data = excluded.data",
        Params(m.executor.colonyname, m.executor.executorname, to_text(m.executor)));
  }
  void operator()(const mutation::RemoveExecutor& m) {
    add("DELETE FROM executors WHERE colonyname = $1 AND executorname = $2", Params(m.colonyname, m.executorname));
  }
  void operator()(const mutation::PutLocation& m) {
    add("INSERT INTO locations (colonyname, name, data) VALUES ($1, $2, $3) "
        "ON CONFLICT (colonyname, name) DO UPDATE SET data = excluded.data",
        Params(m.location.colonyname, m.location.name, to_text(m.location)));
  }
  void operator()(const mutation::RemoveLocation& m) {
    add("DELETE FROM locations WHERE colonyname = $1 AND name = $2", Params(m.colonyname, m.name));
  }
  void operator()(const mutation::PutFunction& m) {
    add("INSERT INTO functions (functionid, colonyname, data) VALUES ($1, $2, $3) "
        "ON CONFLICT (functionid) DO UPDATE SET colonyname = excluded.colonyname, data = excluded.data",
        Params(m.function.functionid, m.function.colonyname, to_text(m.function)));
  }
  void operator()(const mutation::RemoveFunction& m) {
    add("DELETE FROM functions WHERE functionid = $1", Params(m.functionid));
  }
  void operator()(const mutation::PutProcess& m) {
    const model::Process& p = m.process;
    add("INSERT INTO processes (processid, colonyname, state, executortype, label, initiatorname, "
        "assignedexecutorid, submissiontime, prioritytime, processgraphid, data) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
        "ON CONFLICT (processid) DO UPDATE SET colonyname = excluded.colonyname, "
        "state = excluded.state, executortype = excluded.executortype, label = excluded.label, "
        "initiatorname = excluded.initiatorname, assignedexecutorid = excluded.assignedexecutorid, "
        "submissiontime = excluded.submissiontime, prioritytime = excluded.prioritytime, "
        "processgraphid = excluded.processgraphid, data = excluded.data",
        Params(p.processid, p.spec.conditions.colonyname, static_cast<std::int64_t>(p.state),
               p.spec.conditions.executortype, p.spec.label, p.initiatorname, p.assignedexecutorid,
               std::int64_t{p.submissiontime}, std::int64_t{p.prioritytime}, p.processgraphid, process_to_text(p)));
    add("DELETE FROM attributes WHERE processid = $1", Params(p.processid));
    for (const auto& a : p.attributes) {
      add("INSERT INTO attributes (attributeid, processid) VALUES ($1, $2) "
          "ON CONFLICT (attributeid) DO UPDATE SET processid = excluded.processid",
          Params(a.attributeid, p.processid));
    }
  }
  void operator()(const mutation::RemoveProcess& m) {
    add("DELETE FROM attributes WHERE processid = $1", Params(m.processid));
    add("DELETE FROM channel_entries WHERE processid = $1", Params(m.processid));
    add("DELETE FROM processes WHERE processid = $1", Params(m.processid));
  }
  void operator()(const mutation::RemoveProcesses& m) {
    if (!m.state) {
      for (auto sql : kRemoveProcesses) add(sql, Params(m.colonyname));
    } else {
      for (auto sql : kRemoveProcessesInState) add(sql, Params(m.colonyname, static_cast<std::int64_t>(*m.state)));
    }
  }
  void operator()(const mutation::PutProcessGraph& m) {
    const model::ProcessGraph& g = m.graph;
    add("INSERT INTO processgraphs (processgraphid, colonyname, state, submissiontime, endtime, data) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (processgraphid) DO UPDATE SET colonyname = excluded.colonyname, "
        "state = excluded.state, submissiontime = excluded.submissiontime, endtime = excluded.endtime, "
        "data = excluded.data",
        Params(g.processgraphid, g.colonyname, static_cast<std::int64_t>(g.state), std::int64_t{g.submissiontime},
               std::int64_t{g.endtime}, to_text(g)));
  }
  void operator()(const mutation::RemoveProcessGraph& m) {
    add(COLONIES_PG_PROCESS_CHILDREN("attributes", "processgraphid = $1"), Params(m.processgraphid));
    add(COLONIES_PG_PROCESS_CHILDREN("channel_entries", "processgraphid = $1"), Params(m.processgraphid));
    add("DELETE FROM processes WHERE processgraphid = $1", Params(m.processgraphid));
    add("DELETE FROM processgraphs WHERE processgraphid = $1", Params(m.processgraphid));
  }
  void operator()(const mutation::RemoveProcessGraphs& m) {
    if (!m.state) {
      for (auto sql : kRemoveGraphs) add(sql, Params(m.colonyname));
    } else {
      for (auto sql : kRemoveGraphsInState) add(sql, Params(m.colonyname, static_cast<std::int64_t>(*m.state)));
    }
  }
  void operator()(const mutation::AppendLog& m) {
    const model::Log& l = m.log;
    add("INSERT INTO logs (colonyname, processid, executorname, timestamp, message) VALUES ($1, $2, $3, $4, $5)",
        Params(l.colonyname, l.processid, l.executorname, std::int64_t{l.timestamp}, l.message));
  }
  void operator()(const mutation::AppendChannelEntry& m) {
    const model::ChannelEntry& e = m.entry;
    add("INSERT INTO channel_entries (processid, name, position, sequence, inreplyto, timestamp, senderid, "
        "payloadtype, payload) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
        Params(e.processid, e.name, std::int64_t{e.position}, std::int64_t{e.sequence}, std::int64_t{e.inreplyto},
               std::int64_t{e.timestamp}, e.senderid, e.payloadtype, protocol::base64_encode(e.payload)));
  }
  void operator()(const mutation::SetPaused& m) {
    if (m.paused) {
      add("INSERT INTO paused (colonyname) VALUES ($1) ON CONFLICT DO NOTHING", Params(m.colonyname));
    } else {
      add("DELETE FROM paused WHERE colonyname = $1", Params(m.colonyname));
    }
  }
  void operator()(const mutation::AddFile& m) {
    const model::File& f = m.file;
    add("INSERT INTO files (fileid, colonyname, label, name, sequencenr, data) VALUES ($1, $2, $3, $4, $5, $6) "
        "ON CONFLICT (fileid) DO NOTHING",
        Params(f.fileid, f.colonyname, f.label, f.name, std::int64_t{f.sequencenr}, to_text(f)));
  }
  void operator()(const mutation::RemoveFile& m) {
    add("DELETE FROM files WHERE colonyname = $1 AND fileid = $2", Params(m.colonyname, m.fileid));
  }
  void operator()(const mutation::RemoveFileRevisions& m) {
    add("DELETE FROM files WHERE colonyname = $1 AND label = $2 AND name = $3", Params(m.colonyname, m.label, m.name));
  }
  void operator()(const mutation::PutSnapshot& m) {
    const model::Snapshot& s = m.snapshot;
    // Only the same snapshot again is ignored; another one with a taken name still fails.
    add("INSERT INTO snapshots (snapshotid, colonyname, name, added, data) VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT (snapshotid) DO NOTHING",
        Params(s.snapshotid, s.colonyname, s.name, std::int64_t{s.added}, to_text(s)));
  }
  void operator()(const mutation::RemoveSnapshot& m) {
    add("DELETE FROM snapshots WHERE colonyname = $1 AND snapshotid = $2", Params(m.colonyname, m.snapshotid));
  }
  void operator()(const mutation::RemoveSnapshots& m) {
    add("DELETE FROM snapshots WHERE colonyname = $1", Params(m.colonyname));
  }
  void operator()(const mutation::PurgeFinished& m) {
    for (auto sql : kPurgeFinished) add(sql, Params(std::int64_t{m.before}));
  }
  void operator()(const mutation::AppendAudit& m) {
    const model::AuditEntry& e = m.entry;
    // Retried after a COMMIT whose outcome was unknown, the same entry is already there.
    add("INSERT INTO audit_log (seq, time, colonyname, msgtype, signer, processid, payloaddigest, signature, payload, "
        "status, prevhash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
        "ON CONFLICT (seq) DO NOTHING",
        Params(std::int64_t{e.seq}, std::int64_t{e.time}, e.colonyname, e.msgtype, e.signer, e.processid,
               e.payloaddigest, e.signature, e.payload, e.status, e.prevhash, e.hash));
  }
  void operator()(const mutation::PruneAudit& m) {
    // The newest entry older than `before` becomes the checkpoint; then it and everything before
    // it go. Times never decrease along seq, so this is exactly the old prefix.
    add("INSERT INTO audit_checkpoints (seq, hash, time, prunedtime) "
        "SELECT seq, hash, time, $1 FROM audit_log WHERE time < $2 ORDER BY seq DESC LIMIT 1 "
        "ON CONFLICT (seq) DO NOTHING",
        Params(std::int64_t{m.now}, std::int64_t{m.before}));
    add("DELETE FROM audit_log WHERE seq <= (SELECT coalesce(max(seq), 0) FROM audit_checkpoints)", Params());
  }
  void operator()(const mutation::PutCron& m) {
    add("INSERT INTO crons (cronid, colonyname, data) VALUES ($1, $2, $3) "
        "ON CONFLICT (cronid) DO UPDATE SET data = excluded.data",
        Params(m.cron.cronid, m.cron.colonyname, to_text(m.cron)));
  }
  void operator()(const mutation::RemoveCron& m) { add("DELETE FROM crons WHERE cronid = $1", Params(m.cronid)); }
  void operator()(const mutation::PutGenerator& m) {
    add("INSERT INTO generators (generatorid, colonyname, data) VALUES ($1, $2, $3) "
        "ON CONFLICT (generatorid) DO UPDATE SET data = excluded.data",
        Params(m.generator.generatorid, m.generator.colonyname, to_text(m.generator)));
  }
  void operator()(const mutation::RemoveGenerator& m) {
    add("DELETE FROM generator_args WHERE generatorid = $1", Params(m.generatorid));
    add("DELETE FROM generators WHERE generatorid = $1", Params(m.generatorid));
  }
  void operator()(const mutation::AppendGeneratorArg& m) {
    add("INSERT INTO generator_args (generatorid, seq, colonyname, data) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (generatorid, seq) DO NOTHING",
        Params(m.arg.generatorid, std::int64_t{m.arg.seq}, m.arg.colonyname, to_text(m.arg)));
  }
  void operator()(const mutation::ConsumeGeneratorArgs& m) {
    add("DELETE FROM generator_args WHERE generatorid = $1 AND seq <= $2",
        Params(m.generatorid, std::int64_t{m.up_to_seq}));
  }

 private:
  void add(std::string_view sql, Params params) { out_.push_back(Statement{sql, std::move(params)}); }
  std::vector<Statement>& out_;
};

}  // namespace

Result<std::vector<Statement>> statements_for(std::span<const ports::Mutation> batch) {
  std::vector<Statement> out;
  out.reserve(batch.size() * 2);
  Writer writer(out);
  for (const auto& m : batch) {
    COLONIES_CHECK(ports::check_mutation(m));
    std::visit(writer, m);
  }
  return out;
}

}  // namespace colonies::storage::postgres
