-- The dialer's side of outbound campaigns (issue 6, workers/dialer.ts and workers/campaigns.ts).
--
-- Status changes reach the workers through the database, like the ticket clocks (migration 013): the API only
-- writes campaign rows; a trigger NOTIFYs `hotline_campaigns` with the campaign's id when its status changes, and
-- the scheduler reacts (running: select the targets, queue what is due; paused: nothing new is dialled; cancelled:
-- the queued attempts are dropped). A worker that was away catches up in its reconciliation (at start, on
-- reconnect, every few minutes), so nothing depends on a notice being heard.
CREATE FUNCTION campaigns_status_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('hotline_campaigns', NEW.id::text);
  RETURN NULL;
END $$;
CREATE TRIGGER campaigns_status AFTER UPDATE OF status ON campaigns
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION campaigns_status_notify();
CREATE TRIGGER campaigns_created AFTER INSERT ON campaigns
  FOR EACH ROW WHEN (NEW.status IN ('scheduled', 'running')) EXECUTE FUNCTION campaigns_status_notify();

ALTER TABLE campaigns
  -- when the targets were picked (once, when the campaign first runs)
  ADD COLUMN targets_at timestamptz;

-- Automatic revisits: a ticket that needs one (core/tickets/types.ts needsRevisit: complaint, compensation,
-- repair) and becomes resolved is marked revisit_due in the same transaction and announced ('revisits'); the
-- scheduler gives it a target in its trunk's standing revisit campaign and clears the mark. A worker that was
-- down finds the marks when it starts.
ALTER TABLE tickets ADD COLUMN revisit_due boolean NOT NULL DEFAULT false;
CREATE INDEX tickets_revisit_due ON tickets (id) WHERE revisit_due;

CREATE FUNCTION tickets_revisit_due() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.revisit_due := true;
  PERFORM pg_notify('hotline_campaigns', 'revisits');
  RETURN NEW;
END $$;
CREATE TRIGGER tickets_revisit_due BEFORE UPDATE OF status ON tickets
  FOR EACH ROW WHEN (NEW.status = 'resolved' AND OLD.status IS DISTINCT FROM 'resolved'
                     AND NEW.type IN ('complaint', 'compensation', 'repair'))
  EXECUTE FUNCTION tickets_revisit_due();

-- The dialer's questions: is the owner on a call (an inbound call up; another campaign's attempt up), how fast
-- has a campaign been dialling lately (the ETA)
CREATE INDEX calls_owner_up ON calls (owner_id) WHERE ended_at IS NULL;
CREATE INDEX call_attempts_live_target ON call_attempts (target_id) WHERE status IN ('dialling', 'answered');
CREATE INDEX call_attempts_ended ON call_attempts (campaign_id, ended_at) WHERE ended_at IS NOT NULL;
CREATE INDEX call_attempts_queued ON call_attempts (campaign_id, due_at, id) WHERE status = 'queued';
CREATE INDEX call_attempts_queued_id ON call_attempts (campaign_id, id) WHERE status = 'queued';

-- A trunk's standing revisit campaign (the automatic revisits of resolved tickets, created by the workers): it
-- never completes, since resolved tickets keep coming.
ALTER TABLE campaigns ADD COLUMN standing boolean NOT NULL DEFAULT false;
