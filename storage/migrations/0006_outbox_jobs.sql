-- The outbox: every notification a use case causes, written in its transaction and delivered by
-- the outbox sender (at least once), rendered in the recipient's language when it is sent.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    case_id INTEGER,                     -- the case it is about, if any
    recipient_id INTEGER NOT NULL REFERENCES people (id),
    template TEXT NOT NULL,              -- the key of the text
    params TEXT NOT NULL DEFAULT '{}',   -- JSON, for the template
    created_at TEXT NOT NULL,            -- UTC, ISO 8601 (as every time here)
    deliver_after TEXT NOT NULL,         -- the sender loop delivers nothing before this
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'gave_up')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,       -- deliver_after, then the time of the next retry
    last_error TEXT,                     -- a short reason ("blocked", "server error"), never the text
    sent_at TEXT,
    lease_owner TEXT,                    -- the sender delivering it now, until lease_until
    lease_until TEXT
);
-- "Pending rows that are due", oldest first.
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';

-- Jobs: reminders and clock checks due at a time, run by the job runner under a lease.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,                  -- which handler runs it
    unique_key TEXT,                     -- the same (kind, key) scheduled twice stays one job
    case_id INTEGER,
    due_at TEXT NOT NULL,                -- when it was scheduled for
    next_attempt_at TEXT NOT NULL,       -- due_at, then the time of the next retry
    payload TEXT NOT NULL DEFAULT '{}',  -- JSON
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,                     -- the exception's type, never personal data
    lease_owner TEXT,
    lease_until TEXT,
    created_at TEXT NOT NULL,
    done_at TEXT,
    UNIQUE (kind, unique_key)
);
CREATE INDEX jobs_due ON jobs (next_attempt_at) WHERE status = 'pending';

-- When each background runner last went round, for the health check.
CREATE TABLE runner_health (
    runner TEXT PRIMARY KEY,
    last_run_at TEXT NOT NULL
);
