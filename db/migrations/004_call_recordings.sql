-- Every agent call is recorded (both parties mixed); the call names its recording file.
ALTER TABLE calls ADD COLUMN recording text;
