-- Staff in the store: a fourth role (a district's labour-inspection liaison), the district a supervisor
-- or a liaison belongs to, one-time invite codes, failed /join attempts (to limit guessing), and a
-- record of every change of a person's staff role.
--
-- `people.role` has a CHECK naming three roles, and SQLite cannot change a CHECK in place. The usual
-- rebuild (create a new table, copy, drop the old one, rename) needs foreign keys off: with them on,
-- dropping `people` fails, since cases, events, consents, evidence and outbox rows reference it (even
-- with PRAGMA defer_foreign_keys the commit fails), and PRAGMA foreign_keys cannot change inside the
-- transaction this migration runs in. So the column is swapped instead: the old one renamed, a new
-- `role` with the wider CHECK added, the values copied, the old column dropped. Every row and id stays,
-- and PostgreSQL accepts each statement as it is.
ALTER TABLE people RENAME COLUMN role TO role_before_0008;
ALTER TABLE people ADD COLUMN role TEXT NOT NULL DEFAULT 'worker'
    CHECK (role IN ('worker', 'mediator', 'supervisor', 'inspection'));
UPDATE people SET role = role_before_0008;
ALTER TABLE people DROP COLUMN role_before_0008;

-- Supervisors: their district, NULL for the whole city; inspection liaisons: their district. A
-- mediator belongs to a centre (centre_id), whose district the registry knows.
ALTER TABLE people ADD COLUMN district TEXT;
CREATE INDEX people_by_role ON people (role, centre_id);

-- One-time codes that make whoever sends `/join CODE` staff. Only a hash of the code is kept, so the
-- database never holds a code anyone could still use.
CREATE TABLE staff_invites (
    id INTEGER PRIMARY KEY,
    code_hash TEXT NOT NULL UNIQUE,      -- SHA-256 of the code, hex
    role TEXT NOT NULL CHECK (role IN ('mediator', 'supervisor', 'inspection')),
    centre_id TEXT,                      -- mediators: the centre they join
    district TEXT,                       -- supervisors (NULL: the whole city) and inspection liaisons
    created_by INTEGER REFERENCES people (id),  -- NULL: an operator at the command line
    created_at TEXT NOT NULL,            -- UTC, ISO 8601 (as every time here)
    expires_at TEXT NOT NULL,
    used_by INTEGER REFERENCES people (id),
    used_at TEXT
);
CREATE INDEX staff_invites_by_creator ON staff_invites (created_by, created_at);

-- Failed /join attempts of each person in the last while: too many, and the next is refused unread.
CREATE TABLE staff_join_attempts (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id),
    attempted_at TEXT NOT NULL
);
CREATE INDEX staff_join_attempts_by_person ON staff_join_attempts (person_id, attempted_at);

-- Who became what, when, by whose hand or through which invite; 'worker' when staff is revoked.
CREATE TABLE staff_changes (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id),
    role TEXT NOT NULL,
    centre_id TEXT,
    district TEXT,
    changed_by INTEGER REFERENCES people (id),   -- NULL: an operator at the command line
    invite_id INTEGER REFERENCES staff_invites (id),
    changed_at TEXT NOT NULL
);
CREATE INDEX staff_changes_by_person ON staff_changes (person_id, changed_at);
