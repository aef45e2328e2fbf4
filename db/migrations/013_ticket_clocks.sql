-- Ticket clocks (issue 5): the clock worker (workers/ticket-clocks.ts) keeps a delayed job for each open ticket's
-- next due time and marks a ticket overdue when a clock runs out (core/tickets/clocks.ts).
--
-- How a change reaches the worker: the database says so itself. A step added to a ticket's timeline, a change of
-- its type, urgency, estate or responsible organisation, new time limits for its organisation or estate, or an
-- edit of the work calendar mark the ticket `clocks_stale` in the same transaction, and NOTIFY `hotline_ticket_clocks` (the ticket's id, or '*'
-- for many tickets) once it commits. A listening worker reviews the ticket at once; a worker that was down, or
-- lost its connection, reviews every stale ticket when it comes back. So no producer (the API, the IVR, other
-- workers) has to remember to tell it, and nothing is missed while it is away.
ALTER TABLE tickets
  -- a clock of the ticket ran out and has not stopped (searchable: the supervisors' "overdue" filter)
  ADD COLUMN overdue       boolean NOT NULL DEFAULT false,
  -- when its next running clock is due (the worker's delayed job fires then); null when none runs
  ADD COLUMN next_due_at   timestamptz,
  -- the clocks must be reviewed: set by the triggers below, cleared by the worker's review
  ADD COLUMN clocks_stale  boolean NOT NULL DEFAULT false;
-- the open tickets that have a timeline (older ones have no clocks: migration 010) are reviewed once
UPDATE tickets t SET clocks_stale = true
 WHERE status NOT IN ('closed', 'invalid') AND EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id);

CREATE INDEX tickets_overdue ON tickets (created_at DESC) WHERE overdue;
CREATE INDEX tickets_next_due ON tickets (next_due_at) WHERE next_due_at IS NOT NULL;
CREATE INDEX tickets_clocks_stale ON tickets (id) WHERE clocks_stale;

-- A step of the timeline (but the worker's own 'overdue' steps) makes the ticket's clocks stale.
CREATE FUNCTION ticket_clocks_step() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE tickets SET clocks_stale = true WHERE id = NEW.ticket_id AND NOT clocks_stale;
  PERFORM pg_notify('hotline_ticket_clocks', NEW.ticket_id::text);
  RETURN NULL;
END $$;
-- Not for the steps beside the lifecycle, which start, stop and pause no clock: the workers' own overdue marks,
-- notes and files (migration 014), escalations, severity and facts (migration 015).
CREATE TRIGGER ticket_events_clocks AFTER INSERT ON ticket_events
  FOR EACH ROW WHEN (NEW.kind NOT IN ('overdue', 'note', 'attach', 'escalate', 'severity', 'facts'))
  EXECUTE FUNCTION ticket_clocks_step();

-- So does a change of what the clocks depend on: the ticket's type, urgency, estate or organisation, for an open
-- ticket with a timeline (a new ticket gets its estate before its first step; the demo data's bulk updates touch
-- tickets without one).
CREATE FUNCTION ticket_clocks_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status NOT IN ('closed', 'invalid') AND EXISTS (SELECT 1 FROM ticket_events WHERE ticket_id = NEW.id) THEN
    NEW.clocks_stale := true;
    PERFORM pg_notify('hotline_ticket_clocks', NEW.id::text);
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER tickets_clocks BEFORE UPDATE OF type, urgent, estate_id, responsible_org_id ON tickets
  FOR EACH ROW WHEN (OLD.type IS DISTINCT FROM NEW.type OR OLD.urgent IS DISTINCT FROM NEW.urgent
                     OR OLD.estate_id IS DISTINCT FROM NEW.estate_id
                     OR OLD.responsible_org_id IS DISTINCT FROM NEW.responsible_org_id)
  EXECUTE FUNCTION ticket_clocks_ticket();

-- New time limits for an organisation or an estate: its open tickets are due at other times.
CREATE FUNCTION ticket_clocks_limits() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'organisations' THEN
    UPDATE tickets SET clocks_stale = true
     WHERE responsible_org_id = NEW.id AND status NOT IN ('closed', 'invalid') AND NOT clocks_stale
       AND EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = tickets.id);
  ELSE
    UPDATE tickets SET clocks_stale = true
     WHERE estate_id = NEW.id AND status NOT IN ('closed', 'invalid') AND NOT clocks_stale
       AND EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = tickets.id);
  END IF;
  PERFORM pg_notify('hotline_ticket_clocks', '*');
  RETURN NULL;
END $$;
CREATE TRIGGER organisations_ticket_limits AFTER UPDATE OF ticket_limits ON organisations
  FOR EACH ROW WHEN (OLD.ticket_limits IS DISTINCT FROM NEW.ticket_limits) EXECUTE FUNCTION ticket_clocks_limits();
CREATE TRIGGER estates_ticket_limits AFTER UPDATE OF ticket_limits ON estates
  FOR EACH ROW WHEN (OLD.ticket_limits IS DISTINCT FROM NEW.ticket_limits) EXECUTE FUNCTION ticket_clocks_limits();

-- An edit of the work calendar (a holiday, a make-up working day, a year covered) moves working-day due times: the
-- open tickets with a clock running are reviewed ('calendar': the worker taking the reconciliation loads the
-- calendar again first).
CREATE FUNCTION ticket_clocks_calendar() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE tickets SET clocks_stale = true
   WHERE next_due_at IS NOT NULL AND status NOT IN ('closed', 'invalid') AND NOT clocks_stale;
  PERFORM pg_notify('hotline_ticket_clocks', 'calendar');
  RETURN NULL;
END $$;
CREATE TRIGGER work_calendar_days_clocks AFTER INSERT OR UPDATE OR DELETE ON work_calendar_days
  FOR EACH STATEMENT EXECUTE FUNCTION ticket_clocks_calendar();
CREATE TRIGGER work_calendar_years_clocks AFTER INSERT OR UPDATE OR DELETE ON work_calendar_years
  FOR EACH STATEMENT EXECUTE FUNCTION ticket_clocks_calendar();
