-- 0004: ColonyFS metadata — file revisions and snapshots. Bytes are not here (they are in the
-- client-side blob store), and neither are storage credentials: `data` holds the File JSON whose
-- ref names a backend and an object key only.

-- One row per revision. sequencenr is assigned by the server (strictly increasing over the
-- whole server), so "latest" is the highest sequencenr of a (colonyname, label, name).
CREATE TABLE files (
  fileid TEXT PRIMARY KEY NOT NULL,
  colonyname TEXT NOT NULL,
  label TEXT NOT NULL,
  name TEXT NOT NULL,
  sequencenr INTEGER NOT NULL,
  data TEXT NOT NULL
);
-- Revisions of a name, latest revision per name, and label listings (prefix = a range scan on
-- label, which is why sub-label matching is a range and not LIKE).
CREATE INDEX files_by_colony_label_name ON files (colonyname, label, name, sequencenr);
-- load() reads max(sequencenr).
CREATE INDEX files_by_sequencenr ON files (sequencenr);

-- A snapshot keeps copies of the file revisions it froze (in `data`), so removing files later
-- does not break it. Names are unique per colony, not globally (spec §14 item 13).
CREATE TABLE snapshots (
  snapshotid TEXT PRIMARY KEY NOT NULL,
  colonyname TEXT NOT NULL,
  name TEXT NOT NULL,
  added INTEGER NOT NULL,  -- Unix ns
  data TEXT NOT NULL,
  UNIQUE (colonyname, name)
);
CREATE INDEX snapshots_by_colony_added ON snapshots (colonyname, added);
