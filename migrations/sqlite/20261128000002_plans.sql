-- One stored plan per user (see migrations/postgres).
create table plans (
    user_id blob primary key references users (id) on delete cascade,
    plan text not null,
    created_at text not null,
    updated_at text not null
);
create index idx_simulation_results_user_created on simulation_results (user_id, created_at, id);
