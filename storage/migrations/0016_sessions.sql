-- Mediation sessions (bot/sessions.py): one row per session of a case, its time as the latest revision.
-- Each move of the time is one more revision, so a reminder job (keyed by revision) of an earlier
-- time finds it outdated and sends nothing. The worker's reason for asking another time is a case note.
CREATE TABLE case_sessions (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    mediator_id INTEGER REFERENCES people (id),
    starts_at TEXT NOT NULL,              -- UTC
    place TEXT NOT NULL,                  -- in_person (at centre_id) or online (by link)
    centre_id TEXT,                       -- the registry's id; its address and hours are read when told
    link TEXT,                            -- the https meeting link the mediator gave
    status TEXT NOT NULL,                 -- proposed, confirmed, other_time_asked, cancelled
    revision INTEGER NOT NULL DEFAULT 1,
    proposed_at TEXT,                     -- UTC: the time the worker proposed instead, if any
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE INDEX case_sessions_by_case ON case_sessions (case_id, starts_at);
