-- Organisations (issue 5). An estate has a developer and a property company; a case about one of its units is the
-- developer's until `developer_months` after the unit's delivery, the property company's after that
-- (core/tickets/responsibility.ts), and the developer supervises the property company's cases. Each organisation
-- has departments that work the tickets dispatched to them (派单); department staff sign in with role
-- 'department'. Staff belong to an organisation; agents serve some estates (agent_estates) and see their tickets.

CREATE TABLE organisations (
  id               serial PRIMARY KEY,
  code             text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9-]{2,32}$'),
  name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  kind             text NOT NULL CHECK (kind IN ('developer', 'property-company')),
  -- a developer: months after delivery during which it owns a unit's cases
  developer_months integer NOT NULL DEFAULT 3 CHECK (developer_months BETWEEN 0 AND 120),
  -- time limits that replace the defaults for this organisation's cases (core/tickets/clocks.ts ClockLimits)
  ticket_limits    jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(ticket_limits) = 'object')
);

CREATE TABLE departments (
  id              serial PRIMARY KEY,
  organisation_id integer NOT NULL REFERENCES organisations (id),
  -- what a ticket's `department` holds
  code            text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9-]{2,32}$'),
  name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  active          boolean NOT NULL DEFAULT true
);

ALTER TABLE estates
  ADD COLUMN developer_id        integer REFERENCES organisations (id),
  ADD COLUMN property_company_id integer REFERENCES organisations (id),
  -- time limits for this estate's cases, over the organisation's
  ADD COLUMN ticket_limits       jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(ticket_limits) = 'object');

ALTER TABLE agents DROP CONSTRAINT agents_role_check;
ALTER TABLE agents
  ADD CONSTRAINT agents_role_check CHECK (role IN ('agent', 'department', 'supervisor', 'admin')),
  ADD COLUMN organisation_id integer REFERENCES organisations (id),
  ADD COLUMN department_id   integer REFERENCES departments (id),
  ADD CONSTRAINT agents_department_staff CHECK (role <> 'department' OR department_id IS NOT NULL);

-- The estates an agent serves: the tickets the agent sees (besides those the agent registered).
CREATE TABLE agent_estates (
  agent_id  integer NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  estate_id integer NOT NULL REFERENCES estates (id) ON DELETE CASCADE,
  PRIMARY KEY (agent_id, estate_id)
);
CREATE INDEX agent_estates_estate ON agent_estates (estate_id);

-- A ticket's estate (from its unit, or the caller's only estate) and the organisation that owns it.
ALTER TABLE tickets
  ADD COLUMN estate_id          integer REFERENCES estates (id),
  ADD COLUMN responsible_org_id integer REFERENCES organisations (id);
UPDATE tickets t
   SET estate_id = b.estate_id
  FROM units u JOIN buildings b ON b.id = u.building_id
 WHERE u.id = t.unit_id;
CREATE INDEX tickets_estate ON tickets (estate_id, created_at DESC);
CREATE INDEX tickets_responsible_org ON tickets (responsible_org_id, created_at DESC);

-- A ticket is dispatched to a department by its code. NOT VALID: tickets written before departments existed keep
-- the free text they had; every new dispatch must name a department.
ALTER TABLE tickets
  ADD CONSTRAINT tickets_department_fk FOREIGN KEY (department) REFERENCES departments (code) NOT VALID;
