-- Channels (reference/colonies-spec.md §7): the entries a process's submitter and executor
-- exchange, persisted so that they survive a restart (the original kept them in memory on one
-- replica, §14.17). One row per entry; `position` is assigned by the server, gap-free per
-- channel, and is what readers resume after. Rows go with their process (RemoveProcess,
-- RemoveProcesses, RemoveColony).
CREATE TABLE channel_entries (
  processid   TEXT    NOT NULL,
  name        TEXT    NOT NULL,
  position    INTEGER NOT NULL,
  sequence    INTEGER NOT NULL,
  inreplyto   INTEGER NOT NULL,
  timestamp   INTEGER NOT NULL,
  senderid    TEXT    NOT NULL,
  payloadtype TEXT    NOT NULL,
  payload     TEXT    NOT NULL,  -- standard base64 of the bytes
  PRIMARY KEY (processid, name, position)
) WITHOUT ROWID;
