-- The statutory clocks: each clock a case runs (bot/deadlines.py), with what it was counted from and the
-- due date the calendar gave, so a change of the operator's holiday overrides can be found and recorded.
ALTER TABLE cases ADD COLUMN mediation_extended INTEGER NOT NULL DEFAULT 0;  -- platform work: extended once

CREATE TABLE case_deadlines (
    case_id INTEGER NOT NULL REFERENCES cases (id),
    clock TEXT NOT NULL,                 -- bot.clocks.Limit: mediation_period, arbitration_close, ...
    status TEXT NOT NULL CHECK (status IN ('running', 'suspended', 'stopped')),
    started_on TEXT NOT NULL,            -- local date of the event it counts from (not itself counted)
    extension_days INTEGER NOT NULL DEFAULT 0,
    suspended_days INTEGER NOT NULL DEFAULT 0,
    suspended_on TEXT,                   -- while suspended: since when
    due_on TEXT NOT NULL,                -- the last day, as the calendar counts it now (or did when stopped)
    provisional INTEGER NOT NULL DEFAULT 0,  -- counted through a year the calendar does not know
    stopped_on TEXT,                     -- the step it waited for was taken (or the track ended)
    held INTEGER,                        -- stopped by the step on or before its due day; NULL while running
    updated_at TEXT NOT NULL,
    PRIMARY KEY (case_id, clock)
);
-- "Running clocks due by a day" (overdue lists, recomputing after a calendar change).
CREATE INDEX case_deadlines_due ON case_deadlines (status, due_on);

-- The calendar the stored due dates were last counted with (a hash of the overrides), one row.
CREATE TABLE deadline_calendar (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    fingerprint TEXT NOT NULL,
    counted_at TEXT NOT NULL
);
