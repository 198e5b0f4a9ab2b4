// PostgresStore's reads of the audit ledger (docs/audit.md): filtered pages in seq order, the
// ledger's extent and checkpoint, and its head for load(). Writes are in postgres_writes.cpp.
#include <fmt/format.h>

#include "adapters/storage/postgres/queries.hpp"

namespace colonies::storage::postgres {

namespace {

#define COLONIES_PG_AUDIT_COLUMNS                                                                               \
  "SELECT seq, time, colonyname, msgtype, signer, processid, payloaddigest, signature, payload, status, prevhash, " \
  "hash FROM audit_log "

Result<std::optional<model::AuditCheckpoint>> newest_checkpoint(Connection& c) {
  COLONIES_TRY(rows, c.query("SELECT seq, hash, time, prunedtime FROM audit_checkpoints ORDER BY seq DESC LIMIT 1"));
  if (rows.size() == 0) return std::optional<model::AuditCheckpoint>{};
  COLONIES_TRY(seq, rows.i64(0, 0));
  COLONIES_TRY(time, rows.i64(0, 2));
  COLONIES_TRY(pruned, rows.i64(0, 3));
  return std::optional<model::AuditCheckpoint>(model::AuditCheckpoint{seq, std::string(rows.text(0, 1)), time, pruned});
}

}  // namespace

Status read_audit_head(Connection& c, model::AuditHead& head) {
  COLONIES_TRY(rows, c.query("SELECT seq, hash, time FROM audit_log ORDER BY seq DESC LIMIT 1"));
  if (rows.size() > 0) {
    COLONIES_TRY(seq, rows.i64(0, 0));
    COLONIES_TRY(time, rows.i64(0, 2));
    head = model::AuditHead{seq, std::string(rows.text(0, 1)), time};
    return ok();
  }
  // Every entry pruned: the chain continues from the newest checkpoint.
  COLONIES_TRY(checkpoint, newest_checkpoint(c));
  head = checkpoint ? model::AuditHead{checkpoint->seq, checkpoint->hash, checkpoint->time} : model::AuditHead{};
  return ok();
}

Result<std::vector<model::AuditEntry>> read_audit(Connection& c, const ports::AuditQuery& q) {
  std::vector<model::AuditEntry> out;
  if (q.count <= 0) return out;
  // At most 2^5 distinct texts, so the per-connection statement cache stays small.
  std::string sql = COLONIES_PG_AUDIT_COLUMNS "WHERE seq > $1";
  Params params(std::int64_t{q.after_seq});
  int n = 1;
  auto filter = [&](std::string_view column, auto value) {
    sql += fmt::format(" AND {} ${}", column, ++n);
    params.add(value);
  };
  if (!q.colonyname.empty()) filter("colonyname =", q.colonyname);
  if (!q.processid.empty()) filter("processid =", q.processid);
  if (!q.signer.empty()) filter("signer =", q.signer);
  if (q.since != 0) filter("time >=", std::int64_t{q.since});
  if (q.until != 0) filter("time <", std::int64_t{q.until});
  sql += fmt::format(" ORDER BY seq LIMIT ${}", ++n);
  params.add(q.count);
  COLONIES_TRY(rows, c.query(sql, params));
  out.reserve(static_cast<std::size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) {
    COLONIES_TRY(seq, rows.i64(i, 0));
    COLONIES_TRY(time, rows.i64(i, 1));
    COLONIES_TRY(status, rows.i64(i, 9));
    out.push_back(model::AuditEntry{.seq = seq,
                                    .time = time,
                                    .colonyname = std::string(rows.text(i, 2)),
                                    .msgtype = std::string(rows.text(i, 3)),
                                    .signer = std::string(rows.text(i, 4)),
                                    .processid = std::string(rows.text(i, 5)),
                                    .payloaddigest = std::string(rows.text(i, 6)),
                                    .signature = std::string(rows.text(i, 7)),
                                    .payload = std::string(rows.text(i, 8)),
                                    .status = static_cast<int>(status),
                                    .prevhash = std::string(rows.text(i, 10)),
                                    .hash = std::string(rows.text(i, 11))});
  }
  return out;
}

Result<ports::AuditState> read_audit_state(Connection& c) {
  // One repeatable-read transaction: the extent, the checkpoint and the head agree.
  COLONIES_CHECK(c.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  ports::AuditState state;
  auto read = [&]() -> Status {
    COLONIES_TRY(checkpoint, newest_checkpoint(c));
    state.checkpoint = std::move(checkpoint);
    COLONIES_TRY(rows, c.query("SELECT coalesce(min(seq), 0), count(*) FROM audit_log"));
    COLONIES_TRY(first, rows.i64(0, 0));
    COLONIES_TRY(entries, rows.i64(0, 1));
    state.first_seq = first;
    state.entries = entries;
    return read_audit_head(c, state.head);
  };
  Status result = read();
  Status ended = c.exec(result ? "COMMIT" : "ROLLBACK");
  if (!result) return std::unexpected(std::move(result.error()));
  if (!ended) return std::unexpected(std::move(ended.error()));
  return state;
}

}  // namespace colonies::storage::postgres
