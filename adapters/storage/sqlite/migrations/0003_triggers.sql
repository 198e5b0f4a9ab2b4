-- 0003: crons, generators and the arguments packed into generators.
-- As in 0001, each row keeps the entity's JSON in `data`; the columns are the keys the store
-- looks rows up by, orders by or cascades on.

CREATE TABLE crons (
  cronid TEXT PRIMARY KEY,
  colonyname TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX crons_by_colony ON crons (colonyname);

CREATE TABLE generators (
  generatorid TEXT PRIMARY KEY,
  colonyname TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX generators_by_colony ON generators (colonyname);

-- Queued arguments in pack order; a release deletes a prefix (seq <= n) of one generator's queue.
CREATE TABLE generator_args (
  generatorid TEXT NOT NULL,
  seq INTEGER NOT NULL,
  colonyname TEXT NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (generatorid, seq)
);
CREATE INDEX generator_args_by_colony ON generator_args (colonyname);
