-- The work calendar in the database (issue 5): mainland public holidays and make-up working days, seeded from the
-- chinese-days package at every start (db/work-calendar.ts seedWorkCalendar) and edited by admins. The package may
-- not know next year yet, so an admin enters it and marks the year covered.

-- A special day. kind 'ordinary' is an admin's removal of a day the package lists (the seed never brings it
-- back): the day counts as Monday-Friday working, Saturday-Sunday off. An admin's row (source 'admin') is never
-- overwritten by the seed; a package row follows the package (package_version: the version that wrote it).
CREATE TABLE work_calendar_days (
  day             date PRIMARY KEY,
  kind            text NOT NULL CHECK (kind IN ('holiday', 'make-up-workday', 'ordinary')),
  -- 国庆节; for a make-up working day, the holiday it makes up for; '' for an ordinary day
  name            text NOT NULL DEFAULT '' CHECK (length(name) <= 32),
  source          text NOT NULL CHECK (source IN ('package', 'admin')),
  package_version text,
  -- the admin's agent id and their name then; no foreign key: the demo data's reset empties the agents
  changed_by      integer,
  changed_by_name text,
  changed_at      timestamptz NOT NULL DEFAULT now(),
  -- Monday to Friday are working days anyway
  CONSTRAINT make_up_workday_on_a_weekend CHECK (kind <> 'make-up-workday' OR extract(isodow FROM day) >= 6),
  CONSTRAINT special_day_has_a_name CHECK (kind = 'ordinary' OR name <> ''),
  CONSTRAINT only_admins_clear_a_day CHECK (kind <> 'ordinary' OR source = 'admin')
);

-- Which years' schedules are known. No row, or covered false: a due time counted in working days that falls in
-- the year is flagged for supervisors (calendarUnknown). The seed marks the package's years covered unless an
-- admin has said otherwise for the year.
CREATE TABLE work_calendar_years (
  year            integer PRIMARY KEY CHECK (year BETWEEN 1900 AND 2999),
  covered         boolean NOT NULL,
  source          text NOT NULL CHECK (source IN ('package', 'admin')),
  package_version text,
  changed_by      integer,
  changed_by_name text,
  changed_at      timestamptz NOT NULL DEFAULT now()
);
