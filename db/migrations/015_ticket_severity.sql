-- Severity (issue 5): how serious a complaint or compensation claim is, computed from its facts
-- (core/tickets/severity.ts) and kept with the ticket; the facts the rules need, as the agent records them; the
-- same-issue key (core/tickets/same-issue.ts) that groups the cases of one project counted together.
-- Tickets filed before this migration have no key: they count for no other case until their facts are updated.
ALTER TABLE tickets
  -- people complaining together on this case (联名投诉); 1 for one owner
  ADD COLUMN complainants           integer NOT NULL DEFAULT 1 CHECK (complainants BETWEEN 1 AND 100000),
  -- compensation or refund asked, in total for the case, in fen; null when none
  ADD COLUMN compensation_asked_fen bigint CHECK (compensation_asked_fen > 0),
  ADD COLUMN litigation             text NOT NULL DEFAULT 'none' CHECK (litigation IN ('none', 'threatened', 'filed')),
  ADD COLUMN media                  text NOT NULL DEFAULT 'none' CHECK (media IN ('none', 'threatened', 'reported')),
  -- the complaint is about the whole estate (its grounds, its gate), not the unit's building
  ADD COLUMN whole_estate           boolean NOT NULL DEFAULT false,
  -- the household the case is about: its unit, or the owner's only unit (counted for "households")
  ADD COLUMN household_unit_id      integer REFERENCES units (id),
  -- category | building | keyword; null when the case cannot be compared (no category, no estate or building)
  ADD COLUMN issue_key              text,
  ADD COLUMN severity               text NOT NULL DEFAULT 'ordinary'
    CHECK (severity IN ('ordinary', 'hot', 'major', 'major-group', 'crisis')),
  -- the reasons a supervisor dismissed by lowering the severity (they do not raise it again)
  ADD COLUMN severity_dismissed     text[] NOT NULL DEFAULT '{}',
  -- the reasons that held at the last assessment, highest level first (severity.ts SeverityReason)
  ADD COLUMN severity_reasons       jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(severity_reasons) = 'array'),
  ADD COLUMN severity_assessed_at   timestamptz;

-- The similar cases of one: same project, same key, registered within the window around it or still open.
CREATE INDEX tickets_same_issue ON tickets (estate_id, issue_key, created_at) WHERE issue_key IS NOT NULL;
CREATE INDEX tickets_same_issue_open ON tickets (estate_id, issue_key)
  WHERE issue_key IS NOT NULL AND status NOT IN ('closed', 'invalid');
-- The complaints the periodic review looks at: not yet resolved, by intake.
CREATE INDEX tickets_unresolved_complaints ON tickets (created_at)
  WHERE type IN ('complaint', 'compensation') AND status NOT IN ('resolved', 'revisited', 'closed', 'invalid');
