-- Worker intake: consents given (PIPL), evidence kept on cases, alerts raised to supervisors.
CREATE TABLE consents (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('privacy', 'health', 'location')),
    notice_version TEXT NOT NULL,        -- the wording the person agreed to
    given_at TEXT NOT NULL               -- UTC, ISO 8601
);
CREATE INDEX consents_by_person ON consents (person_id, purpose);

CREATE TABLE case_evidence (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    type TEXT NOT NULL CHECK (type IN ('photo', 'document')),
    file_id TEXT NOT NULL,               -- the front's reference; valid for the bot that received it
    file_unique_id TEXT NOT NULL,
    name TEXT NOT NULL,
    size INTEGER,                        -- bytes, when the front says
    added_by INTEGER REFERENCES people (id),
    added_at TEXT NOT NULL
);
CREATE INDEX case_evidence_by_case ON case_evidence (case_id, id);

CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    reason TEXT NOT NULL CHECK (reason IN ('collective', 'repeated_employer')),
    raised_at TEXT NOT NULL
);
CREATE INDEX alerts_by_time ON alerts (raised_at);

-- Complaints against one employer within a month raise an alert: find them by the compared name.
CREATE INDEX cases_by_employer ON cases (json_extract(fields, '$.employer_key'), created_at);
