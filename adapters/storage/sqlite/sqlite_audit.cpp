// SqliteStore's reads of the audit ledger (docs/audit.md): filtered pages in seq order, the
// ledger's extent and checkpoint, and its head for load(). Writes are in sqlite_writes.cpp.
#include "adapters/storage/sqlite/connection.hpp"
#include "adapters/storage/sqlite/sqlite_store.hpp"

namespace colonies::storage {

using sqlite::Connection;

namespace {

constexpr std::string_view kAuditColumns =
    "SELECT seq, time, colonyname, msgtype, signer, processid, payloaddigest, signature, payload, status, prevhash, "
    "hash FROM audit_log ";

model::AuditEntry entry_of(const sqlite::Statement& st) {
  return model::AuditEntry{.seq = st.i64(0),
                           .time = st.i64(1),
                           .colonyname = std::string(st.text(2)),
                           .msgtype = std::string(st.text(3)),
                           .signer = std::string(st.text(4)),
                           .processid = std::string(st.text(5)),
                           .payloaddigest = std::string(st.text(6)),
                           .signature = std::string(st.text(7)),
                           .payload = std::string(st.text(8)),
                           .status = static_cast<int>(st.i64(9)),
                           .prevhash = std::string(st.text(10)),
                           .hash = std::string(st.text(11))};
}

Result<std::optional<model::AuditCheckpoint>> newest_checkpoint(Connection& c) {
  COLONIES_TRY(st, c.prepare("SELECT seq, hash, time, prunedtime FROM audit_checkpoints ORDER BY seq DESC LIMIT 1"));
  COLONIES_TRY(row, st.step());
  if (!row) return std::optional<model::AuditCheckpoint>{};
  return std::optional<model::AuditCheckpoint>(
      model::AuditCheckpoint{st.i64(0), std::string(st.text(1)), st.i64(2), st.i64(3)});
}

}  // namespace

Status SqliteStore::read_audit_head(Connection& c, model::AuditHead& head) {
  {
    COLONIES_TRY(st, c.prepare("SELECT seq, hash, time FROM audit_log ORDER BY seq DESC LIMIT 1"));
    COLONIES_TRY(row, st.step());
    if (row) {
      head = model::AuditHead{st.i64(0), std::string(st.text(1)), st.i64(2)};
      return ok();
    }
  }
  // Every entry pruned: the chain continues from the newest checkpoint.
  COLONIES_TRY(checkpoint, newest_checkpoint(c));
  head = checkpoint ? model::AuditHead{checkpoint->seq, checkpoint->hash, checkpoint->time} : model::AuditHead{};
  return ok();
}

Result<std::vector<model::AuditEntry>> SqliteStore::read_audit(Connection& c, const ports::AuditQuery& q) {
  std::vector<model::AuditEntry> out;
  if (q.count <= 0) return out;
  // At most 2^5 distinct texts, so the per-connection statement cache stays small.
  std::string sql(kAuditColumns);
  sql += "WHERE seq > ?";
  if (!q.colonyname.empty()) sql += " AND colonyname = ?";
  if (!q.processid.empty()) sql += " AND processid = ?";
  if (!q.signer.empty()) sql += " AND signer = ?";
  if (q.since != 0) sql += " AND time >= ?";
  if (q.until != 0) sql += " AND time < ?";
  sql += " ORDER BY seq LIMIT ?";
  COLONIES_TRY(st, c.prepare(sql));
  int i = 0;
  st.bind(++i, std::int64_t{q.after_seq});
  if (!q.colonyname.empty()) st.bind(++i, q.colonyname);
  if (!q.processid.empty()) st.bind(++i, q.processid);
  if (!q.signer.empty()) st.bind(++i, q.signer);
  if (q.since != 0) st.bind(++i, std::int64_t{q.since});
  if (q.until != 0) st.bind(++i, std::int64_t{q.until});
  st.bind(++i, q.count);
  for (;;) {
    COLONIES_TRY(row, st.step());
    if (!row) return out;
    out.push_back(entry_of(st));
  }
}

Result<ports::AuditState> SqliteStore::read_audit_state(Connection& c) {
  // One read transaction: the extent, the checkpoint and the head agree with each other.
  {
    COLONIES_TRY(begin, c.prepare("BEGIN"));
    COLONIES_CHECK(begin.run());
  }
  ports::AuditState state;
  auto read = [&]() -> Status {
    COLONIES_TRY(checkpoint, newest_checkpoint(c));
    state.checkpoint = std::move(checkpoint);
    {
      COLONIES_TRY(st, c.prepare("SELECT coalesce(min(seq), 0), count(*) FROM audit_log"));
      COLONIES_TRY(row, st.step());
      if (row) {
        state.first_seq = st.i64(0);
        state.entries = st.i64(1);
      }
    }
    return read_audit_head(c, state.head);
  };
  Status result = read();
  COLONIES_TRY(end, c.prepare(result ? "COMMIT" : "ROLLBACK"));
  Status ended = end.run();
  if (!result) return std::unexpected(std::move(result.error()));
  if (!ended) return std::unexpected(std::move(ended.error()));
  return state;
}

}  // namespace colonies::storage
