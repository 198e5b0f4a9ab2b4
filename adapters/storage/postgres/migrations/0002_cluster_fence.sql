-- High availability (docs/ha.md): the fencing epoch. A server that becomes leader claims the
-- store with its epoch (larger than every earlier leader's); each of its write transactions first
-- checks, under a share lock on this row, that the epoch is still its own. A deposed leader's
-- next transaction therefore fails (SQLSTATE CF001) instead of writing after its successor.
CREATE TABLE cluster_fence (
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  epoch  BIGINT NOT NULL,
  holder TEXT NOT NULL,   -- the member name of the server that claimed it
  since  BIGINT NOT NULL  -- Unix ns of the claim
);
INSERT INTO cluster_fence (id, epoch, holder, since) VALUES (1, 0, '', 0);

CREATE FUNCTION colonies_check_epoch(expected BIGINT) RETURNS INTEGER AS $$
DECLARE
  current_epoch BIGINT;
  current_holder TEXT;
BEGIN
  SELECT epoch, holder INTO current_epoch, current_holder FROM cluster_fence WHERE id = 1 FOR SHARE;
  IF current_epoch IS DISTINCT FROM expected THEN
    RAISE EXCEPTION 'fenced: this server led epoch %, but % now holds the store with epoch %',
      expected, current_holder, current_epoch USING ERRCODE = 'CF001';
  END IF;
  RETURN 1;
END
$$ LANGUAGE plpgsql;
