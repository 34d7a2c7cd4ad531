-- Evidence kept in the project's own file store (bot/evidence.py): a front's file id lives on that front's
-- servers (Telegram's are abroad, and cannot be opened from the web chat), so each file is downloaded once
-- it is on a case. Until then `stored_as` is NULL and a job keeps trying; a file the front will not hand
-- over (beyond the Bot API's 20 MB) is marked `unavailable` and the worker is asked for it another way.
ALTER TABLE case_evidence ADD COLUMN stored_as TEXT;        -- the file's name in the evidence store
ALTER TABLE case_evidence ADD COLUMN stored_size INTEGER;   -- bytes kept
ALTER TABLE case_evidence ADD COLUMN stored_at TEXT;        -- UTC, ISO 8601
ALTER TABLE case_evidence ADD COLUMN unavailable TEXT;      -- why it cannot be fetched ('too_large')

CREATE INDEX case_evidence_to_fetch ON case_evidence (case_id) WHERE stored_as IS NULL AND unavailable IS NULL;
