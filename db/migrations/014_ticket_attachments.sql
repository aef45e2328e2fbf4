-- A ticket's evidence (issue 5): files attached to it (photos, signed forms). The file itself is kept under a
-- generated name in the attachment folder (HOTLINE_ATTACHMENT_DIR), never under the name it was uploaded with;
-- its type is what its first bytes say (core/attachments.ts), not what the uploader claimed. Each upload is also a
-- step of the ticket's timeline (ticket_events kind 'attach'); notes are steps of kind 'note'.
CREATE TABLE ticket_attachments (
  id           bigserial PRIMARY KEY,
  ticket_id    bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
  -- the name as uploaded (cleaned: no folders, no control characters), shown and given back on download
  file_name    text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
  content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp', 'image/heic',
                                                     'application/pdf')),
  size_bytes   bigint NOT NULL CHECK (size_bytes > 0),
  sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  -- the file's name in the attachment folder
  stored_name  text NOT NULL UNIQUE CHECK (stored_name ~ '^[0-9a-f-]{36}\.[a-z]{3,4}$'),
  uploaded_by  integer NOT NULL REFERENCES agents (id),
  uploaded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ticket_attachments_ticket ON ticket_attachments (ticket_id, uploaded_at);

-- The calls linked to a ticket at wrap-up, listed on the ticket.
CREATE INDEX calls_ticket ON calls (ticket_id) WHERE ticket_id IS NOT NULL;
