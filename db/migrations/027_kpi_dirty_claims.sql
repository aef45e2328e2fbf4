-- A report claims the dirty marks of its period before recomputing those days, and deletes them in the
-- transaction that writes the recomputed days. Before, the claim deleted them at once: a process that died between
-- the claim and the commit (killed, its connection cut) left those days stale until they changed again.
--
-- A claimed mark stays until the recomputation commits. Only one report recomputes at a time (an advisory lock), so
-- a claimed mark that a report finds while holding the lock is one whose report died: it is claimed again and its
-- day recomputed. Writers keep marking a day while it is claimed: the unique key holds for unclaimed marks only, so
-- a mark written after the claim is a new row, and the day is recomputed by the next report as well.
ALTER TABLE kpi_dirty_days ADD COLUMN claimed boolean NOT NULL DEFAULT false;
ALTER TABLE kpi_dirty_days DROP CONSTRAINT kpi_dirty_days_pkey;
CREATE UNIQUE INDEX kpi_dirty_days_unclaimed ON kpi_dirty_days (kind, day, pid) WHERE NOT claimed;
CREATE INDEX kpi_dirty_days_day ON kpi_dirty_days (day);
