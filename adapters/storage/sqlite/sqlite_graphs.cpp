// SqliteStore's reads of process graphs (workflows): one graph, a colony's listing, counts per
// state. Graph rows are decoded with the model's codec; writes are in sqlite_writes.cpp and
// the active graphs of load() in sqlite_reads.cpp.
#include "adapters/storage/sqlite/connection.hpp"
#include "adapters/storage/sqlite/row_decoding.hpp"
#include "adapters/storage/sqlite/sqlite_store.hpp"

namespace colonies::storage {

using sqlite::Connection;
namespace json = model::json;

namespace {

Result<model::ProcessGraph> decode_graph(const Connection& c, std::string_view data) {
  return sqlite::decode_row<model::ProcessGraph>(c, data, "process graph",
                                                 [](const json::value& v) { return model::process_graph_from_json(v); });
}

}  // namespace

Result<std::optional<model::ProcessGraph>> SqliteStore::read_graph(Connection& c, const std::string& processgraphid) {
  COLONIES_TRY(st, c.prepare("SELECT data FROM processgraphs WHERE processgraphid = ?"));
  st.bind(1, processgraphid);
  COLONIES_TRY(row, st.step());
  if (!row) return std::optional<model::ProcessGraph>{};
  COLONIES_TRY(g, decode_graph(c, st.text(0)));
  return std::optional<model::ProcessGraph>(std::move(g));
}

Result<std::vector<model::ProcessGraph>> SqliteStore::read_graphs(Connection& c, const ports::ProcessGraphFilter& f) {
  std::vector<model::ProcessGraph> out;
  if (f.count <= 0) return out;
  std::string sql = "SELECT data FROM processgraphs WHERE colonyname = ?";
  if (f.state) sql += " AND state = ?";
  sql += " ORDER BY submissiontime DESC, processgraphid DESC LIMIT ?";
  COLONIES_TRY(st, c.prepare(sql));
  int i = 0;
  st.bind(++i, f.colonyname);
  if (f.state) st.bind(++i, static_cast<std::int64_t>(*f.state));
  st.bind(++i, f.count);
  for (;;) {
    COLONIES_TRY(row, st.step());
    if (!row) break;
    COLONIES_TRY(g, decode_graph(c, st.text(0)));
    out.push_back(std::move(g));
  }
  return out;
}

Result<std::map<model::ProcessState, std::int64_t>> SqliteStore::read_graph_counts(Connection& c,
                                                                                    const std::string& colonyname) {
  return sqlite::count_by_state(c, "processgraphs", colonyname);
}

}  // namespace colonies::storage
