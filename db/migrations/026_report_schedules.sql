-- Scheduled reports (issue 7 "Reports"; core/reports/schedule.ts, workers/report-jobs.ts): a team leader's
-- schedule makes a report file for every period of its cadence once the period has ended (daily: the day before;
-- weekly: on Monday, the week before; monthly: on the 26th, the month closing on the 25th), kept 13 months.
CREATE TABLE report_schedules (
  id         serial PRIMARY KEY,
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
  kind       text NOT NULL CHECK (kind IN ('kpis', 'complaints', 'work')),
  -- {estateId, queue, agentId}: each null (every one) or the one the report is about
  filters    jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(filters) = 'object'),
  cadence    text NOT NULL CHECK (cadence IN ('daily', 'weekly', 'monthly')),
  format     text NOT NULL CHECK (format IN ('csv', 'xlsx')),
  enabled    boolean NOT NULL DEFAULT true,
  created_by integer REFERENCES agents (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (kind <> 'work' OR cadence = 'monthly')
);

-- One run per schedule and period (the unique key: a period is made once, whichever worker takes it).
CREATE TABLE report_runs (
  id           bigserial PRIMARY KEY,
  schedule_id  integer NOT NULL REFERENCES report_schedules (id) ON DELETE CASCADE,
  period_from  date NOT NULL,
  period_to    date NOT NULL CHECK (period_to > period_from),
  period_label text NOT NULL,
  status       text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
  attempts     integer NOT NULL DEFAULT 0,
  file         bytea,
  file_name    text,
  content_type text,
  -- what went wrong, in words a team leader understands (zh / en)
  error        text,
  queued_at    timestamptz NOT NULL DEFAULT now(),
  started_at   timestamptz,
  finished_at  timestamptz,
  UNIQUE (schedule_id, period_from),
  CHECK (status <> 'done' OR file IS NOT NULL)
);
CREATE INDEX report_runs_period_to ON report_runs (period_to);
