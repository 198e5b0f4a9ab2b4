// Decoding of the JSON `data` column every entity row keeps (see 0001_initial.sql). A row that
// does not parse or does not decode is reported as Unavailable naming the database and the
// entity: the store is damaged, which no request can fix. Shared by the read files of SqliteStore,
// with the per-state counting of processes and process graphs.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "adapters/storage/sqlite/connection.hpp"
#include "core/error/error.hpp"
#include "core/model/json.hpp"
#include "core/model/process.hpp"

namespace colonies::storage::sqlite {

// `from_json(const json::value&) -> Result<T>`; `what` names the entity in errors ("process").
template <class T, class Decode>
Result<T> decode_row(const Connection& c, std::string_view data, std::string_view what, Decode&& from_json) {
  auto parsed = model::parse_json(data);
  if (!parsed) {
    return fail(ErrorCode::Unavailable, "SQLite database {}: stored {} is unreadable: {}", c.path(), what,
                parsed.error().message);
  }
  Result<T> value = from_json(*parsed);
  if (!value) {
    return fail(ErrorCode::Unavailable, "SQLite database {}: stored {} is invalid: {}", c.path(), what,
                value.error().message);
  }
  return value;
}

// Rows per state (every state present, 0 when none) of `table` ("processes" or "processgraphs",
// both with `state` and `colonyname` columns), for one colony or (empty name) all of them.
inline Result<std::map<model::ProcessState, std::int64_t>> count_by_state(Connection& c, std::string_view table,
                                                                           const std::string& colonyname) {
  std::map<model::ProcessState, std::int64_t> counts;
  for (int s = 0; s <= 4; ++s) counts[static_cast<model::ProcessState>(s)] = 0;
  std::string sql = "SELECT state, count(*) FROM " + std::string(table) +
                    (colonyname.empty() ? " GROUP BY state" : " WHERE colonyname = ? GROUP BY state");
  COLONIES_TRY(st, c.prepare(sql));
  if (!colonyname.empty()) st.bind(1, colonyname);
  for (;;) {
    COLONIES_TRY(row, st.step());
    if (!row) break;
    // A state this binary does not know is not counted rather than failing the whole call.
    if (auto state = model::process_state_from_int(st.i64(0))) counts[*state] = st.i64(1);
  }
  return counts;
}

}  // namespace colonies::storage::sqlite
