-- An advisor's proposed change to a client's plan and the client's answer. `changes` is the
-- wire's what-if JSON (validated by the server against the plan before it is written);
-- the success figures are the live simulation's, without and with the change, when proposed.
-- Both sides cascade: deleting either account removes the proposal.
create table proposals (
    id uuid primary key,
    advisor_id uuid not null references users (id) on delete cascade,
    client_id uuid not null references users (id) on delete cascade,
    message text not null check (char_length(message) between 1 and 1000),
    changes jsonb not null,
    success_before double precision not null check (success_before between 0 and 1),
    success_after double precision not null check (success_after between 0 and 1),
    status varchar(10) not null check (status in ('pending', 'accepted', 'declined')),
    created_at timestamptz not null,
    answered_at timestamptz,
    check (client_id <> advisor_id)
);
create index idx_proposals_client_created on proposals (client_id, created_at);
create index idx_proposals_advisor_client on proposals (advisor_id, client_id, created_at);
