-- Answers to the risk tolerance questionnaire (see migrations/postgres for the reasons).
create table risk_answers (
    user_id blob primary key references users (id) on delete cascade,
    instrument text not null,
    answers text not null,
    score integer not null check (score between 13 and 47),
    first_taken_at text not null,
    taken_at text not null
);
