-- Each user's answers to the risk tolerance questionnaire (GET/PUT /ml/risk-assessment): the
-- instrument answered, the answers as the wire's JSON (item id → 1-based option, validated by
-- the server before it is written) and their score. Taking it again replaces the answers and
-- `taken_at`; `first_taken_at` stays.
create table risk_answers (
    user_id uuid primary key references users (id) on delete cascade,
    instrument varchar(32) not null,
    answers jsonb not null,
    score smallint not null check (score between 13 and 47),
    first_taken_at timestamptz not null,
    taken_at timestamptz not null
);
