-- Tickets are locked in id order by every statement that locks many of them, so two such statements wait for one
-- another instead of deadlocking. The automatic revisits (db/campaigns.ts takeDueRevisits) lock the tickets due
-- for a revisit ORDER BY id FOR UPDATE; migration 013's triggers marked tickets stale with a plain UPDATE, which
-- locks rows in the order it finds them: an admin entering a holiday while the scheduler took revisits could be
-- refused with "deadlock detected" (seen in a stack test). They now lock first, in id order.
--
-- (Number 018 was left free when 019 landed; migrations apply by name, so databases that have 019 take it too.)
CREATE OR REPLACE FUNCTION ticket_clocks_limits() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'organisations' THEN
    UPDATE tickets SET clocks_stale = true
     WHERE id IN (SELECT t.id FROM tickets t
                   WHERE t.responsible_org_id = NEW.id AND t.status NOT IN ('closed', 'invalid') AND NOT t.clocks_stale
                     AND EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id)
                   ORDER BY t.id FOR UPDATE);
  ELSE
    UPDATE tickets SET clocks_stale = true
     WHERE id IN (SELECT t.id FROM tickets t
                   WHERE t.estate_id = NEW.id AND t.status NOT IN ('closed', 'invalid') AND NOT t.clocks_stale
                     AND EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id)
                   ORDER BY t.id FOR UPDATE);
  END IF;
  PERFORM pg_notify('hotline_ticket_clocks', '*');
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION ticket_clocks_calendar() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE tickets SET clocks_stale = true
   WHERE id IN (SELECT t.id FROM tickets t
                 WHERE t.next_due_at IS NOT NULL AND t.status NOT IN ('closed', 'invalid') AND NOT t.clocks_stale
                 ORDER BY t.id FOR UPDATE);
  PERFORM pg_notify('hotline_ticket_clocks', 'calendar');
  RETURN NULL;
END $$;
