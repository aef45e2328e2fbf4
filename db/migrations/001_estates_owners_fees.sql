-- Estates -> buildings -> units; owners with several phone numbers and several units; fees in arrears.

CREATE TABLE estates (
  id             serial PRIMARY KEY,
  code           text NOT NULL UNIQUE,
  name           text NOT NULL,
  -- the number owners dial for this estate (one hotline may serve several estates)
  hotline_number text
);

CREATE TABLE buildings (
  id        serial PRIMARY KEY,
  estate_id integer NOT NULL REFERENCES estates (id),
  code      text NOT NULL,            -- "B3"
  name      text NOT NULL,            -- "3号楼"
  UNIQUE (estate_id, code)
);

CREATE TABLE units (
  id            serial PRIMARY KEY,
  building_id   integer NOT NULL REFERENCES buildings (id),
  room_code     text NOT NULL,        -- "B3-1502": building, floor and room
  delivery_date date NOT NULL,        -- 交付日期: decides who owns a complaint
  UNIQUE (building_id, room_code)
);
CREATE INDEX units_room_code ON units (room_code);

CREATE TABLE owners (
  id         bigserial PRIMARY KEY,
  name       text NOT NULL,
  vip        boolean NOT NULL DEFAULT false,
  language   text NOT NULL DEFAULT 'zh' CHECK (language IN ('zh', 'en')),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Numbers are stored normalised (core/phone.ts): mainland mobiles as 11 digits, landlines with area code.
CREATE TABLE owner_phones (
  owner_id bigint NOT NULL REFERENCES owners (id) ON DELETE CASCADE,
  number   text NOT NULL CHECK (number ~ '^[0-9]{5,15}$'),
  label    text NOT NULL DEFAULT 'mobile',
  PRIMARY KEY (number, owner_id)
);
CREATE INDEX owner_phones_owner ON owner_phones (owner_id);

CREATE TABLE owner_units (
  owner_id bigint  NOT NULL REFERENCES owners (id) ON DELETE CASCADE,
  unit_id  integer NOT NULL REFERENCES units (id),
  PRIMARY KEY (owner_id, unit_id)
);
CREATE INDEX owner_units_unit ON owner_units (unit_id);

CREATE TABLE fee_items (
  id         bigserial PRIMARY KEY,
  unit_id    integer NOT NULL REFERENCES units (id),
  kind       text NOT NULL CHECK (kind IN ('property', 'water', 'electricity', 'gas', 'parking')),
  amount_fen bigint NOT NULL CHECK (amount_fen > 0),  -- 1 yuan = 100 fen
  due_date   date NOT NULL,
  paid_at    timestamptz
);
CREATE INDEX fee_items_unpaid ON fee_items (unit_id) WHERE paid_at IS NULL;
