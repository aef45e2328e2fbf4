-- The owner's outbound history in the screen pop (issue 6): the revisit results of all the owner's tickets, closed
-- ones included (tickets_owner_open covers only the open ones), found by an index instead of a scan of every ticket.
CREATE INDEX tickets_owner ON tickets (owner_id, created_at DESC);
