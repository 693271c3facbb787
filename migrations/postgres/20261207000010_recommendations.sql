-- Recommendations made to a user, each with its effect verified by simulation. `change` is
-- the wire's plan fields (validated against the plan when accepted). A new request replaces
-- the unanswered ones; accepted and dismissed ones stay as the user's history.
create table recommendations (
    id uuid primary key,
    user_id uuid not null references users (id) on delete cascade,
    kind varchar(20) not null
        check (kind in ('save_more', 'spend_less', 'retire_later', 'lower_fees', 'equity_share')),
    change jsonb not null,
    cost text not null,
    reason text not null,
    success_before double precision not null check (success_before between 0 and 1),
    success_after double precision not null check (success_after between 0 and 1),
    standard_error double precision not null check (standard_error >= 0),
    paths integer not null check (paths > 0),
    seed bigint not null check (seed >= 0),
    status varchar(10) not null check (status in ('new', 'accepted', 'dismissed')),
    created_at timestamptz not null,
    answered_at timestamptz
);
create index idx_recommendations_user_created on recommendations (user_id, created_at);
