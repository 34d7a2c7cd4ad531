-- Case numbers LD-YYYY-NNNNNN: one sequence per year of submission.
CREATE TABLE case_number_sequences (
    year INTEGER PRIMARY KEY,
    last_value INTEGER NOT NULL
);
