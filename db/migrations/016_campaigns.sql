-- Outbound campaigns (issue 6): fee reminders, revisits and notices, dialled by BullMQ workers through a trunk.
--
--   campaign ──< campaign_targets (one household / ticket / owner to reach) ──< call_attempts (one dial each)
--
-- A target is reached through attempts: one BullMQ job per attempt (workers/dialer.ts). An attempt row is created
-- before its job and is dialled at most once: the dialer moves it from 'queued' to 'dialling' in one UPDATE
-- before it originates, so a job run twice (a worker died, Redis restarted) finds it taken and dials nothing.

-- The carrier lines outbound calls leave by. Pacing is per trunk: never more than max_channels calls up at once,
-- at most calls_per_second new calls each second.
CREATE TABLE trunks (
  code             text PRIMARY KEY CHECK (code ~ '^[a-z0-9][a-z0-9-]{0,31}$'),
  name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  -- the Asterisk dial string, {number} standing for the owner's number: PJSIP/trunk/sip:{number}@sbc.example.com
  dial             text NOT NULL CHECK (position('{number}' IN dial) > 0),
  -- the number the owner's phone shows (the estate's hotline)
  caller_id        text NOT NULL CHECK (caller_id ~ '^[0-9]{3,20}$'),
  max_channels     integer NOT NULL CHECK (max_channels BETWEEN 1 AND 2000),
  calls_per_second integer NOT NULL CHECK (calls_per_second BETWEEN 1 AND 500),
  active           boolean NOT NULL DEFAULT true
);

CREATE TABLE campaigns (
  id               bigserial PRIMARY KEY,
  kind             text NOT NULL CHECK (kind IN ('fee-reminder', 'revisit', 'notice')),
  name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- draft: being set up; scheduled: starts at starts_at; running; paused (no new dials, calls up finish);
  -- completed: every target done; cancelled: stopped for good (queued attempts are dropped)
  status           text NOT NULL DEFAULT 'draft'
                   CHECK (status IN ('draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled')),
  trunk_code       text NOT NULL REFERENCES trunks (code),
  -- who is called: for fee reminders and notices, an estate and optionally some of its buildings, or a list
  -- (notices); fee reminders: arrears at least min_arrears_fen, optionally only fees overdue by overdue_days
  estate_id        integer REFERENCES estates (id),
  building_ids     integer[],
  -- a notice to a list of owners instead of an estate
  owner_ids        bigint[],
  min_arrears_fen  bigint CHECK (min_arrears_fen >= 0),
  overdue_days     integer CHECK (overdue_days BETWEEN 0 AND 3650),
  -- a fee reminder's billing cycle ('2026-12'): coverage is households reminded in a cycle ÷ households in arrears
  cycle            text CHECK (cycle ~ '^[0-9]{4}-[0-9]{2}$'),
  -- notices: what is announced ({kind: water-cut | power-cut | storm | warranty | delivery | other, text,
  -- recording?: a prompt file, emergency?: boolean})
  notice           jsonb,
  -- calling window in the owners' local time; fee reminders skip public holidays (the work calendar)
  window_start     time NOT NULL DEFAULT '09:00',
  window_end       time NOT NULL DEFAULT '20:00',
  time_zone        text NOT NULL DEFAULT 'Asia/Shanghai',
  skip_holidays    boolean NOT NULL DEFAULT false,
  -- retries after busy, no answer, congestion and failure: at most max_attempts dials per target, retry_spacing_s
  -- apart
  max_attempts     integer NOT NULL DEFAULT 3 CHECK (max_attempts BETWEEN 1 AND 10),
  retry_spacing_s  integer NOT NULL DEFAULT 1800 CHECK (retry_spacing_s BETWEEN 10 AND 604800),
  ring_timeout_s   integer NOT NULL DEFAULT 30 CHECK (ring_timeout_s BETWEEN 5 AND 120),
  -- revisits: the keypad scale's top (1..scale_max) and the highest score that counts as unsatisfied
  scale_max        integer NOT NULL DEFAULT 5 CHECK (scale_max BETWEEN 2 AND 9),
  unsatisfied_max  integer NOT NULL DEFAULT 2 CHECK (unsatisfied_max >= 1 AND unsatisfied_max < scale_max),
  starts_at        timestamptz,
  started_at       timestamptz,
  finished_at      timestamptz,
  created_by       integer REFERENCES agents (id),
  created_at       timestamptz NOT NULL DEFAULT now(),
  CHECK (window_start < window_end)
);
CREATE INDEX campaigns_status ON campaigns (status, created_at DESC);
-- at most one revisit campaign per trunk takes the automatic revisits (workers create it when missing)
CREATE UNIQUE INDEX campaigns_standing_revisit ON campaigns (trunk_code)
  WHERE kind = 'revisit' AND status IN ('running', 'paused');

