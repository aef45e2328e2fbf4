-- Wrap-up: the agent closes each call with a disposition code, an optional note and the ticket it concerned.
ALTER TABLE calls
  ADD COLUMN disposition text,
  ADD COLUMN wrap_up_note text,
  ADD COLUMN ticket_id bigint REFERENCES tickets (id),
  ADD COLUMN wrapped_up_at timestamptz;
