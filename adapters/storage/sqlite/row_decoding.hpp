// Decoding of the JSON `data` column every entity row keeps (see 0001_initial.sql). A row that
// does not parse or does not decode is reported as Unavailable naming the database and the
// entity: the store is damaged, which no request can fix. Shared by the read files of SqliteStore.
#pragma once

#include <string_view>

#include "adapters/storage/sqlite/connection.hpp"
#include "core/error/error.hpp"
#include "core/model/json.hpp"

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

}  // namespace colonies::storage::sqlite
