-- The case engine: a case runs on parallel tracks (mediation, payment, arbitration, inspection), is
-- changed only by conditional updates on its version, and records the draft it was filed from.
-- Events v2: a per-case sequence, when it happened and when it was recorded, the actor and their
-- role, the scope the rates filter on (centre holding the case, workplace street and district,
-- dispute kind), versioned payloads; personal free text lives in `case_notes`, which a purge can empty.
ALTER TABLE cases RENAME COLUMN status TO mediation;
ALTER TABLE cases ADD COLUMN outcome TEXT;
ALTER TABLE cases ADD COLUMN mediator_id INTEGER REFERENCES people (id);
ALTER TABLE cases ADD COLUMN payment TEXT;
ALTER TABLE cases ADD COLUMN arbitration TEXT;
ALTER TABLE cases ADD COLUMN arbitration_outcome TEXT;
ALTER TABLE cases ADD COLUMN arbitration_extended INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN inspection TEXT;
ALTER TABLE cases ADD COLUMN accepted_at TEXT;       -- a mediator's first accept: the centre received it
ALTER TABLE cases ADD COLUMN workplace_street TEXT;
ALTER TABLE cases ADD COLUMN workplace_district TEXT;
ALTER TABLE cases ADD COLUMN observers TEXT NOT NULL DEFAULT '[]';  -- JSON: centres routing told, read-only
ALTER TABLE cases ADD COLUMN draft_id TEXT;           -- the draft it was filed from: one case per draft
ALTER TABLE cases ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;  -- the newest event's seq

-- Old statuses onto the tracks: endings carry their outcome; a transfer left the case assigned.
UPDATE cases SET accepted_at = updated_at WHERE mediation IN ('accepted', 'agreement', 'no_agreement', 'referred');
UPDATE cases SET outcome = mediation, mediation = 'ended' WHERE mediation IN ('agreement', 'no_agreement', 'referred');
UPDATE cases SET mediation = 'assigned' WHERE mediation = 'transferred';
UPDATE cases SET workplace_street = (
    SELECT json_extract(e.payload, '$.routing.workplace_street') FROM case_events e
    WHERE e.case_id = cases.id AND e.type = 'assigned' ORDER BY e.id LIMIT 1);
UPDATE cases SET observers = coalesce((
    SELECT json_extract(e.payload, '$.routing.observers') FROM case_events e
    WHERE e.case_id = cases.id AND e.type = 'assigned' ORDER BY e.id LIMIT 1), '[]');
CREATE UNIQUE INDEX cases_by_draft ON cases (worker_id, draft_id);
CREATE INDEX cases_by_mediator ON cases (mediator_id, mediation);

CREATE TABLE case_notes (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    text TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX case_notes_by_case ON case_notes (case_id);

INSERT INTO case_notes (id, case_id, text, created_at)
SELECT id, case_id, reason, at FROM case_events WHERE reason IS NOT NULL AND reason <> '';

CREATE TABLE case_events_v2 (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    seq INTEGER NOT NULL,                -- 1, 2, ... per case
    type TEXT NOT NULL,
    track TEXT,                          -- mediation, payment, arbitration, inspection; NULL: none
    from_state TEXT,
    to_state TEXT,
    occurred_at TEXT NOT NULL,           -- UTC, ISO 8601: when it happened
    recorded_at TEXT NOT NULL,           -- when it was written
    actor_id INTEGER REFERENCES people (id),  -- NULL: the system
    actor_role TEXT,                     -- the actor's role when they acted
    centre_id TEXT,                      -- the centre holding the case once it happened
    street TEXT,                         -- the workplace's street and district (jurisdiction, Art. 21)
    district TEXT,
    kind TEXT NOT NULL,
    payload_version INTEGER NOT NULL DEFAULT 1,
    payload TEXT NOT NULL DEFAULT '{}',  -- JSON, never personal free text
    note_id INTEGER,                     -- case_notes.id; no foreign key, so a purge can delete the note
    UNIQUE (case_id, seq)
);

INSERT INTO case_events_v2 (id, case_id, seq, type, track, from_state, to_state, occurred_at, recorded_at,
                            actor_id, actor_role, centre_id, street, district, kind, payload_version, payload,
                            note_id)
SELECT e.id, e.case_id,
       (SELECT count(*) FROM case_events earlier WHERE earlier.case_id = e.case_id AND earlier.id <= e.id),
       e.type,
       CASE WHEN e.type IN ('submitted', 'assigned', 'withdrawn') THEN 'mediation' END,
       e.from_status, e.to_status, e.at, e.at, e.actor_id,
       CASE WHEN e.actor_id IS NULL THEN NULL WHEN e.actor_id = c.worker_id THEN 'worker'
            ELSE (SELECT p.role FROM people p WHERE p.id = e.actor_id) END,
       (SELECT json_extract(a.payload, '$.centre_id') FROM case_events a
        WHERE a.case_id = e.case_id AND a.type = 'assigned' AND a.id <= e.id ORDER BY a.id DESC LIMIT 1),
       c.workplace_street, NULL, c.kind, 1, e.payload,
       CASE WHEN e.reason IS NOT NULL AND e.reason <> '' THEN e.id END
FROM case_events e JOIN cases c ON c.id = e.case_id;

UPDATE cases SET last_seq = (SELECT count(*) FROM case_events e WHERE e.case_id = cases.id);

DROP TABLE case_events;
ALTER TABLE case_events_v2 RENAME TO case_events;

-- "Events of type T in a period for a scope", for each kind of scope, without scanning the table.
CREATE INDEX case_events_by_type ON case_events (type, occurred_at);
CREATE INDEX case_events_by_centre ON case_events (centre_id, type, occurred_at);
CREATE INDEX case_events_by_street ON case_events (street, type, occurred_at);
CREATE INDEX case_events_by_district ON case_events (district, type, occurred_at);
CREATE INDEX case_events_by_kind ON case_events (kind, type, occurred_at);

CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END;
CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END;

-- Every view of a worker's personal details by staff: who, when, which case, what.
CREATE TABLE access_log (
    id INTEGER PRIMARY KEY,
    staff_id INTEGER NOT NULL REFERENCES people (id),
    case_id INTEGER REFERENCES cases (id),
    what TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX access_log_by_case ON access_log (case_id, at);

-- Updates already handled, so a redelivered one acts once: by front, bot and the front's update id.
CREATE TABLE processed_updates (
    front TEXT NOT NULL,
    bot_id INTEGER NOT NULL,
    update_id INTEGER NOT NULL,
    processed_at TEXT NOT NULL,
    PRIMARY KEY (front, bot_id, update_id)
);

-- One-time set-up steps already done (SUPERVISOR_IDS creates the first supervisors once; roles live
-- in the store after that).
CREATE TABLE bootstrap_steps (
    name TEXT PRIMARY KEY,
    done_at TEXT NOT NULL
);
