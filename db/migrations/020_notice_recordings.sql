-- Recorded notices (issue 6): WAV files a team leader uploads for notice campaigns to play instead of (or beside)
-- the text spoken by espeak-ng. The audio is kept here, in the database, because the Asterisk nodes share no disk:
-- each node reads the bytes once and makes its own 8 kHz prompt files (ivr/notice-audio.ts). A campaign names its
-- recording by id in campaigns.notice->>'recording'.
CREATE TABLE notice_recordings (
  id          bigserial PRIMARY KEY,
  -- what the team leader calls it ("3号楼停水通知 12月"), shown in the campaign form and on the campaign page
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- the WAV file as uploaded (checked by core/notice-wav.ts: PCM, A-law or mu-law, at most 3 minutes)
  audio       bytea NOT NULL,
  sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  duration_ms integer NOT NULL CHECK (duration_ms > 0),
  uploaded_by integer NOT NULL REFERENCES agents (id),
  uploaded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notice_recordings_uploaded ON notice_recordings (uploaded_at DESC);
