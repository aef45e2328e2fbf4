-- Call control: the time the owner spent on hold in the call, in seconds (for the handle time: talk, hold, wrap-up).
ALTER TABLE calls ADD COLUMN hold_s integer NOT NULL DEFAULT 0;
