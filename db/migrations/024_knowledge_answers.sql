-- The standard answers (统一答复口径, issue 7): what agents say about a recurring question, kept by admins and
-- searched during a call (core/knowledge.ts says how). An answer is for every estate, or for one estate (its
-- agents see it beside the general ones). Removing one archives it: a removed answer is never shown again, but
-- what an agent was told to say on a given day can still be found.
CREATE TABLE knowledge_answers (
  id          serial PRIMARY KEY,
  title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
  body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
  keywords    text[] NOT NULL DEFAULT '{}' CHECK (cardinality(keywords) <= 20),
  estate_id   integer REFERENCES estates (id),
  archived    boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  updated_by  integer REFERENCES agents (id)
);
CREATE INDEX knowledge_answers_live ON knowledge_answers (updated_at DESC) WHERE NOT archived;
