-- 0001: the whole Colonies schema for PostgreSQL, covering what SQLite's 0001-0006 built up
-- (entities, workflows, crons and generators, ColonyFS metadata, retention indexes, channels).
-- As in SQLite, every entity keeps its full JSON (the model's own codec) in `data` as text (not
-- jsonb: the text is what the codec wrote, and jsonb would reorder and re-encode it); only the
-- columns the store filters, orders or cascades on are real columns. Key columns use the "C"
-- collation so ordering and label ranges are byte order whatever the cluster's locale is.
-- The schema_version table is owned by the migration runner, not by this file.

CREATE TABLE server (
  id INTEGER PRIMARY KEY CHECK (id = 1),  -- a single row
  serverid TEXT NOT NULL
);

CREATE TABLE colonies (
  name TEXT COLLATE "C" PRIMARY KEY,
  data TEXT NOT NULL
);

CREATE TABLE users (
  colonyname TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (colonyname, name)
);

CREATE TABLE executors (
  colonyname TEXT COLLATE "C" NOT NULL,
  executorname TEXT COLLATE "C" NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (colonyname, executorname)
);

CREATE TABLE locations (
  colonyname TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (colonyname, name)
);

CREATE TABLE functions (
  functionid TEXT COLLATE "C" PRIMARY KEY,
  colonyname TEXT COLLATE "C" NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX functions_by_colony ON functions (colonyname);

CREATE TABLE processes (
  processid TEXT COLLATE "C" PRIMARY KEY,
  colonyname TEXT COLLATE "C" NOT NULL,
  state SMALLINT NOT NULL,
  executortype TEXT COLLATE "C" NOT NULL,
  label TEXT COLLATE "C" NOT NULL,
  initiatorname TEXT COLLATE "C" NOT NULL,
  assignedexecutorid TEXT COLLATE "C" NOT NULL,
  submissiontime BIGINT NOT NULL,  -- Unix ns
  prioritytime BIGINT NOT NULL,
  processgraphid TEXT COLLATE "C" NOT NULL DEFAULT '',
  data TEXT NOT NULL
);
-- Listing by state (the common case) and counting per state within a colony.
CREATE INDEX processes_by_colony_state_time ON processes (colonyname, state, submissiontime);
-- Listing a colony across all states, newest first.
CREATE INDEX processes_by_colony_time ON processes (colonyname, submissiontime);
-- load() reads the active (WAITING, RUNNING) processes; partial, so finished history costs it nothing.
CREATE INDEX processes_active ON processes (state) WHERE state IN (0, 1);
-- A graph's processes (removal, load()); partial: most processes belong to no graph.
CREATE INDEX processes_by_graph ON processes (processgraphid) WHERE processgraphid <> '';
-- Retention deletes by submission time across colonies.
CREATE INDEX processes_by_submissiontime ON processes (submissiontime);

-- Only an index from attribute to process: the attribute itself is inside the process's JSON.
CREATE TABLE attributes (
  attributeid TEXT COLLATE "C" PRIMARY KEY,
  processid TEXT COLLATE "C" NOT NULL
);
CREATE INDEX attributes_by_process ON attributes (processid);

CREATE TABLE paused (
  colonyname TEXT COLLATE "C" PRIMARY KEY
);

-- id orders logs with equal timestamps in insertion order.
CREATE TABLE logs (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  colonyname TEXT COLLATE "C" NOT NULL,
  processid TEXT COLLATE "C" NOT NULL,
  executorname TEXT COLLATE "C" NOT NULL,
  timestamp BIGINT NOT NULL,  -- Unix ns
  message TEXT NOT NULL
);
CREATE INDEX logs_by_colony_process_time ON logs (colonyname, processid, timestamp);
CREATE INDEX logs_by_colony_executor_time ON logs (colonyname, executorname, timestamp);
CREATE INDEX logs_by_colony_time ON logs (colonyname, timestamp);
CREATE INDEX logs_by_timestamp ON logs (timestamp);

CREATE TABLE processgraphs (
  processgraphid TEXT COLLATE "C" PRIMARY KEY,
  colonyname TEXT COLLATE "C" NOT NULL,
  state SMALLINT NOT NULL,
  submissiontime BIGINT NOT NULL,  -- Unix ns
  endtime BIGINT NOT NULL,         -- Unix ns; 0 while any node is WAITING or RUNNING
  data TEXT NOT NULL
);
CREATE INDEX processgraphs_by_colony_state_time ON processgraphs (colonyname, state, submissiontime);
CREATE INDEX processgraphs_by_colony_time ON processgraphs (colonyname, submissiontime);
CREATE INDEX processgraphs_active ON processgraphs (endtime) WHERE endtime = 0;
CREATE INDEX processgraphs_by_endtime ON processgraphs (endtime) WHERE endtime > 0;

CREATE TABLE crons (
  cronid TEXT COLLATE "C" PRIMARY KEY,
  colonyname TEXT COLLATE "C" NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX crons_by_colony ON crons (colonyname);

CREATE TABLE generators (
  generatorid TEXT COLLATE "C" PRIMARY KEY,
  colonyname TEXT COLLATE "C" NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX generators_by_colony ON generators (colonyname);

-- Queued arguments in pack order; a release deletes a prefix (seq <= n) of one generator's queue.
CREATE TABLE generator_args (
  generatorid TEXT COLLATE "C" NOT NULL,
  seq BIGINT NOT NULL,
  colonyname TEXT COLLATE "C" NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (generatorid, seq)
);
CREATE INDEX generator_args_by_colony ON generator_args (colonyname);

-- ColonyFS metadata: one row per file revision (bytes live in the blob store, credentials
-- nowhere here). sequencenr is server-assigned and strictly increasing over the server.
CREATE TABLE files (
  fileid TEXT COLLATE "C" PRIMARY KEY,
  colonyname TEXT COLLATE "C" NOT NULL,
  label TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  sequencenr BIGINT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX files_by_colony_label_name ON files (colonyname, label, name, sequencenr);
CREATE INDEX files_by_sequencenr ON files (sequencenr);

-- Names are unique per colony, not globally (spec §14 item 13).
CREATE TABLE snapshots (
  snapshotid TEXT COLLATE "C" PRIMARY KEY,
  colonyname TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  added BIGINT NOT NULL,  -- Unix ns
  data TEXT NOT NULL,
  UNIQUE (colonyname, name)
);
CREATE INDEX snapshots_by_colony_added ON snapshots (colonyname, added);

-- Channel entries (spec §7), persisted so they survive a restart; `position` is gap-free per
-- channel and assigned by the server.
CREATE TABLE channel_entries (
  processid   TEXT COLLATE "C" NOT NULL,
  name        TEXT COLLATE "C" NOT NULL,
  position    BIGINT NOT NULL,
  sequence    BIGINT NOT NULL,
  inreplyto   BIGINT NOT NULL,
  timestamp   BIGINT NOT NULL,
  senderid    TEXT COLLATE "C" NOT NULL,
  payloadtype TEXT NOT NULL,
  payload     TEXT NOT NULL,  -- standard base64 of the bytes
  PRIMARY KEY (processid, name, position)
);
