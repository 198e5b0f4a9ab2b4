// SqliteStore's ColonyFS reads: file revisions, labels and snapshots (migration 0003). Sub-label
// matching is a range on the label column ["/a/", "/a0"), which uses the index and needs no
// LIKE escaping ('0' is the character after '/').
#include "adapters/storage/sqlite/connection.hpp"
#include "adapters/storage/sqlite/row_decoding.hpp"
#include "adapters/storage/sqlite/sqlite_store.hpp"

namespace colonies::storage {

using sqlite::Connection;
namespace json = model::json;

namespace {

Result<model::File> decode_file(const Connection& c, std::string_view data) {
  return sqlite::decode_row<model::File>(c, data, "file", [](const json::value& v) { return model::file_from_json(v); });
}

Result<model::Snapshot> decode_snapshot(const Connection& c, std::string_view data) {
  return sqlite::decode_row<model::Snapshot>(c, data, "snapshot",
                                     [](const json::value& v) { return model::snapshot_from_json(v); });
}

Status collect_files(const Connection& c, sqlite::Statement& st, std::vector<model::File>& out) {
  for (;;) {
    COLONIES_TRY(row, st.step());
    if (!row) return ok();
    COLONIES_TRY(f, decode_file(c, st.text(0)));
    out.push_back(std::move(f));
  }
}

// The half-open range of labels strictly below `label`: ["/a/", "/a0"); the root's is ["/", "0").
std::pair<std::string, std::string> below(const std::string& label) {
  if (label == "/") return {"/", "0"};
  return {label + "/", label + "0"};
}

}  // namespace

Status SqliteStore::read_file_state(Connection& c, ports::Snapshot& s) {
  {
    COLONIES_TRY(st, c.prepare("SELECT coalesce(max(sequencenr), 0) FROM files"));
    COLONIES_TRY(row, st.step());
    if (row) s.last_file_sequencenr = st.i64(0);
  }
  COLONIES_TRY(st, c.prepare("SELECT colonyname, name, snapshotid FROM snapshots ORDER BY colonyname, name"));
  for (;;) {
    COLONIES_TRY(row, st.step());
    if (!row) return ok();
    s.snapshots.push_back({std::string(st.text(0)), std::string(st.text(1)), std::string(st.text(2))});
  }
}

Result<std::optional<model::File>> SqliteStore::read_file(Connection& c, const std::string& colonyname,
                                                           const std::string& fileid) {
  COLONIES_TRY(st, c.prepare("SELECT data FROM files WHERE fileid = ? AND colonyname = ?"));
  st.bind(1, fileid).bind(2, colonyname);
  COLONIES_TRY(row, st.step());
  if (!row) return std::optional<model::File>{};
  COLONIES_TRY(f, decode_file(c, st.text(0)));
  return std::optional<model::File>(std::move(f));
}

Result<std::vector<model::File>> SqliteStore::read_file_revisions(Connection& c, const std::string& colonyname,
                                                                  const std::string& label, const std::string& name) {
  std::vector<model::File> out;
  COLONIES_TRY(st, c.prepare("SELECT data FROM files WHERE colonyname = ? AND label = ? AND name = ? "
                             "ORDER BY sequencenr DESC"));
  st.bind(1, colonyname).bind(2, label).bind(3, name);
  COLONIES_CHECK(collect_files(c, st, out));
  return out;
}

Result<std::vector<model::File>> SqliteStore::read_files(Connection& c, const ports::FileQuery& q) {
  std::vector<model::File> out;
  std::string where = q.recursive ? "colonyname = ? AND (label = ? OR (label >= ? AND label < ?))"
                                  : "colonyname = ? AND label = ?";
  std::string sql = "SELECT data FROM files f WHERE " + where;
  if (!q.all_revisions) {
    sql += " AND sequencenr = (SELECT max(sequencenr) FROM files l WHERE l.colonyname = f.colonyname "
           "AND l.label = f.label AND l.name = f.name)";
  }
  sql += " ORDER BY label, name, sequencenr DESC";
  COLONIES_TRY(st, c.prepare(sql));
  st.bind(1, q.colonyname).bind(2, q.label);
  if (q.recursive) {
    auto [low, high] = below(q.label);
    st.bind(3, low).bind(4, high);
  }
  COLONIES_CHECK(collect_files(c, st, out));
  return out;
}

Result<std::vector<model::Label>> SqliteStore::read_labels(Connection& c, const std::string& colonyname,
                                                           const std::string& label, bool exact) {
  std::vector<model::Label> out;
  std::string sql = "SELECT label, count(DISTINCT name) FROM files WHERE colonyname = ?";
  if (!label.empty()) sql += exact ? " AND label = ?" : " AND (label = ? OR (label >= ? AND label < ?))";
  sql += " GROUP BY label ORDER BY label";
  COLONIES_TRY(st, c.prepare(sql));
  st.bind(1, colonyname);
  if (!label.empty()) {
    st.bind(2, label);
    if (!exact) {
      auto [low, high] = below(label);
      st.bind(3, low).bind(4, high);
    }
  }
  for (;;) {
    COLONIES_TRY(row, st.step());
    if (!row) return out;
    out.push_back(model::Label{std::string(st.text(0)), st.i64(1)});
  }
}

Result<std::optional<model::Snapshot>> SqliteStore::read_snapshot_row(Connection& c, std::string_view sql,
                                                                      const std::string& colonyname,
                                                                      const std::string& key) {
  COLONIES_TRY(st, c.prepare(sql));
  st.bind(1, colonyname).bind(2, key);
  COLONIES_TRY(row, st.step());
  if (!row) return std::optional<model::Snapshot>{};
  COLONIES_TRY(s, decode_snapshot(c, st.text(0)));
  return std::optional<model::Snapshot>(std::move(s));
}

Result<std::vector<model::Snapshot>> SqliteStore::read_snapshots(Connection& c, const std::string& colonyname) {
  std::vector<model::Snapshot> out;
  COLONIES_TRY(st, c.prepare("SELECT data FROM snapshots WHERE colonyname = ? ORDER BY added, snapshotid"));
  st.bind(1, colonyname);
  for (;;) {
    COLONIES_TRY(row, st.step());
    if (!row) return out;
    COLONIES_TRY(s, decode_snapshot(c, st.text(0)));
    out.push_back(std::move(s));
  }
}

}  // namespace colonies::storage
