-- 0001: the initial Colonies schema for SQLite.
-- Every entity keeps its full JSON (the model's own codec) in `data`; only the columns the store
-- filters, orders or cascades on are real columns. The schema_version table is owned by the
-- migration runner, not by this file.

CREATE TABLE server (
  id INTEGER PRIMARY KEY CHECK (id = 1),  -- a single row
  serverid TEXT NOT NULL
);

CREATE TABLE colonies (
  name TEXT PRIMARY KEY,
  data TEXT NOT NULL
);

CREATE TABLE users (
  colonyname TEXT NOT NULL,
  name TEXT NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (colonyname, name)
);

CREATE TABLE executors (
  colonyname TEXT NOT NULL,
  executorname TEXT NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (colonyname, executorname)
);

CREATE TABLE locations (
  colonyname TEXT NOT NULL,
  name TEXT NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (colonyname, name)
);

CREATE TABLE functions (
  functionid TEXT PRIMARY KEY,
  colonyname TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX functions_by_colony ON functions (colonyname);

-- Rowid table on purpose: process JSON is large, which is where WITHOUT ROWID tables lose.
CREATE TABLE processes (
  processid TEXT PRIMARY KEY NOT NULL,
  colonyname TEXT NOT NULL,
  state INTEGER NOT NULL,
  executortype TEXT NOT NULL,
  label TEXT NOT NULL,
  initiatorname TEXT NOT NULL,
  assignedexecutorid TEXT NOT NULL,
  submissiontime INTEGER NOT NULL,  -- Unix ns
  prioritytime INTEGER NOT NULL,
  data TEXT NOT NULL
);
-- Listing by state (the common case) and counting per state within a colony.
CREATE INDEX processes_by_colony_state_time ON processes (colonyname, state, submissiontime);
-- Listing a colony across all states, newest first.
CREATE INDEX processes_by_colony_time ON processes (colonyname, submissiontime);
-- load() reads the active (WAITING, RUNNING) processes of every colony; server-wide counts.
CREATE INDEX processes_by_state ON processes (state);

-- Only an index from attribute to process: the attribute itself is inside the process's JSON,
-- and writing it a second time made PutProcess markedly slower for a rarely used read.
CREATE TABLE attributes (
  attributeid TEXT PRIMARY KEY,
  processid TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX attributes_by_process ON attributes (processid);

CREATE TABLE paused (
  colonyname TEXT PRIMARY KEY
);

-- A plain INTEGER PRIMARY KEY, not AUTOINCREMENT: a new rowid is always above every existing
-- one, which is all the (timestamp, id) ordering needs, and it spares a sqlite_sequence write
-- per appended log.
CREATE TABLE logs (
  id INTEGER PRIMARY KEY,
  colonyname TEXT NOT NULL,
  processid TEXT NOT NULL,
  executorname TEXT NOT NULL,
  timestamp INTEGER NOT NULL,  -- Unix ns
  message TEXT NOT NULL
);
-- Leading with colonyname too: every query names the colony, and with two equality columns
-- the planner never prefers logs_by_colony_time (which scans the whole colony) for it.
CREATE INDEX logs_by_colony_process_time ON logs (colonyname, processid, timestamp);
CREATE INDEX logs_by_colony_executor_time ON logs (colonyname, executorname, timestamp);
CREATE INDEX logs_by_colony_time ON logs (colonyname, timestamp);
