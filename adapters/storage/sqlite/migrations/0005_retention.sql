-- 0005: indexes for the retention pass, which deletes finished processes, graphs and logs older
-- than a cutoff across all colonies (ORDER-free range deletes instead of full-table scans).
CREATE INDEX processes_by_submissiontime ON processes (submissiontime);
CREATE INDEX processgraphs_by_endtime ON processgraphs (endtime) WHERE endtime > 0;
CREATE INDEX logs_by_timestamp ON logs (timestamp);
