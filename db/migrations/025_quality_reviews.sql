-- Quality assurance (质检, issue 7; core/quality.ts): the scoring form in versions (the last is in use; a sample
-- keeps the version it was drawn with), the sampling settings, and the samples: calls drawn at random for an
-- agent and a period, scored by a team leader.
CREATE TABLE qa_forms (
  id         serial PRIMARY KEY,
  -- [{label, points}], 1-20 items
  items      jsonb NOT NULL CHECK (jsonb_typeof(items) = 'array' AND jsonb_array_length(items) BETWEEN 1 AND 20),
  created_by integer REFERENCES agents (id),
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO qa_forms (items) VALUES ('[
  {"label": "问候语(报工号)Greeting with agent number", "points": 15},
  {"label": "核实业主身份 Identification", "points": 15},
  {"label": "问题解决 Solution", "points": 40},
  {"label": "服务态度 Courtesy", "points": 20},
  {"label": "结束语 Closing", "points": 10}
]');

-- One row: how many calls per agent, per which period.
CREATE TABLE qa_settings (
  id         boolean PRIMARY KEY DEFAULT true CHECK (id),
  per_agent  integer NOT NULL DEFAULT 3 CHECK (per_agent BETWEEN 1 AND 50),
  period     text NOT NULL DEFAULT 'week' CHECK (period IN ('day', 'week', 'month')),
  updated_by integer REFERENCES agents (id),
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO qa_settings DEFAULT VALUES;

CREATE TABLE qa_samples (
  id           bigserial PRIMARY KEY,
  call_id      uuid NOT NULL UNIQUE REFERENCES calls (id) ON DELETE CASCADE,
  agent_id     integer NOT NULL REFERENCES agents (id),
  -- '2026-12-07', '2026-W50' or '2026-12'
  period       text NOT NULL,
  period_kind  text NOT NULL CHECK (period_kind IN ('day', 'week', 'month')),
  form_id      integer NOT NULL REFERENCES qa_forms (id),
  drawn_at     timestamptz NOT NULL DEFAULT now(),
  -- one whole number per item of the form, once scored
  scores       integer[],
  total        integer,
  out_of       integer,
  comment      text CHECK (length(comment) <= 2000),
  reviewer_id  integer REFERENCES agents (id),
  scored_at    timestamptz,
  CHECK ((scores IS NULL) = (scored_at IS NULL))
);
CREATE INDEX qa_samples_agent ON qa_samples (agent_id, period_kind, period);
CREATE INDEX qa_samples_to_score ON qa_samples (drawn_at) WHERE scored_at IS NULL;
