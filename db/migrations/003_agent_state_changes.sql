-- Every change of an agent's state, with its time: the base of occupancy, handle time and the wallboard's
-- history. Written from the Redis stream the ACD appends to (cti/state-log-recorder.ts), so a PostgreSQL outage
-- loses none of them.
CREATE TABLE agent_state_changes (
  id        bigserial PRIMARY KEY,
  agent_id  integer NOT NULL REFERENCES agents (id),
  state     text NOT NULL,
  reason    text,
  call_id   uuid,
  at        timestamptz NOT NULL,
  stream_id text NOT NULL UNIQUE   -- the Redis stream entry, so a replay never writes a change twice
);
CREATE INDEX agent_state_changes_agent ON agent_state_changes (agent_id, at);
