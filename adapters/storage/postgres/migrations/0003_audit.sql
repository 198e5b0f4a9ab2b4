-- The audit ledger (docs/audit.md), as in the SQLite store's 0007_audit.sql: one row per signed
-- state-changing request, numbered by the leader (seq: 1, 2, 3, ... without gaps, continued by
-- each new leader from the stored head) and hash-chained; written in the same transaction as
-- the request's changes. Rows are never updated; retention deletes the oldest ones and records
-- the last deleted as a checkpoint. Not touched by RemoveColony: the ledger outlives what it
-- describes.
CREATE TABLE audit_log (
  seq           BIGINT  PRIMARY KEY,
  time          BIGINT  NOT NULL,  -- Unix ns, never decreasing along seq
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
CREATE INDEX audit_by_colony ON audit_log (colonyname, seq);
CREATE INDEX audit_by_process ON audit_log (processid, seq) WHERE processid <> '';
CREATE TABLE audit_checkpoints (
  seq        BIGINT PRIMARY KEY,  -- the last pruned entry
  hash       TEXT   NOT NULL,
  time       BIGINT NOT NULL,
  prunedtime BIGINT NOT NULL
);
