-- Case numbers LD-YYYY-NNNNNN: one sequence per year of submission.
CREATE TABLE case_number_sequences (
    year INTEGER PRIMARY KEY,
    last_value INTEGER NOT NULL
);

-- Due reminders and deadline checks, so background work survives restarts.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    case_id INTEGER REFERENCES cases (id),
    due_at TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    done_at TEXT
);
CREATE INDEX jobs_due ON jobs (done_at, due_at);
