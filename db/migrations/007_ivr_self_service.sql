-- IVR self-service (issue 3): identification by room code and PIN, tickets filed by the IVR or from a voicemail
-- with their expected completion, estate notices, and each estate's opening hours.

-- The room code as a caller keys it: its digits only ("B3-1502" -> "31502").
ALTER TABLE units
  ADD COLUMN keypad_code text GENERATED ALWAYS AS (regexp_replace(room_code, '\D', '', 'g')) STORED;
CREATE INDEX units_keypad_code ON units (keypad_code);

-- An owner's own IVR PIN (scrypt, core/password.ts). Without one, the last 4 digits of a registered phone verify.
ALTER TABLE owners ADD COLUMN ivr_pin_hash text;

ALTER TABLE tickets
  ADD COLUMN category         text,               -- what the caller chose in the flow ("water", "power", ...)
  ADD COLUMN urgent           boolean NOT NULL DEFAULT false,
  ADD COLUMN channel          text NOT NULL DEFAULT 'agent' CHECK (channel IN ('agent', 'ivr', 'voicemail')),
  ADD COLUMN recording        text,               -- the voicemail's recording name
  ADD COLUMN expected_done_at timestamptz;        -- what the owner was told (db/self-service.ts expectedCompletion)

-- Opening hours are evaluated in the estate's time zone; on mainland public holidays the hotline is off duty
-- unless open_on_holidays.
ALTER TABLE estates
  ADD COLUMN timezone         text NOT NULL DEFAULT 'Asia/Shanghai',
  ADD COLUMN open_on_holidays boolean NOT NULL DEFAULT false;
CREATE INDEX estates_hotline_number ON estates (hotline_number);

-- When agents are on duty, per ISO weekday (Monday = 1). An estate without rows is open 08:00-20:00 every day
-- (core/calendar.ts defaultOpeningHours). Hours end by midnight ('24:00' allowed); a night shift is two rows.
CREATE TABLE estate_hours (
  estate_id integer  NOT NULL REFERENCES estates (id) ON DELETE CASCADE,
  weekday   smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
  opens     time     NOT NULL,
  closes    time     NOT NULL,
  PRIMARY KEY (estate_id, weekday),
  CHECK (closes > opens)
);

-- A notice's building must be in the notice's estate.
ALTER TABLE buildings ADD CONSTRAINT buildings_id_estate UNIQUE (id, estate_id);

-- Estate notices (停水, 停电, 停气, 施工, 台风...). The IVR reads kind, building and times; title and body are for
-- the agent page.
CREATE TABLE notices (
  id          bigserial PRIMARY KEY,
  estate_id   integer NOT NULL REFERENCES estates (id),
  building_id integer,                               -- null: the whole estate
  kind        text NOT NULL CHECK (kind IN ('water-cut', 'power-cut', 'gas-cut', 'works', 'storm', 'other')),
  title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  body        text NOT NULL DEFAULT '' CHECK (length(body) <= 4000),
  starts_at   timestamptz NOT NULL,
  ends_at     timestamptz,                           -- null: until further notice
  created_at  timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (building_id, estate_id) REFERENCES buildings (id, estate_id),
  CHECK (ends_at > starts_at)
);
CREATE INDEX notices_estate_start ON notices (estate_id, starts_at);
