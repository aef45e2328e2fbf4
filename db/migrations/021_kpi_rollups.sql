-- The managers' figures (issue 7 "Reports", core/reports/kpis.ts says what each one means): daily aggregates per
-- estate, queue and agent, so a month's report sums a few thousand rows instead of scanning millions of calls.
--
-- How they stay exact: a day is never patched, it is recomputed whole from the raw rows (db/reports.ts
-- refreshKpiDays, the same SQL the figures are defined by). A change to a row a day's figures depend on marks the
-- day dirty (kpi_dirty_days) in the same transaction, by the triggers below, so no producer has to remember it;
-- a report takes the marks of its period (one DELETE, so a call's update never waits for a report), recomputes
-- those days under an advisory lock, then sums; a change committed after the marks were taken marks its day again
-- for the next report, and a failed recomputation puts its marks back. Days belong to Asia/Shanghai:
--   calls       the day the call started (calls.started_at); the first-call resolution of a call also depends on
--               the owner's next calls within 7 days, so a call marks the days of the owner's calls of the 7
--               days before it as well;
--   tickets     the day the ticket was registered (tickets.created_at): ticket figures are for the tickets
--               registered in the period, as they stand now (their steps, overdue marks and revisits since);
--   agents      the days an agent's state lasted (agent_state_changes): a change ends the previous state, so it
--               marks every day from the previous change's day to its own; the current day is always
--               recomputed (the state running now keeps counting).

-- The service level's threshold X (answered within X seconds), per queue; DOMAIN: three rings, 15 s.
ALTER TABLE queues
  ADD COLUMN service_level_s integer NOT NULL DEFAULT 15 CHECK (service_level_s BETWEEN 1 AND 600);

-- The estate a call is about, fixed when the call ends (so the figures of its day do not move when an estate's
-- hotline number changes later): the estate whose hotline number was dialled, when only one estate has it; else
-- the estate of the owner's units, when they are all in one; else none (the call counts in the figures of all
-- estates only). No foreign key: the demo data's reset empties estates and calls in its own order.
ALTER TABLE calls ADD COLUMN estate_id integer;

CREATE FUNCTION calls_estate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.estate_id := coalesce(
    (SELECT min(e.id) FROM estates e
      WHERE e.hotline_number = NEW.dialled_number AND NEW.direction = 'inbound' HAVING count(*) = 1),
    (SELECT min(b.estate_id) FROM owner_units ou JOIN units u ON u.id = ou.unit_id
       JOIN buildings b ON b.id = u.building_id
      WHERE ou.owner_id = NEW.owner_id HAVING count(DISTINCT b.estate_id) = 1));
  RETURN NEW;
END $$;
CREATE TRIGGER calls_estate BEFORE INSERT OR UPDATE OF ended_at ON calls
  FOR EACH ROW WHEN (NEW.ended_at IS NOT NULL AND NEW.estate_id IS NULL) EXECUTE FUNCTION calls_estate();

-- A day's tickets, found by their registration (the other indexes on created_at lead with an estate or an owner).
CREATE INDEX tickets_created ON tickets (created_at);

-- The marks. Keyed by the backend that wrote them as well: two transactions marking the same new day would wait
-- for one another on the key (an INSERT ... ON CONFLICT waits for an uncommitted row of the same key), and two
-- that mark a call's day and a ticket's day in opposite orders would deadlock. A backend runs one transaction at a
-- time, so with its pid in the key no transaction ever waits for another's mark.
CREATE TABLE kpi_dirty_days (
  kind text NOT NULL CHECK (kind IN ('calls', 'tickets', 'agents')),
  day  date NOT NULL,
  pid  integer NOT NULL DEFAULT pg_backend_pid(),
  PRIMARY KEY (kind, day, pid)
);

-- Inbound calls that reached a queue and ended, per day, estate (0: none), queue and agent (0: none).
CREATE TABLE kpi_call_days (
  day             date NOT NULL,
  estate_id       integer NOT NULL,
  queue           text NOT NULL,
  agent_id        integer NOT NULL,
  queued          integer NOT NULL,
  short_abandoned integer NOT NULL,
  offered         integer NOT NULL,
  answered        integer NOT NULL,
  answered_in_sl  integer NOT NULL,
  answer_wait_s   double precision NOT NULL,
  abandoned       integer NOT NULL,
  handle_s        double precision NOT NULL,
  fcr_calls       integer NOT NULL,
  fcr_resolved    integer NOT NULL,
  PRIMARY KEY (day, estate_id, queue, agent_id)
);

-- Tickets registered per day, estate (0: none), registering agent (0: none), type and complaint category ('').
CREATE TABLE kpi_ticket_days (
  day                date NOT NULL,
  estate_id          integer NOT NULL,
  agent_id           integer NOT NULL,
  type               text NOT NULL,
  category           text NOT NULL,
  registered         integer NOT NULL,
  resolved           integer NOT NULL,
  invalid            integer NOT NULL,
  reply_decided      integer NOT NULL,
  reply_in_time      integer NOT NULL,
  revisit_decided    integer NOT NULL,
  revisit_in_time    integer NOT NULL,
  repair_decided     integer NOT NULL,
  repair_in_time     integer NOT NULL,
  repair_reopened    integer NOT NULL,
  revisit_answers    integer NOT NULL,
  revisit_satisfied  integer NOT NULL,
  PRIMARY KEY (day, estate_id, agent_id, type, category)
);

