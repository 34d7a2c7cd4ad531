-- The rates' rollups (bot/rates.py): what each rate counts, per local day and per month, scope and centre.
-- The transaction that writes a case's events adds to them; `python -m bot rates --rebuild` makes them again
-- from the events, which stay the truth.
CREATE TABLE rate_rollups (
    scope TEXT NOT NULL,          -- city, district, street, kind, district_kind
    scope_value TEXT NOT NULL,    -- '' for the city; 'district|kind' for district_kind
    centre_id TEXT NOT NULL,      -- '' every centre together; '-' no centre held the cases; else the centre
    grain TEXT NOT NULL,          -- day, month
    starts_on TEXT NOT NULL,      -- the local date (Asia/Shanghai), or the month's first day
    measure TEXT NOT NULL,        -- bot.rates.Measure
    bucket INTEGER NOT NULL,      -- a histogram's value (days to close); 0 for the others
    total INTEGER NOT NULL,       -- a flow's count, or a stock's change on that day
    -- Every query names the scope, the centre and the grain, and asks for a range of days.
    PRIMARY KEY (scope, scope_value, centre_id, grain, starts_on, measure, bucket)
);

-- Events written before the rollups existed are not in them until a rebuild.
CREATE TABLE rate_rollup_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    missing_through INTEGER NOT NULL,   -- events with an id up to this one are missing (0: none)
    rebuilt_at TEXT
);
INSERT INTO rate_rollup_state (id, missing_through) SELECT 1, coalesce(max(id), 0) FROM case_events;
