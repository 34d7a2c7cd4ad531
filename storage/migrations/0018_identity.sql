-- Who a web chat visitor is, and reaching them when they are away (bot/recovery.py, bot/sms.py).

-- One-time recovery codes: a worker on a new phone or browser takes their cases with them. A code is
-- `selector + secret`: the selector finds the row, only a hash of the whole code is kept, and wrong
-- secrets for a selector count against that code (after a few it is void). Issuing a new code for a
-- worker revokes their older ones.
CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY,
    selector TEXT NOT NULL,              -- the code's first characters, to find it
    code_hash TEXT NOT NULL,             -- SHA-256 of the whole code, hex
    worker_id INTEGER NOT NULL REFERENCES people (id),
    channel TEXT NOT NULL CHECK (channel IN ('sms', 'mediator', 'counter', 'staff')),
    issued_by INTEGER REFERENCES people (id),   -- NULL: the system (sms) or an operator
    issued_at TEXT NOT NULL,             -- UTC, ISO 8601 (as every time here)
    expires_at TEXT NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    used_by INTEGER REFERENCES people (id),
    used_at TEXT,
    revoked_at TEXT                      -- a newer code was issued, or too many wrong secrets
);
CREATE INDEX recovery_codes_by_selector ON recovery_codes (selector, expires_at);
CREATE INDEX recovery_codes_by_worker ON recovery_codes (worker_id);

-- Attempts to redeem a code (failed) and to ask for one by SMS, per identity, for the rate limits.
CREATE TABLE recovery_attempts (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id),
    kind TEXT NOT NULL CHECK (kind IN ('failed_code', 'sms_request')),
    attempted_at TEXT NOT NULL
);
CREATE INDEX recovery_attempts_by_person ON recovery_attempts (person_id, kind, attempted_at);

-- Web identities whose cookie no longer works: their cases moved to another identity.
CREATE TABLE web_identity_revocations (
    user_id INTEGER PRIMARY KEY,         -- the web chat's user id (people.user_id of front 'web')
    revoked_at TEXT NOT NULL,
    reason TEXT NOT NULL
);

-- Web staff sessions, on the server so that ending one (idle, logout, revocation) bites at once.
CREATE TABLE staff_sessions (
    person_id INTEGER PRIMARY KEY REFERENCES people (id),
    started_at TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    ended_at TEXT,
    end_reason TEXT                      -- idle, logout, revoked
);

-- What a web chat page has shown its person: the newest message seen on a visible page, and when.
CREATE TABLE webchat_reads (
    chat_id INTEGER PRIMARY KEY,
    seen_message_id INTEGER NOT NULL,
    seen_at TEXT NOT NULL
);

-- Text messages to send through the district's gateway: a notice left unread, or a recovery code.
-- `text` is blanked once sent (a code must not stay readable in the store).
CREATE TABLE sms_messages (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id),
    case_id INTEGER REFERENCES cases (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('unread', 'code')),
    phone TEXT NOT NULL,
    text TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'gave_up', 'skipped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX sms_messages_due ON sms_messages (status, next_attempt_at);
CREATE INDEX sms_messages_by_case ON sms_messages (case_id, person_id, created_at);
