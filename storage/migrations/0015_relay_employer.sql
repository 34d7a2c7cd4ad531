-- Both sides talking (bot/relay.py): each message relayed between the worker and the mediator who holds
-- the case, in a table a purge can empty (the event log only says that a message was relayed, never what).
-- A file is kept as the reference of the front it came from (a Telegram file_id, a web chat file token),
-- and, when the receiver is on the other front, as a copy the sender uploads there.
CREATE TABLE case_messages (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    sender_id INTEGER NOT NULL REFERENCES people (id),
    recipient_id INTEGER NOT NULL REFERENCES people (id),
    direction TEXT NOT NULL,              -- bot.relay.Direction: to_mediator, to_worker
    kind TEXT NOT NULL,                   -- bot.relay.ContentKind: text, photo, document
    body TEXT NOT NULL DEFAULT '',        -- the text, or a file's caption
    file_ref TEXT,                        -- the file's id on the front it came from
    file_name TEXT,
    file_front TEXT,                      -- the front `file_ref` means something on
    stored_as TEXT,                       -- for the other front: the copy in the project's relayed-file store
    sent_at TEXT NOT NULL
);
CREATE INDEX case_messages_by_case ON case_messages (case_id, id);

-- The employer as the mediator recorded it (bot/employer.py); the phone is personal data shown only to
-- the mediator who holds the case. Invitations and answers are case events.
CREATE TABLE case_employers (
    case_id INTEGER PRIMARY KEY REFERENCES cases (id),
    name TEXT,
    address TEXT,
    contact TEXT,                         -- the contact person
    phone TEXT,                           -- E.164
    updated_by INTEGER REFERENCES people (id),
    updated_at TEXT NOT NULL
);