CREATE TABLE campaign_targets (
  id              bigserial PRIMARY KEY,
  campaign_id     bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  owner_id        bigint NOT NULL REFERENCES owners (id),
  unit_id         integer REFERENCES units (id),
  ticket_id       bigint REFERENCES tickets (id),
  -- the number dialled, normalised (core/phone.ts)
  phone           text NOT NULL CHECK (phone ~ '^[0-9]{5,15}$'),
  -- fee reminders: what was owed when the target was picked (re-checked before each dial)
  arrears_fen     bigint,
  -- queued: waits for its next attempt; dialling / answered: an attempt is up; no-answer, busy, failed: the last
  -- attempt's result (a retry may follow, see next_attempt_at); completed: reached; opted-out: pressed 9 or is on
  -- the do-not-call list; skipped: nothing to say any more (paid, ticket closed); cancelled: the campaign was
  status          text NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'dialling', 'answered', 'no-answer', 'busy', 'failed', 'completed',
                                    'opted-out', 'skipped', 'cancelled')),
  -- no further attempt will be made
  done            boolean NOT NULL DEFAULT false,
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  -- the owner heard the message (fee reminders: the amount and due date) — counts for coverage
  reached_at      timestamptz,
  -- what the owner chose: acknowledged, fees-desk, disputed, opted-out, satisfied, unsatisfied, no-input, heard
  outcome         text,
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX campaign_targets_once ON campaign_targets (campaign_id, owner_id, COALESCE(unit_id, 0),
                                                                COALESCE(ticket_id, 0));
CREATE INDEX campaign_targets_progress ON campaign_targets (campaign_id, status);
CREATE INDEX campaign_targets_owner ON campaign_targets (owner_id, updated_at DESC);
CREATE INDEX campaign_targets_ticket ON campaign_targets (ticket_id) WHERE ticket_id IS NOT NULL;

CREATE TABLE call_attempts (
  id              bigserial PRIMARY KEY,
  target_id       bigint NOT NULL REFERENCES campaign_targets (id) ON DELETE CASCADE,
  campaign_id     bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  attempt_no      integer NOT NULL CHECK (attempt_no >= 1),
  -- queued: its job waits; dialling: originated; answered; ended: result says how; dropped: never dialled (see
  -- result)
  status          text NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'dialling', 'answered', 'ended', 'dropped')),
  -- ended: answered, busy, no-answer, congestion, rejected, failed, interrupted (the worker died mid-call);
  -- dropped: paid, do-not-call, cancelled, ticket-closed
  result          text CHECK (result IN ('answered', 'busy', 'no-answer', 'congestion', 'rejected', 'failed',
                                         'interrupted', 'paid', 'do-not-call', 'cancelled', 'ticket-closed')),
  due_at          timestamptz NOT NULL,
  dialled_at      timestamptz,
  answered_at     timestamptz,
  ended_at        timestamptz,
  -- Asterisk's hang-up cause (Q.850 code and name) for every dialled attempt
  hangup_cause    integer,
  hangup_cause_text text,
  channel_id      text,
  -- the call record of an answered attempt (its timeline, its recording)
  call_id         uuid REFERENCES calls (id),
  -- what the owner did: the keys pressed, the outcome (as campaign_targets.outcome), a revisit's score and the
  -- recorded comment (a file in the recording folder)
  keys            text,
  outcome         text,
  score           integer,
  comment_recording text,
  UNIQUE (target_id, attempt_no)
);
CREATE INDEX call_attempts_campaign ON call_attempts (campaign_id, status);
CREATE INDEX call_attempts_live ON call_attempts (campaign_id) WHERE status IN ('dialling', 'answered');

-- Numbers never to call for fee reminders and ordinary notices (an owner pressed 9, or asked an agent).
-- Revisits and emergency notices still call them (DOMAIN: 100 % of valid complaints revisited; safety first).
CREATE TABLE do_not_call (
  phone     text PRIMARY KEY CHECK (phone ~ '^[0-9]{5,15}$'),
  owner_id  bigint REFERENCES owners (id),
  source    text NOT NULL CHECK (source IN ('keypad', 'agent', 'admin')),
  added_by  integer REFERENCES agents (id),
  added_at  timestamptz NOT NULL DEFAULT now(),
  attempt_id bigint REFERENCES call_attempts (id)
);

-- A ticket's revisit record: each revisit attempt, by the dialer or by a person.
CREATE TABLE ticket_revisits (
  id                bigserial PRIMARY KEY,
  ticket_id         bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
  attempt_id        bigint REFERENCES call_attempts (id),
  attempt_no        integer NOT NULL,
  at                timestamptz NOT NULL DEFAULT now(),
  -- answered with a score, answered without one, not reached
  result            text NOT NULL CHECK (result IN ('scored', 'no-score', 'not-reached')),
  score             integer,
  satisfied         boolean,
  comment_recording text,
  automated         boolean NOT NULL,
  by_agent          integer REFERENCES agents (id)
);
CREATE INDEX ticket_revisits_ticket ON ticket_revisits (ticket_id, at);

-- A revisit the dialer could not make (no answer after its last attempt): a person calls the owner. The ticket's
-- 48-hour revisit clock keeps running meanwhile.
CREATE TABLE revisit_tasks (
  id         bigserial PRIMARY KEY,
  ticket_id  bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
  target_id  bigint REFERENCES campaign_targets (id),
  reason     text NOT NULL CHECK (reason IN ('not-reached', 'no-score', 'asked')),
  created_at timestamptz NOT NULL DEFAULT now(),
  done_at    timestamptz,
  done_by    integer REFERENCES agents (id)
);
CREATE UNIQUE INDEX revisit_tasks_open ON revisit_tasks (ticket_id) WHERE done_at IS NULL;