-- Agents' time per day and state group, in seconds.
CREATE TABLE kpi_agent_days (
  day        date NOT NULL,
  agent_id   integer NOT NULL,
  staffed_s  double precision NOT NULL,
  handling_s double precision NOT NULL,
  PRIMARY KEY (day, agent_id)
);

CREATE FUNCTION kpi_mark_day(k text, at timestamptz) RETURNS void LANGUAGE sql AS $$
  INSERT INTO kpi_dirty_days (kind, day) VALUES (k, (at AT TIME ZONE 'Asia/Shanghai')::date)
  ON CONFLICT DO NOTHING
$$;

CREATE FUNCTION kpi_calls_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM kpi_mark_day('calls', OLD.started_at); END IF;
  IF TG_OP <> 'DELETE' THEN
    PERFORM kpi_mark_day('calls', NEW.started_at);
    -- a call from an owner decides whether the owner's calls of the 7 days before were resolved at first call
    IF NEW.owner_id IS NOT NULL AND NEW.direction = 'inbound'
       AND (TG_OP = 'INSERT' OR OLD.owner_id IS DISTINCT FROM NEW.owner_id) THEN
      INSERT INTO kpi_dirty_days (kind, day)
      SELECT DISTINCT 'calls', (c.started_at AT TIME ZONE 'Asia/Shanghai')::date FROM calls c
       WHERE c.owner_id = NEW.owner_id AND c.started_at >= NEW.started_at - interval '7 days'
         AND c.started_at < NEW.started_at
      ON CONFLICT DO NOTHING;
    END IF;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER calls_kpi AFTER INSERT OR UPDATE OR DELETE ON calls
  FOR EACH ROW EXECUTE FUNCTION kpi_calls_dirty();

CREATE FUNCTION kpi_tickets_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'tickets' THEN
    IF TG_OP <> 'INSERT' THEN PERFORM kpi_mark_day('tickets', OLD.created_at); END IF;
    IF TG_OP <> 'DELETE' THEN PERFORM kpi_mark_day('tickets', NEW.created_at); END IF;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM kpi_mark_day('tickets', t.created_at) FROM tickets t WHERE t.id = OLD.ticket_id;
  ELSE
    PERFORM kpi_mark_day('tickets', t.created_at) FROM tickets t WHERE t.id = NEW.ticket_id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER tickets_kpi AFTER INSERT OR UPDATE OR DELETE ON tickets
  FOR EACH ROW EXECUTE FUNCTION kpi_tickets_dirty();
CREATE TRIGGER ticket_events_kpi AFTER INSERT OR UPDATE OR DELETE ON ticket_events
  FOR EACH ROW EXECUTE FUNCTION kpi_tickets_dirty();
CREATE TRIGGER ticket_revisits_kpi AFTER INSERT OR UPDATE OR DELETE ON ticket_revisits
  FOR EACH ROW EXECUTE FUNCTION kpi_tickets_dirty();

CREATE FUNCTION kpi_agents_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  since timestamptz;
  until timestamptz;
BEGIN
  -- the state before it ends here now; its own state lasts until the next change (one written out of order)
  SELECT max(s.at) INTO since FROM agent_state_changes s
   WHERE s.agent_id = NEW.agent_id AND s.at <= NEW.at AND s.id <> NEW.id;
  SELECT min(s.at) INTO until FROM agent_state_changes s WHERE s.agent_id = NEW.agent_id AND s.at > NEW.at;
  INSERT INTO kpi_dirty_days (kind, day)
  SELECT 'agents', d::date
    FROM generate_series((greatest(coalesce(since, NEW.at), NEW.at - interval '400 days')
                           AT TIME ZONE 'Asia/Shanghai')::date,
                         (least(coalesce(until, NEW.at), NEW.at + interval '400 days')
                           AT TIME ZONE 'Asia/Shanghai')::date, interval '1 day') AS d
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER agent_state_changes_kpi AFTER INSERT ON agent_state_changes
  FOR EACH ROW EXECUTE FUNCTION kpi_agents_dirty();

-- The days of the rows already there are computed by the first report.
INSERT INTO kpi_dirty_days (kind, day)
SELECT DISTINCT 'calls', (started_at AT TIME ZONE 'Asia/Shanghai')::date FROM calls
UNION SELECT DISTINCT 'tickets', (created_at AT TIME ZONE 'Asia/Shanghai')::date FROM tickets
UNION SELECT 'agents', d::date
        FROM agent_state_changes s,
             generate_series((SELECT (min(at) AT TIME ZONE 'Asia/Shanghai')::date FROM agent_state_changes),
                             (SELECT (max(at) AT TIME ZONE 'Asia/Shanghai')::date FROM agent_state_changes),
                             interval '1 day') AS d
       WHERE s.id = (SELECT min(id) FROM agent_state_changes);
