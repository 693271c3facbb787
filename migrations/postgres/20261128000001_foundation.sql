-- The foundation schema: accounts, profiles, goals, simulation results, auth state and the
-- audit log. Money is integer cents (BIGINT), never floating point: planning arithmetic must
-- round-trip exactly. Timestamps are written by the server (UTC) so both databases agree.

create table users (
    id uuid primary key,
    -- Stored lower-cased by the server: e-mail comparison is case-insensitive.
    email varchar(254) not null unique,
    password_hash varchar(255) not null,
    role varchar(20) not null default 'user'
        check (role in ('user', 'premium', 'advisor', 'admin')),
    is_active boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    last_login timestamptz
);
create index idx_users_email on users (email);
create index idx_active_users on users (id) where is_active = true;

create table financial_profiles (
    id uuid primary key,
    user_id uuid not null unique references users (id) on delete cascade,
    annual_income_cents bigint check (annual_income_cents >= 0),
    age smallint check (age between 16 and 120),
    birth_year smallint check (birth_year between 1900 and 2200),
    risk_tolerance varchar(30),
    investment_experience varchar(20),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create table goals (
    id uuid primary key,
    user_id uuid not null references users (id) on delete cascade,
    name varchar(255) not null,
    target_amount_cents bigint not null check (target_amount_cents > 0),
    target_date date not null,
    priority smallint not null default 1 check (priority between 1 and 5),
    status varchar(20) not null default 'active'
        check (status in ('active', 'paused', 'completed', 'cancelled')),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create index idx_goals_user_id on goals (user_id);
create index idx_goals_target_date on goals (target_date);
create index idx_active_goals on goals (user_id) where status = 'active';
-- Lists are ordered by creation within a user; this keeps paging an index walk.
create index idx_goals_user_created on goals (user_id, created_at, id);

create table simulation_results (
    id uuid primary key,
    user_id uuid not null references users (id) on delete cascade,
    simulation_type varchar(50) not null,
    parameters jsonb not null,
    results jsonb not null,
    success_probability numeric(5, 4),
    seed bigint,
    engine_version varchar(40),
    created_at timestamptz not null default now()
);
create index idx_simulation_results_user_id on simulation_results (user_id);
create index idx_simulation_results_type on simulation_results (simulation_type);
create index idx_simulation_parameters on simulation_results using gin (parameters);
create index idx_simulation_results_data on simulation_results using gin (results);

-- One family per login; every refresh rotates the token inside its family. Presenting a
-- token that was already rotated means it leaked, so the whole family is revoked.
create table refresh_token_families (
    id uuid primary key,
    user_id uuid not null references users (id) on delete cascade,
    audience varchar(20) not null,
    created_at timestamptz not null default now(),
    revoked_at timestamptz,
    revoked_reason varchar(40)
);
create index idx_refresh_families_user on refresh_token_families (user_id);

create table refresh_tokens (
    id uuid primary key,
    family_id uuid not null references refresh_token_families (id) on delete cascade,
    user_id uuid not null references users (id) on delete cascade,
    -- SHA-256 of the token: a database leak does not leak usable tokens.
    token_hash char(64) not null unique,
    expires_at timestamptz not null,
    created_at timestamptz not null default now(),
    used_at timestamptz
);
create index idx_refresh_tokens_family on refresh_tokens (family_id);
create index idx_refresh_tokens_user on refresh_tokens (user_id);

-- Append-only: the trigger below refuses updates and deletes. Rows carry ids, never
-- personal data, so they may outlive the account they describe.
create table audit_log (
    id bigserial primary key,
    occurred_at timestamptz not null default now(),
    actor_id uuid,
    subject_id uuid,
    action varchar(60) not null,
    ip varchar(64),
    details jsonb not null default '{}'::jsonb
);
create index idx_audit_log_subject on audit_log (subject_id, occurred_at);

create function audit_log_is_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'audit_log is append-only';
end;
$$;
create trigger audit_log_no_update before update or delete on audit_log
    for each row execute function audit_log_is_append_only();
