-- Tickets (issue 5): the fields of a ticket's life (core/tickets/lifecycle.ts TicketState) and its timeline, one
-- row per step, from which the ticket can be rebuilt (replayTimeline) and its clocks run (core/tickets/clocks.ts).
-- Older tickets (the walking skeleton's, the demo's) have no steps before this migration: their timeline starts
-- with the row as it is.
ALTER TABLE tickets
  ADD CONSTRAINT tickets_status CHECK (status IN ('registered', 'verified', 'dispatched', 'planned', 'in-progress',
                                                  'resolved', 'revisited', 'reopened', 'closed', 'invalid')),
  -- a complaint's or compensation claim's content category, as the monthly reports group them
  ADD COLUMN complaint_category text CHECK (complaint_category IN ('工程质量', '规划设计', '销售管理', '客户服务',
                                                                   '物业管理', '其他')),
  -- the department it is dispatched to; kept when it is reopened
  ADD COLUMN department    text CHECK (length(department) BETWEEN 1 AND 100),
  -- this round's handling plan agreed with the owner and what was done (cleared when reopened)
  ADD COLUMN plan          text CHECK (length(plan) <= 4000),
  ADD COLUMN resolution    text CHECK (length(resolution) <= 4000),
  ADD COLUMN satisfaction  text CHECK (satisfaction IN ('satisfied', 'unsatisfied')),
  ADD COLUMN reopen_count  integer NOT NULL DEFAULT 0,
  -- waiting for the owner since (pauses the clocks that pause); null when not waiting
  ADD COLUMN waiting_since timestamptz,
  -- a supervisor's forced closure: reason, date and evidence (lifecycle.ts ForcedClosure)
  ADD COLUMN forced_closure jsonb;

CREATE INDEX tickets_department_open ON tickets (department, created_at DESC)
  WHERE status NOT IN ('closed', 'invalid');

CREATE TABLE ticket_events (
  id          bigserial PRIMARY KEY,
  ticket_id   bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
  at          timestamptz NOT NULL,
  -- the action (lifecycle.ts ActionKind) or 'register'
  kind        text NOT NULL,
  by_role     text NOT NULL CHECK (by_role IN ('agent', 'department', 'supervisor', 'system')),
  by_id       integer,
  by_name     text,
  from_status text,
  to_status   text NOT NULL,
  wait_ended  boolean NOT NULL DEFAULT false,
  -- the action's data: department, plan, resolution, satisfaction, note, forced closure
  detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, at, id);
