-- One stored plan per user: the inputs of the base simulation model, as the wire's JSON
-- (validated by the server before it is written).
create table plans (
    user_id uuid primary key references users (id) on delete cascade,
    plan jsonb not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create index idx_simulation_results_user_created on simulation_results (user_id, created_at, id);
