// PostgresStore's reads, each on one (leased) connection. Rows are decoded with the model's own
// JSON codecs; a row that does not decode is reported as Unavailable, not skipped. The only
// dynamic SQL is the choice among a bounded set of fixed texts for optional filters; values are
// always bound parameters.
#include <algorithm>

#include "adapters/storage/postgres/queries.hpp"
#include "core/model/json.hpp"
#include "core/protocol/encoding.hpp"

namespace colonies::storage::postgres {

namespace json = model::json;

namespace {

template <class T, class Decode>
Result<T> decode(const Connection& c, std::string_view data, std::string_view what, Decode&& from_json) {
  auto parsed = model::parse_json(data);
  if (!parsed) {
    return fail(ErrorCode::Unavailable, "{}: stored {} is unreadable: {}", c.name(), what, parsed.error().message);
  }
  Result<T> value = from_json(*parsed);
  if (!value) return fail(ErrorCode::Unavailable, "{}: stored {} is invalid: {}", c.name(), what, value.error().message);
  return value;
}

// Runs `sql` and decodes its first column of every row.
template <class T, class Decode>
Result<std::vector<T>> collect(Connection& c, std::string_view sql, const Params& params, std::string_view what,
                               Decode&& from_json) {
  COLONIES_TRY(rows, c.query(sql, params));
  std::vector<T> out;
  out.reserve(static_cast<std::size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) {
    COLONIES_TRY(value, decode<T>(c, rows.text(i, 0), what, from_json));
    out.push_back(std::move(value));
  }
  return out;
}

// The first decoded row of `sql`, if any.
template <class T, class Decode>
Result<std::optional<T>> first(Connection& c, std::string_view sql, const Params& params, std::string_view what,
                               Decode&& from_json) {
  COLONIES_TRY(rows, c.query(sql, params));
  if (rows.size() == 0) return std::optional<T>{};
  COLONIES_TRY(value, decode<T>(c, rows.text(0, 0), what, from_json));
  return std::optional<T>(std::move(value));
}

const auto kProcess = [](const json::value& v) { return model::process_from_json(v); };
const auto kFile = [](const json::value& v) { return model::file_from_json(v); };
const auto kSnapshot = [](const json::value& v) { return model::snapshot_from_json(v); };
const auto kGraph = [](const json::value& v) { return model::process_graph_from_json(v); };

Result<std::vector<model::Log>> logs_of(Connection& c, std::string_view sql, const Params& params) {
  COLONIES_TRY(rows, c.query(sql, params));
  std::vector<model::Log> out;
  for (int i = 0; i < rows.size(); ++i) {
    COLONIES_TRY(timestamp, rows.i64(i, 3));
    out.push_back(model::Log{.processid = std::string(rows.text(i, 1)),
                             .colonyname = std::string(rows.text(i, 0)),
                             .executorname = std::string(rows.text(i, 2)),
                             .message = std::string(rows.text(i, 4)),
                             .timestamp = timestamp});
  }
  return out;
}

// LIKE pattern matching `text` literally anywhere, with '\' as the escape character.
std::string contains_pattern(std::string_view text) {
  std::string pattern = "%";
  for (char ch : text) {
    if (ch == '%' || ch == '_' || ch == '\\') pattern += '\\';
    pattern += ch;
  }
  pattern += '%';
  return pattern;
}

// The half-open range of labels strictly below `label`: ["/a/", "/a0"); the root's is ["/", "0").
std::pair<std::string, std::string> below(const std::string& label) {
  if (label == "/") return {"/", "0"};
  return {label + "/", label + "0"};
}

#define COLONIES_PG_LOG_COLUMNS "SELECT colonyname, processid, executorname, timestamp, message FROM logs "

Status read_channel_heads(Connection& c, ports::Snapshot& s) {
  COLONIES_TRY(rows, c.query("SELECT processid, name, senderid, max(sequence), max(position), count(*) "
                             "FROM channel_entries WHERE processid IN "
                             "(SELECT processid FROM processes WHERE state IN (0, 1)) "
                             "GROUP BY processid, name, senderid ORDER BY processid, name"));
  for (int i = 0; i < rows.size(); ++i) {
    std::string processid(rows.text(i, 0));
    std::string name(rows.text(i, 1));
    if (s.channel_heads.empty() || s.channel_heads.back().processid != processid ||
        s.channel_heads.back().name != name) {
      s.channel_heads.push_back(ports::ChannelHead{processid, name, 0, 0, {}});
    }
    auto& head = s.channel_heads.back();
    COLONIES_TRY(sequence, rows.i64(i, 3));
    COLONIES_TRY(position, rows.i64(i, 4));
    COLONIES_TRY(entries, rows.i64(i, 5));
    head.last_sequence[std::string(rows.text(i, 2))] = sequence;
    head.last_position = std::max(head.last_position, position);
    head.entries += entries;
  }
  return ok();
}

Status read_snapshot_tables(Connection& c, ports::Snapshot& s) {
  {
    COLONIES_TRY(rows, c.query("SELECT serverid FROM server WHERE id = 1"));
    if (rows.size() > 0) s.server_id = std::string(rows.text(0, 0));
  }
  COLONIES_TRY(colonies, collect<model::Colony>(c, "SELECT data FROM colonies ORDER BY name", {}, "colony",
                                                [](const json::value& v) { return model::colony_from_json(v); }));
  s.colonies = std::move(colonies);
  COLONIES_TRY(users, collect<model::User>(c, "SELECT data FROM users ORDER BY colonyname, name", {}, "user",
                                           [](const json::value& v) { return model::user_from_json(v); }));
  s.users = std::move(users);
  COLONIES_TRY(executors,
               collect<model::Executor>(c, "SELECT data FROM executors ORDER BY colonyname, executorname", {},
                                        "executor", [](const json::value& v) { return model::executor_from_json(v); }));
  s.executors = std::move(executors);
  COLONIES_TRY(locations,
               collect<model::Location>(c, "SELECT data FROM locations ORDER BY colonyname, name", {}, "location",
                                        [](const json::value& v) { return model::location_from_json(v); }));
  s.locations = std::move(locations);
  COLONIES_TRY(functions,
               collect<model::Function>(c, "SELECT data FROM functions ORDER BY functionid", {}, "function",
                                        [](const json::value& v) { return model::function_from_json(v); }));
  s.functions = std::move(functions);
  COLONIES_TRY(active, collect<model::Process>(c, "SELECT data FROM processes WHERE state IN (0, 1)", {}, "process",
                                               kProcess));
  s.active_processes = std::move(active);
  COLONIES_CHECK(read_channel_heads(c, s));
  {
    COLONIES_TRY(rows, c.query("SELECT colonyname FROM paused ORDER BY colonyname"));
    for (int i = 0; i < rows.size(); ++i) s.paused_colonies.emplace_back(rows.text(i, 0));
  }
  COLONIES_TRY(graphs, collect<model::ProcessGraph>(
                           c, "SELECT data FROM processgraphs WHERE endtime = 0 ORDER BY submissiontime", {},
                           "process graph", kGraph));
  s.active_graphs = std::move(graphs);
  COLONIES_TRY(finished, collect<model::Process>(c,
                                                 "SELECT data FROM processes WHERE processgraphid IN "
                                                 "(SELECT processgraphid FROM processgraphs WHERE endtime = 0) "
                                                 "AND state NOT IN (0, 1)",
                                                 {}, "process", kProcess));
  s.finished_graph_processes = std::move(finished);
  COLONIES_TRY(crons, collect<model::Cron>(c, "SELECT data FROM crons ORDER BY colonyname, cronid", {}, "cron",
                                           [](const json::value& v) { return model::cron_from_json(v); }));
  s.crons = std::move(crons);
  COLONIES_TRY(generators,
               collect<model::Generator>(c, "SELECT data FROM generators ORDER BY colonyname, generatorid", {},
                                         "generator", [](const json::value& v) { return model::generator_from_json(v); }));
  s.generators = std::move(generators);
  COLONIES_TRY(args, collect<model::GeneratorArg>(c, "SELECT data FROM generator_args ORDER BY generatorid, seq", {},
                                                  "generator arg",
                                                  [](const json::value& v) { return model::generator_arg_from_json(v); }));
  s.generator_args = std::move(args);
  {
    COLONIES_TRY(rows, c.query("SELECT coalesce(max(sequencenr), 0) FROM files"));
    COLONIES_TRY(last, rows.i64(0, 0));
    s.last_file_sequencenr = last;
  }
  COLONIES_TRY(rows, c.query("SELECT colonyname, name, snapshotid FROM snapshots ORDER BY colonyname, name"));
  for (int i = 0; i < rows.size(); ++i) {
    s.snapshots.push_back({std::string(rows.text(i, 0)), std::string(rows.text(i, 1)), std::string(rows.text(i, 2))});
  }
  return read_audit_head(c, s.audit_head);
}

}  // namespace

Result<ports::Snapshot> read_snapshot(Connection& c) {
  // One repeatable-read transaction, so the snapshot is consistent while batches commit.
  COLONIES_CHECK(c.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  ports::Snapshot snapshot;
  Status read = read_snapshot_tables(c, snapshot);
  Status ended = c.exec(read ? "COMMIT" : "ROLLBACK");
  if (!read) return std::unexpected(std::move(read.error()));
  if (!ended) return std::unexpected(std::move(ended.error()));
  return snapshot;
}

Result<std::optional<model::Process>> read_process(Connection& c, const std::string& processid) {
  return first<model::Process>(c, "SELECT data FROM processes WHERE processid = $1", Params(processid), "process",
                               kProcess);
}

Result<std::vector<model::Process>> read_processes(Connection& c, const ports::ProcessFilter& f) {
  if (f.count <= 0) return std::vector<model::Process>{};
  // At most 2^6 distinct texts, so the per-connection statement cache stays small.
  std::string sql = "SELECT data FROM processes WHERE colonyname = $1";
  Params params(f.colonyname);
  int n = 1;
  auto filter = [&](std::string_view column, auto value) {
    sql += fmt::format(" AND {} ${}", column, ++n);
    params.add(value);
  };
  if (f.state) filter("state =", static_cast<std::int64_t>(*f.state));
  if (!f.executortype.empty()) filter("executortype =", f.executortype);
  if (!f.label.empty()) filter("label =", f.label);
  if (!f.initiatorname.empty()) filter("initiatorname =", f.initiatorname);
  if (!f.assignedexecutorid.empty()) filter("assignedexecutorid =", f.assignedexecutorid);
  if (f.submitted_after != 0) filter("submissiontime >", std::int64_t{f.submitted_after});
  if (!f.before.processid.empty()) {
    sql += fmt::format(" AND (submissiontime, processid) < (${}, ${})", n + 1, n + 2);
    n += 2;
    params.add(std::int64_t{f.before.submissiontime});
    params.add(f.before.processid);
  }
  sql += fmt::format(" ORDER BY submissiontime DESC, processid DESC LIMIT ${}", ++n);
  params.add(f.count);
  return collect<model::Process>(c, sql, params, "process", kProcess);
}

Result<std::optional<model::Attribute>> read_attribute(Connection& c, const std::string& attributeid) {
  COLONIES_TRY(p, first<model::Process>(c,
                                        "SELECT p.data FROM attributes a JOIN processes p ON p.processid = a.processid "
                                        "WHERE a.attributeid = $1",
                                        Params(attributeid), "process", kProcess));
  if (!p) return std::optional<model::Attribute>{};
  for (auto& a : p->attributes) {
    if (a.attributeid == attributeid) return std::optional<model::Attribute>(std::move(a));
  }
  return fail(ErrorCode::Unavailable, "{}: attribute {} is indexed under process {} but not in it", c.name(),
              attributeid, p->processid);
}

Result<std::vector<model::Log>> read_logs(Connection& c, const ports::LogQuery& q) {
  if (q.count <= 0) return std::vector<model::Log>{};
  // For `latest`, take the newest rows and reverse them below.
  std::string_view order = q.latest ? " ORDER BY timestamp DESC, id DESC LIMIT " : " ORDER BY timestamp, id LIMIT ";
  std::string sql = COLONIES_PG_LOG_COLUMNS "WHERE colonyname = $1";
  Params params(q.colonyname);
  if (!q.processid.empty()) {
    sql += " AND processid = $2 AND timestamp > $3";
    params.add(q.processid);
  } else if (!q.executorname.empty()) {
    sql += " AND executorname = $2 AND timestamp > $3";
    params.add(q.executorname);
  } else {
    sql += " AND timestamp > $2";  // neither given: the whole colony
  }
  params.add(std::int64_t{q.since}).add(q.count);
  sql += std::string(order) + "$" + std::to_string(params.values().size());
  COLONIES_TRY(out, logs_of(c, sql, params));
  if (q.latest) std::reverse(out.begin(), out.end());
  return out;
}

Result<std::vector<model::Log>> read_log_search(Connection& c, const std::string& colonyname, const std::string& text,
                                                std::int64_t since, int count) {
  if (count <= 0) return std::vector<model::Log>{};
  // ILIKE: case-insensitive, as SQLite's LIKE and MemoryStore match.
  return logs_of(c,
                 COLONIES_PG_LOG_COLUMNS "WHERE colonyname = $1 AND timestamp > $2 AND message ILIKE $3 ESCAPE '\\' "
                                         "ORDER BY timestamp DESC, id DESC LIMIT $4",
                 Params(colonyname, since, contains_pattern(text), count));
}

Result<std::map<model::ProcessState, std::int64_t>> count_by_state(Connection& c, std::string_view table,
                                                                    const std::string& colonyname) {
  std::map<model::ProcessState, std::int64_t> counts;
  for (int s = 0; s <= 4; ++s) counts[static_cast<model::ProcessState>(s)] = 0;
  std::string sql = "SELECT state, count(*) FROM " + std::string(table) +
                    (colonyname.empty() ? " GROUP BY state" : " WHERE colonyname = $1 GROUP BY state");
  COLONIES_TRY(rows, colonyname.empty() ? c.query(sql) : c.query(sql, Params(colonyname)));
  for (int i = 0; i < rows.size(); ++i) {
    COLONIES_TRY(state, rows.i64(i, 0));
    COLONIES_TRY(n, rows.i64(i, 1));
    // A state this binary does not know is not counted rather than failing the whole call.
    if (auto known = model::process_state_from_int(state)) counts[*known] = n;
  }
  return counts;
}

Result<std::vector<model::ChannelEntry>> read_channel_entries(Connection& c, const ports::ChannelQuery& q) {
  COLONIES_TRY(rows, c.query("SELECT position, sequence, inreplyto, timestamp, senderid, payloadtype, payload "
                             "FROM channel_entries WHERE processid = $1 AND name = $2 AND position > $3 "
                             "ORDER BY position LIMIT $4",
                             Params(q.processid, q.name, std::int64_t{q.after_position}, q.limit)));
  std::vector<model::ChannelEntry> out;
  for (int i = 0; i < rows.size(); ++i) {
    model::ChannelEntry e;
    e.processid = q.processid;
    e.name = q.name;
    COLONIES_TRY(position, rows.i64(i, 0));
    COLONIES_TRY(sequence, rows.i64(i, 1));
    COLONIES_TRY(inreplyto, rows.i64(i, 2));
    COLONIES_TRY(timestamp, rows.i64(i, 3));
    e.position = position;
    e.sequence = sequence;
    e.inreplyto = inreplyto;
    e.timestamp = timestamp;
    e.senderid = std::string(rows.text(i, 4));
    e.payloadtype = std::string(rows.text(i, 5));
    auto bytes = protocol::base64_decode(rows.text(i, 6));
    if (!bytes) {
      return fail(ErrorCode::Unavailable, "{}: channel entry {} of {} has an unreadable payload", c.name(), e.position,
                  q.processid);
    }
    e.payload = std::move(*bytes);
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::optional<model::File>> read_file(Connection& c, const std::string& colonyname, const std::string& fileid) {
  return first<model::File>(c, "SELECT data FROM files WHERE fileid = $1 AND colonyname = $2",
                            Params(fileid, colonyname), "file", kFile);
}

Result<std::vector<model::File>> read_file_revisions(Connection& c, const std::string& colonyname,
                                                     const std::string& label, const std::string& name) {
  return collect<model::File>(c,
                              "SELECT data FROM files WHERE colonyname = $1 AND label = $2 AND name = $3 "
                              "ORDER BY sequencenr DESC",
                              Params(colonyname, label, name), "file", kFile);
}

Result<std::vector<model::File>> read_files(Connection& c, const ports::FileQuery& q) {
  std::string sql = "SELECT data FROM files f WHERE ";
  sql += q.recursive ? "colonyname = $1 AND (label = $2 OR (label >= $3 AND label < $4))"
                     : "colonyname = $1 AND label = $2";
  if (!q.all_revisions) {
    sql += " AND sequencenr = (SELECT max(sequencenr) FROM files l WHERE l.colonyname = f.colonyname "
           "AND l.label = f.label AND l.name = f.name)";
  }
  sql += " ORDER BY label, name, sequencenr DESC";
  Params params(q.colonyname, q.label);
  if (q.recursive) {
    auto [low, high] = below(q.label);
    params.add(low).add(high);
  }
  return collect<model::File>(c, sql, params, "file", kFile);
}

Result<std::vector<model::Label>> read_labels(Connection& c, const std::string& colonyname, const std::string& label,
                                              bool exact) {
  std::string sql = "SELECT label, count(DISTINCT name) FROM files WHERE colonyname = $1";
  Params params(colonyname);
  if (!label.empty()) {
    params.add(label);
    if (exact) {
      sql += " AND label = $2";
    } else {
      sql += " AND (label = $2 OR (label >= $3 AND label < $4))";
      auto [low, high] = below(label);
      params.add(low).add(high);
    }
  }
  sql += " GROUP BY label ORDER BY label";
  COLONIES_TRY(rows, c.query(sql, params));
  std::vector<model::Label> out;
  for (int i = 0; i < rows.size(); ++i) {
    COLONIES_TRY(files, rows.i64(i, 1));
    out.push_back(model::Label{std::string(rows.text(i, 0)), files});
  }
  return out;
}

Result<std::optional<model::Snapshot>> read_snapshot_by(Connection& c, bool by_name, const std::string& colonyname,
                                                        const std::string& key) {
  return first<model::Snapshot>(c,
                                by_name ? "SELECT data FROM snapshots WHERE colonyname = $1 AND name = $2"
                                        : "SELECT data FROM snapshots WHERE colonyname = $1 AND snapshotid = $2",
                                Params(colonyname, key), "snapshot", kSnapshot);
}

Result<std::vector<model::Snapshot>> read_snapshots(Connection& c, const std::string& colonyname) {
  return collect<model::Snapshot>(c, "SELECT data FROM snapshots WHERE colonyname = $1 ORDER BY added, snapshotid",
                                  Params(colonyname), "snapshot", kSnapshot);
}

Result<std::optional<model::ProcessGraph>> read_graph(Connection& c, const std::string& processgraphid) {
  return first<model::ProcessGraph>(c, "SELECT data FROM processgraphs WHERE processgraphid = $1",
                                    Params(processgraphid), "process graph", kGraph);
}

Result<std::vector<model::ProcessGraph>> read_graphs(Connection& c, const ports::ProcessGraphFilter& f) {
  if (f.count <= 0) return std::vector<model::ProcessGraph>{};
  if (f.state) {
    return collect<model::ProcessGraph>(c,
                                        "SELECT data FROM processgraphs WHERE colonyname = $1 AND state = $2 "
                                        "ORDER BY submissiontime DESC, processgraphid DESC LIMIT $3",
                                        Params(f.colonyname, static_cast<std::int64_t>(*f.state), f.count),
                                        "process graph", kGraph);
  }
  return collect<model::ProcessGraph>(c,
                                      "SELECT data FROM processgraphs WHERE colonyname = $1 "
                                      "ORDER BY submissiontime DESC, processgraphid DESC LIMIT $2",
                                      Params(f.colonyname, f.count), "process graph", kGraph);
}

}  // namespace colonies::storage::postgres
