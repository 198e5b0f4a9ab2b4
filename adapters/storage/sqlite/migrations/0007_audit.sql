-- 0007: the audit ledger (docs/audit.md). One row per signed state-changing request, numbered
-- by the server (seq: 1, 2, 3, ... without gaps) and hash-chained; written in the same
-- transaction as the request's changes. Rows are never updated; retention deletes the oldest
-- ones and records the last deleted as a checkpoint the chain is verified from afterwards.
-- Not touched by RemoveColony: the ledger outlives what it describes.
CREATE TABLE audit_log (
  seq           INTEGER PRIMARY KEY,
  time          INTEGER NOT NULL,  -- Unix ns, never decreasing along seq
  colonyname    TEXT    NOT NULL,
  msgtype       TEXT    NOT NULL,
  signer        TEXT    NOT NULL,
  processid     TEXT    NOT NULL,
  payloaddigest TEXT    NOT NULL,
  signature     TEXT    NOT NULL,
  payload       TEXT    NOT NULL,  -- the envelope's base64 payload, exactly as signed
  status        INTEGER NOT NULL,
  prevhash      TEXT    NOT NULL,
  hash          TEXT    NOT NULL
);
-- `colonies audit ls --colony` (a colony owner's view is always by colony) and `--since`: both
-- grow at their end only (few colonies, times that never decrease), so they cost little per
-- entry. Deliberately no index on processid: its random keys dirtied about one more page per
-- request, which doubled the WAL bytes of a lifecycle (benchmarks/README.md); `--process` scans,
-- narrowed by the colony or time when given.
CREATE INDEX audit_by_colony ON audit_log (colonyname, seq);
CREATE INDEX audit_by_time ON audit_log (time);
CREATE TABLE audit_checkpoints (
  seq        INTEGER PRIMARY KEY,  -- the last pruned entry
  hash       TEXT    NOT NULL,
  time       INTEGER NOT NULL,
  prunedtime INTEGER NOT NULL
);
