-- What follows a mediation (bot/outcomes.py): the agreement as the mediator recorded it, its terms one
-- row each with the worker's answer about each payment, and the worker's one rating of the service.
-- The parties' names and phones stay in the case; a rating's comment is a case note (deletable).
CREATE TABLE agreements (
    case_id INTEGER PRIMARY KEY REFERENCES cases (id),
    matters TEXT NOT NULL,                -- JSON list: the matters in dispute
    employer TEXT NOT NULL DEFAULT '{}',  -- JSON: name, address, contact as the agreement gives them
    made_on TEXT NOT NULL,                -- local date the terms were (last) recorded
    effective_on TEXT,                    -- every signature and seal on it (Art. 14); NULL: a draft
    confirm_by TEXT,                      -- the last day to apply jointly for review and confirmation
    created_by INTEGER REFERENCES people (id),
    updated_at TEXT NOT NULL
);

CREATE TABLE agreement_terms (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES agreements (case_id),
    position INTEGER NOT NULL,            -- 1, 2, ... as printed
    description TEXT NOT NULL,
    kind TEXT NOT NULL,                   -- bot.documents.ClaimKind: Art. 16 applies to four of them
    amount TEXT,                          -- yuan, an exact decimal string
    due_on TEXT,                          -- local date; the employer has the whole day
    payment TEXT,                         -- the worker's answer: paid, partly_paid, not_paid; NULL: none yet
    answered_at TEXT,
    UNIQUE (case_id, position)
);

CREATE TABLE case_ratings (
    case_id INTEGER PRIMARY KEY REFERENCES cases (id),
    asked_at TEXT NOT NULL,               -- asked once, when the case closed
    rating TEXT,                          -- bot.outcomes.Rating; NULL: not answered
    rated_at TEXT
);
