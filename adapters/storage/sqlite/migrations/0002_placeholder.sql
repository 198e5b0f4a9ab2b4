-- 0002: a placeholder so that this branch's 0003_files.sql has no gap before it. Migration 0002
-- belongs to another branch (workflows); when that branch is merged, its 0002 replaces this file.
SELECT 1;
