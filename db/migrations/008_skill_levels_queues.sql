-- Skill-based routing (issue 4): an agent's skills carry a level, and each queue says who may take its calls.

-- skills: queue skill -> level, 1 (can take the call) to 9 (the expert), e.g. {"fees": 7, "general": 3}.
-- The agents of the walking skeleton keep their skills at level 5.
ALTER TABLE agents ADD COLUMN skill_levels jsonb NOT NULL DEFAULT '{"general": 5}';
UPDATE agents a
   SET skill_levels = (SELECT coalesce(jsonb_object_agg(s, 5), '{}') FROM unnest(a.skills) AS s);
ALTER TABLE agents DROP COLUMN skills;
ALTER TABLE agents RENAME COLUMN skill_levels TO skills;
ALTER TABLE agents ADD CONSTRAINT agents_skills_is_object CHECK (jsonb_typeof(skills) = 'object');

-- The queues a flow's `queue` node names (its skill). An agent takes a queue's calls with the queue's skill at
-- min_level or above. wrap_up_s: the wrap-up time after its calls (null: HOTLINE_WRAP_UP_S).
CREATE TABLE queues (
  name      text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9-]{1,31}$'),
  label_zh  text NOT NULL,
  label_en  text NOT NULL,
  min_level smallint NOT NULL DEFAULT 1 CHECK (min_level BETWEEN 1 AND 9),
  wrap_up_s integer CHECK (wrap_up_s BETWEEN 0 AND 3600)
);

INSERT INTO queues (name, label_zh, label_en, min_level, wrap_up_s) VALUES
  ('general',    '综合服务', 'General',                1, NULL),
  ('fees',       '缴费',     'Fees',                   1, NULL),
  ('repairs',    '报修',     'Repairs',                1, NULL),
  ('complaints', '投诉建议', 'Complaints and suggestions', 3, NULL),
  ('emergency',  '紧急求助', 'Emergency',              1, NULL);
