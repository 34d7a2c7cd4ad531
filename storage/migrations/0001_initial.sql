-- People, cases with their append-only event log, and the chat state (drafts live there).
CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    front TEXT NOT NULL,                 -- 'telegram' or 'web'
    user_id INTEGER NOT NULL,            -- the id the front knows the person by
    role TEXT NOT NULL DEFAULT 'worker' CHECK (role IN ('worker', 'mediator', 'supervisor')),
    centre_id TEXT,                      -- mediators: the centre whose cases they see
    locale TEXT,                         -- the person's saved choice; NULL = not chosen
    language_code TEXT,                  -- what the front reported (Telegram's language_code)
    display_name TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (front, user_id)
);

CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    number TEXT UNIQUE,                  -- LD-YYYY-NNNNNN, given on submission
    worker_id INTEGER NOT NULL REFERENCES people (id),
    kind TEXT NOT NULL CHECK (kind IN ('wages', 'contract', 'platform')),
    status TEXT NOT NULL,
    centre_id TEXT,
    urgent INTEGER NOT NULL DEFAULT 0,
    fields TEXT NOT NULL DEFAULT '{}',   -- JSON: the intake answers
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX cases_by_centre ON cases (centre_id, status);
CREATE INDEX cases_by_worker ON cases (worker_id);

CREATE TABLE case_events (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    at TEXT NOT NULL,                    -- UTC, ISO 8601
    actor_id INTEGER REFERENCES people (id),  -- NULL: the system
    type TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT,
    reason TEXT,
    payload TEXT NOT NULL DEFAULT '{}'   -- JSON
);
CREATE INDEX case_events_by_case ON case_events (case_id, id);
CREATE INDEX case_events_by_time ON case_events (at, type);

-- The event log is append-only: the database itself refuses changes.
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END;
CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END;

CREATE TABLE chat_state (
    bot_id INTEGER NOT NULL,
    chat_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    thread_id INTEGER NOT NULL DEFAULT 0,
    business_connection_id TEXT NOT NULL DEFAULT '',
    destiny TEXT NOT NULL DEFAULT 'default',
    state TEXT,
    data TEXT NOT NULL DEFAULT '{}',
    version INTEGER NOT NULL DEFAULT 0,  -- chat-state schema version the row was written with
    updated_at TEXT NOT NULL,
    PRIMARY KEY (bot_id, chat_id, user_id, thread_id, business_connection_id, destiny)
);
