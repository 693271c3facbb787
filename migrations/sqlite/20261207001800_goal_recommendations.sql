-- no-transaction
-- Recommendations may delay or drop a goal (see migrations/postgres). SQLite cannot change a
-- check constraint, so the table is rebuilt (SQLite's documented procedure: foreign keys off
-- so that dropping the old table neither fails nor clears the alerts' and proposals'
-- references to it, which name the table and so follow the rebuilt one).
pragma foreign_keys = off;
begin;
create table recommendations_rebuilt (
    id blob primary key,
    user_id blob not null references users (id) on delete cascade,
    kind text not null check (kind in (
        'save_more', 'spend_less', 'retire_later', 'lower_fees', 'equity_share',
        'delay_goal', 'drop_goal'
    )),
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
insert into recommendations_rebuilt
    select id, user_id, kind, change, cost, reason, success_before, success_after,
        standard_error, paths, seed, status, created_at, answered_at
    from recommendations;
drop table recommendations;
alter table recommendations_rebuilt rename to recommendations;
create index idx_recommendations_user_created on recommendations (user_id, created_at);
commit;
pragma foreign_keys = on;
