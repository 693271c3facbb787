-- Advisors' proposals (see migrations/postgres).
create table proposals (
    id blob primary key,
    advisor_id blob not null references users (id) on delete cascade,
    client_id blob not null references users (id) on delete cascade,
    message text not null check (length(message) between 1 and 1000),
    changes text not null,
    success_before real not null check (success_before between 0 and 1),
    success_after real not null check (success_after between 0 and 1),
    status text not null check (status in ('pending', 'accepted', 'declined')),
    created_at text not null,
    answered_at text,
    check (client_id <> advisor_id)
);
create index idx_proposals_client_created on proposals (client_id, created_at);
create index idx_proposals_advisor_client on proposals (advisor_id, client_id, created_at);
