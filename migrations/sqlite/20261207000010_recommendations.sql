-- Recommendations (see migrations/postgres).
create table recommendations (
    id blob primary key,
    user_id blob not null references users (id) on delete cascade,
    kind text not null
        check (kind in ('save_more', 'spend_less', 'retire_later', 'lower_fees', 'equity_share')),
    change text not null,
    cost text not null,
    reason text not null,
    success_before real not null check (success_before between 0 and 1),
    success_after real not null check (success_after between 0 and 1),
    standard_error real not null check (standard_error >= 0),
    paths integer not null check (paths > 0),
    seed integer not null check (seed >= 0),
    status text not null check (status in ('new', 'accepted', 'dismissed')),
    created_at text not null,
    answered_at text
);
create index idx_recommendations_user_created on recommendations (user_id, created_at);
