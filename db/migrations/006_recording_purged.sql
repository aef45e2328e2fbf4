-- When a recording was removed by the retention job (the call record itself stays).
ALTER TABLE calls ADD COLUMN recording_purged_at timestamptz;
CREATE INDEX calls_recordings ON calls (started_at) WHERE recording IS NOT NULL;
