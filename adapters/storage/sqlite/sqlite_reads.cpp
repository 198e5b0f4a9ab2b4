// SqliteStore's read methods, each on a leased reader connection. Rows are decoded with the
// model's own JSON codecs; a row that does not decode is reported, not skipped. Not a query
// builder: the only dynamic SQL is the handful of optional filters of list_processes.
#include <algorithm>

#include "adapters/storage/sqlite/connection.hpp"
#include "adapters/storage/sqlite/row_decoding.hpp"
#include "adapters/storage/sqlite/sqlite_store.hpp"
#include "core/protocol/encoding.hpp"

namespace colonies::storage {

using sqlite::Connection;
namespace json = model::json;

namespace {

Result<model::Process> decode_process(const Connection& c, std::string_view data) {
  return sqlite::decode_row<model::Process>(c, data, "process", [](const json::value& v) { return model::process_from_json(v); });
}

// Appends the decoded first column of every row of `st` to `out`.
template <class T, class Decode>
Status collect(const Connection& c, sqlite::Statement& st, std::string_view what, std::vector<T>& out,
               Decode&& from_json) {
  for (;;) {
    COLONIES_TRY(row, st.step());
    if (!row) return ok();
    COLONIES_TRY(value, sqlite::decode_row<T>(c, st.text(0), what, from_json));
    out.push_back(std::move(value));
  }
}

Status collect_logs(sqlite::Statement& st, std::vector<model::Log>& out) {
  for (;;) {
    COLONIES_TRY(row, st.step());
    if (!row) return ok();
    out.push_back(model::Log{.processid = std::string(st.text(1)),
                             .colonyname = std::string(st.text(0)),
                             .executorname = std::string(st.text(2)),
                             .message = std::string(st.text(4)),
                             .timestamp = st.i64(3)});
  }
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

constexpr std::string_view kLogColumns = "SELECT colonyname, processid, executorname, timestamp, message FROM logs ";

Status read_snapshot_tables(Connection& c, ports::Snapshot& s) {
  {
    COLONIES_TRY(st, c.prepare("SELECT serverid FROM server WHERE id = 1"));
    COLONIES_TRY(row, st.step());
    if (row) s.server_id = std::string(st.text(0));
  }
  {
    COLONIES_TRY(st, c.prepare("SELECT data FROM colonies ORDER BY name"));
    COLONIES_CHECK(collect(c, st, "colony", s.colonies, [](const json::value& v) { return model::colony_from_json(v); }));
  }
  {
    COLONIES_TRY(st, c.prepare("SELECT data FROM users ORDER BY colonyname, name"));
    COLONIES_CHECK(collect(c, st, "user", s.users, [](const json::value& v) { return model::user_from_json(v); }));
  }
  {
    COLONIES_TRY(st, c.prepare("SELECT data FROM executors ORDER BY colonyname, executorname"));
    COLONIES_CHECK(
        collect(c, st, "executor", s.executors, [](const json::value& v) { return model::executor_from_json(v); }));
  }
  {
    COLONIES_TRY(st, c.prepare("SELECT data FROM locations ORDER BY colonyname, name"));
    COLONIES_CHECK(
        collect(c, st, "location", s.locations, [](const json::value& v) { return model::location_from_json(v); }));
  }
  {
    COLONIES_TRY(st, c.prepare("SELECT data FROM functions ORDER BY functionid"));
    COLONIES_CHECK(
        collect(c, st, "function", s.functions, [](const json::value& v) { return model::function_from_json(v); }));
  }
  {
    COLONIES_TRY(st, c.prepare("SELECT data FROM processes WHERE state IN (0, 1)"));
    COLONIES_CHECK(collect(c, st, "process", s.active_processes,
                           [](const json::value& v) { return model::process_from_json(v); }));
  }
  {
    // Where each channel of an active process stands: positions and entry counts per channel,
    // and the last sequence per sender (rows arrive grouped by channel).
    COLONIES_TRY(st, c.prepare("SELECT processid, name, senderid, max(sequence), max(position), count(*) "
                               "FROM channel_entries WHERE processid IN (SELECT processid FROM processes WHERE state IN (0, 1)) "
                               "GROUP BY processid, name, senderid ORDER BY processid, name"));
    for (;;) {
      COLONIES_TRY(row, st.step());
      if (!row) break;
      std::string processid(st.text(0));
      std::string name(st.text(1));
      if (s.channel_heads.empty() || s.channel_heads.back().processid != processid || s.channel_heads.back().name != name) {
        s.channel_heads.push_back(ports::ChannelHead{processid, name, 0, 0, {}});
      }
      auto& head = s.channel_heads.back();
      head.last_sequence[std::string(st.text(2))] = st.i64(3);
      head.last_position = std::max(head.last_position, st.i64(4));
      head.entries += st.i64(5);
    }
  }
  {
    COLONIES_TRY(st, c.prepare("SELECT colonyname FROM paused ORDER BY colonyname"));
    for (;;) {
      COLONIES_TRY(row, st.step());
      if (!row) break;
      s.paused_colonies.emplace_back(st.text(0));
    }
  }
  {
    COLONIES_TRY(st, c.prepare("SELECT data FROM processgraphs WHERE endtime = 0 ORDER BY submissiontime"));
    COLONIES_CHECK(collect(c, st, "process graph", s.active_graphs,
                           [](const json::value& v) { return model::process_graph_from_json(v); }));
  }
  {
    COLONIES_TRY(st, c.prepare("SELECT data FROM processes WHERE processgraphid IN "
                               "(SELECT processgraphid FROM processgraphs WHERE endtime = 0) AND state NOT IN (0, 1)"));
    COLONIES_CHECK(collect(c, st, "process", s.finished_graph_processes,
                           [](const json::value& v) { return model::process_from_json(v); }));
  }
  {
    COLONIES_TRY(st, c.prepare("SELECT data FROM crons ORDER BY colonyname, cronid"));
    COLONIES_CHECK(collect(c, st, "cron", s.crons, [](const json::value& v) { return model::cron_from_json(v); }));
  }
  {
    COLONIES_TRY(st, c.prepare("SELECT data FROM generators ORDER BY colonyname, generatorid"));
    COLONIES_CHECK(
        collect(c, st, "generator", s.generators, [](const json::value& v) { return model::generator_from_json(v); }));
  }
  {
    COLONIES_TRY(st, c.prepare("SELECT data FROM generator_args ORDER BY generatorid, seq"));
    COLONIES_CHECK(collect(c, st, "generator arg", s.generator_args,
                           [](const json::value& v) { return model::generator_arg_from_json(v); }));
  }
  return ok();
}

}  // namespace

Result<ports::Snapshot> SqliteStore::read_snapshot(Connection& c) {
  // One read transaction, so the snapshot is consistent even while batches commit.
  {
    COLONIES_TRY(begin, c.prepare("BEGIN"));
    COLONIES_CHECK(begin.run());
  }
  ports::Snapshot snapshot;
  Status read = read_snapshot_tables(c, snapshot);
  if (read) read = read_file_state(c, snapshot);
  if (read) read = read_audit_head(c, snapshot.audit_head);
  COLONIES_TRY(end, c.prepare(read ? "COMMIT" : "ROLLBACK"));
  Status ended = end.run();
  if (!read) return std::unexpected(std::move(read.error()));
  if (!ended) return std::unexpected(std::move(ended.error()));
  return snapshot;
}

Result<std::optional<model::Process>> SqliteStore::read_process(Connection& c, const std::string& processid) {
  COLONIES_TRY(st, c.prepare("SELECT data FROM processes WHERE processid = ?"));
  st.bind(1, processid);
  COLONIES_TRY(row, st.step());
  if (!row) return std::optional<model::Process>{};
  COLONIES_TRY(p, decode_process(c, st.text(0)));
  return std::optional<model::Process>(std::move(p));
}

Result<std::vector<model::Process>> SqliteStore::read_processes(Connection& c, const ports::ProcessFilter& f) {
  std::vector<model::Process> out;
  if (f.count <= 0) return out;
  // At most 2^6 distinct texts, so the per-connection statement cache stays small.
  std::string sql = "SELECT data FROM processes WHERE colonyname = ?";
  if (f.state) sql += " AND state = ?";
  if (!f.executortype.empty()) sql += " AND executortype = ?";
  if (!f.label.empty()) sql += " AND label = ?";
  if (!f.initiatorname.empty()) sql += " AND initiatorname = ?";
  if (!f.assignedexecutorid.empty()) sql += " AND assignedexecutorid = ?";
  if (f.submitted_after != 0) sql += " AND submissiontime > ?";
  if (!f.before.processid.empty()) sql += " AND (submissiontime < ? OR (submissiontime = ? AND processid < ?))";
  sql += " ORDER BY submissiontime DESC, processid DESC LIMIT ?";
  COLONIES_TRY(st, c.prepare(sql));
  int i = 0;
  st.bind(++i, f.colonyname);
  if (f.state) st.bind(++i, static_cast<std::int64_t>(*f.state));
  if (!f.executortype.empty()) st.bind(++i, f.executortype);
  if (!f.label.empty()) st.bind(++i, f.label);
  if (!f.initiatorname.empty()) st.bind(++i, f.initiatorname);
  if (!f.assignedexecutorid.empty()) st.bind(++i, f.assignedexecutorid);
  if (f.submitted_after != 0) st.bind(++i, std::int64_t{f.submitted_after});
  if (!f.before.processid.empty()) {
    st.bind(++i, std::int64_t{f.before.submissiontime});
    st.bind(++i, std::int64_t{f.before.submissiontime});
    st.bind(++i, f.before.processid);
  }
  st.bind(++i, f.count);
  COLONIES_CHECK(collect(c, st, "process", out, [](const json::value& v) { return model::process_from_json(v); }));
  return out;
}

Result<std::optional<model::Attribute>> SqliteStore::read_attribute(Connection& c, const std::string& attributeid) {
  COLONIES_TRY(st, c.prepare("SELECT p.data FROM attributes a JOIN processes p ON p.processid = a.processid "
                             "WHERE a.attributeid = ?"));
  st.bind(1, attributeid);
  COLONIES_TRY(row, st.step());
  if (!row) return std::optional<model::Attribute>{};
  COLONIES_TRY(p, decode_process(c, st.text(0)));
  for (auto& a : p.attributes) {
    if (a.attributeid == attributeid) return std::optional<model::Attribute>(std::move(a));
  }
  return fail(ErrorCode::Unavailable, "SQLite database {}: attribute {} is indexed under process {} but not in it",
              c.path(), attributeid, p.processid);
}

Result<std::vector<model::Log>> SqliteStore::read_logs(Connection& c, const ports::LogQuery& q) {
  std::vector<model::Log> out;
  if (q.count <= 0) return out;
  std::string sql(kLogColumns);
  std::string_view key;
  if (!q.processid.empty()) {
    sql += "WHERE colonyname = ? AND processid = ?";
    key = q.processid;
  } else if (!q.executorname.empty()) {
    sql += "WHERE colonyname = ? AND executorname = ?";
    key = q.executorname;
  } else {
    sql += "WHERE colonyname = ?";  // neither given: the whole colony
  }
  sql += " AND timestamp > ?";
  // For `latest`, take the newest rows and reverse them below.
  sql += q.latest ? " ORDER BY timestamp DESC, id DESC LIMIT ?" : " ORDER BY timestamp, id LIMIT ?";
  COLONIES_TRY(st, c.prepare(sql));
  int i = 0;
  st.bind(++i, q.colonyname);
  if (!key.empty()) st.bind(++i, key);
  st.bind(++i, std::int64_t{q.since});
  st.bind(++i, q.count);
  COLONIES_CHECK(collect_logs(st, out));
  if (q.latest) std::reverse(out.begin(), out.end());
  return out;
}

Result<std::vector<model::Log>> SqliteStore::read_log_search(Connection& c, const std::string& colonyname,
                                                             const std::string& text, std::int64_t since, int count) {
  std::vector<model::Log> out;
  if (count <= 0) return out;
  // LIKE is case-insensitive for ASCII, which is what MemoryStore matches too.
  COLONIES_TRY(st, c.prepare(std::string(kLogColumns) +
                             "WHERE colonyname = ? AND timestamp > ? AND message LIKE ? ESCAPE '\\' "
                             "ORDER BY timestamp DESC, id DESC LIMIT ?"));
  st.bind(1, colonyname).bind(2, since).bind(3, contains_pattern(text)).bind(4, count);
  COLONIES_CHECK(collect_logs(st, out));
  return out;
}

Result<std::map<model::ProcessState, std::int64_t>> SqliteStore::read_counts(Connection& c,
                                                                              const std::string& colonyname) {
  return sqlite::count_by_state(c, "processes", colonyname);
}

Result<std::vector<model::ChannelEntry>> SqliteStore::read_channel_entries(Connection& c,
                                                                          const ports::ChannelQuery& q) {
  std::vector<model::ChannelEntry> out;
  COLONIES_TRY(st, c.prepare("SELECT position, sequence, inreplyto, timestamp, senderid, payloadtype, payload "
                             "FROM channel_entries WHERE processid = ? AND name = ? AND position > ? "
                             "ORDER BY position LIMIT ?"));
  st.bind(1, std::string_view(q.processid)).bind(2, std::string_view(q.name)).bind(3, std::int64_t{q.after_position}).bind(4, q.limit);
  for (;;) {
    COLONIES_TRY(row, st.step());
    if (!row) return out;
    model::ChannelEntry e;
    e.processid = q.processid;
    e.name = q.name;
    e.position = st.i64(0);
    e.sequence = st.i64(1);
    e.inreplyto = st.i64(2);
    e.timestamp = st.i64(3);
    e.senderid = std::string(st.text(4));
    e.payloadtype = std::string(st.text(5));
    auto bytes = protocol::base64_decode(st.text(6));
    if (!bytes) return fail(ErrorCode::Unavailable, "{}: channel entry {} of {} has an unreadable payload", c.path(), e.position, q.processid);
    e.payload = std::move(*bytes);
    out.push_back(std::move(e));
  }
}

}  // namespace colonies::storage
