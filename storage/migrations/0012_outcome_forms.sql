-- The way to arbitration (bot/outcomes.py): the worker's draft application as they answered its
-- questions on referral, and their identity number apart from everything else. Both hold personal
-- information and are deleted with it (never in the event log, which only says that a step happened).
CREATE TABLE arbitration_drafts (
    case_id INTEGER PRIMARY KEY REFERENCES cases (id),
    born_on TEXT,                         -- local date; NULL when the identity number gives it
    address TEXT NOT NULL,
    legal_representative TEXT,            -- of the employer; NULL: left for the office's form
    employer_address TEXT,
    drafted_on TEXT NOT NULL,
    signed_at TEXT,                       -- the worker signed the draft as read
    sent_at TEXT,                         -- passed to the arbitration office, with the transfer consent
    updated_at TEXT NOT NULL
);

-- Sensitive personal information (PIPL Art. 28), given with its own consent; shown only to the worker,
-- the mediator holding the case and the arbitration office's staff.
CREATE TABLE identity_numbers (
    case_id INTEGER PRIMARY KEY REFERENCES cases (id),
    person_id INTEGER NOT NULL REFERENCES people (id),
    id_number TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
