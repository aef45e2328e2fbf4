-- Agents, call records with their timeline, and (minimal) tickets.

CREATE TABLE agents (
  id            serial PRIMARY KEY,
  login         text NOT NULL UNIQUE CHECK (login ~ '^[a-z0-9._-]{2,32}$'),
  name          text NOT NULL,
  agent_number  text NOT NULL,        -- 工号, said in the greeting ("客服 08 号")
  password_hash text NOT NULL,        -- scrypt, see core/password.ts
  role          text NOT NULL DEFAULT 'agent' CHECK (role IN ('agent', 'supervisor', 'admin')),
  endpoint      text,                 -- the agent's phone, e.g. "PJSIP/agent1"; null for staff without a phone
  skills        text[] NOT NULL DEFAULT '{general}',
  active        boolean NOT NULL DEFAULT true
);

CREATE TABLE calls (
  id                uuid PRIMARY KEY,
  direction         text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  caller_number     text,             -- null when withheld
  dialled_number    text NOT NULL,
  channel_id        text,
  owner_id          bigint REFERENCES owners (id),
  intent            text,
  queue             text,
  agent_id          integer REFERENCES agents (id),
  ivr_path          text[] NOT NULL DEFAULT '{}',
  started_at        timestamptz NOT NULL DEFAULT now(),
  queued_at         timestamptz,
  agent_answered_at timestamptz,
  ended_at          timestamptz,
  hangup_by         text CHECK (hangup_by IN ('caller', 'agent', 'system')),
  hangup_cause      text,
  outcome           text              -- self-service, answered, abandoned, failed
);
CREATE INDEX calls_owner ON calls (owner_id, started_at DESC);
CREATE INDEX calls_started ON calls (started_at);

-- The timeline of one call: arrived, ivr-answered, menu, queued, offered, agent-answered, ended, ...
CREATE TABLE call_events (
  id      bigserial PRIMARY KEY,
  call_id uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
  at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  kind    text NOT NULL,
  detail  jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX call_events_call ON call_events (call_id, at);

-- Ticket numbers are digits only, so owners can key them in on the phone.
CREATE SEQUENCE ticket_number_seq START 10000001;

CREATE TABLE tickets (
  id                bigserial PRIMARY KEY,
  number            text NOT NULL UNIQUE DEFAULT nextval('ticket_number_seq')::text,
  owner_id          bigint REFERENCES owners (id),
  unit_id           integer REFERENCES units (id),
  type              text NOT NULL CHECK (type IN ('complaint', 'repair', 'inquiry', 'suggestion', 'compensation')),
  description       text NOT NULL CHECK (length(description) BETWEEN 1 AND 4000),
  status            text NOT NULL DEFAULT 'registered',
  created_from_call uuid REFERENCES calls (id),
  created_by_agent  integer REFERENCES agents (id),
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tickets_owner_open ON tickets (owner_id, created_at DESC) WHERE status <> 'closed';
CREATE INDEX tickets_call ON tickets (created_from_call);
