-- 0002: workflows (process graphs).
-- A graph row keeps its full JSON in `data`; its processes stay in `processes`, found through
-- the new processgraphid column (removing a graph removes them; load() reads the finished
-- processes of active graphs to rebuild which nodes may run and what they receive).

ALTER TABLE processes ADD COLUMN processgraphid TEXT NOT NULL DEFAULT '';
-- Not partial: SQLite could not use a `processgraphid <> ''` index for `processgraphid = ?`.
-- An update leaves it alone (a process never changes graph), so it costs one entry per insert.
CREATE INDEX processes_by_graph ON processes (processgraphid);

CREATE TABLE processgraphs (
  processgraphid TEXT PRIMARY KEY NOT NULL,
  colonyname TEXT NOT NULL,
  state INTEGER NOT NULL,
  submissiontime INTEGER NOT NULL,  -- Unix ns
  endtime INTEGER NOT NULL,         -- Unix ns; 0 while any node is WAITING or RUNNING
  data TEXT NOT NULL
);
-- Listing by state and counting per state within a colony.
CREATE INDEX processgraphs_by_colony_state_time ON processgraphs (colonyname, state, submissiontime);
-- Listing a colony across all states, newest first.
CREATE INDEX processgraphs_by_colony_time ON processgraphs (colonyname, submissiontime);
-- load() reads the active graphs.
CREATE INDEX processgraphs_active ON processgraphs (endtime) WHERE endtime = 0;
