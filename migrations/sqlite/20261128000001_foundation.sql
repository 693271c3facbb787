-- The foundation schema, SQLite dialect (see migrations/postgres for the commented original).
-- UUIDs are 16-byte BLOBs (sqlx's SQLite encoding), timestamps RFC 3339 TEXT written by the
-- server, JSON as TEXT, money as INTEGER cents.

create table users (
    id blob primary key,
    email text not null unique,
    password_hash text not null,
    role text not null default 'user'
        check (role in ('user', 'premium', 'advisor', 'admin')),
    is_active integer not null default 1,
    created_at text not null,
    updated_at text not null,
    last_login text
);
create index idx_users_email on users (email);
create index idx_active_users on users (id) where is_active = 1;

create table financial_profiles (
    id blob primary key,
    user_id blob not null unique references users (id) on delete cascade,
    annual_income_cents integer check (annual_income_cents >= 0),
    age integer check (age between 16 and 120),
    birth_year integer check (birth_year between 1900 and 2200),
    risk_tolerance text,
    investment_experience text,
    created_at text not null,
    updated_at text not null
);

create table goals (
    id blob primary key,
    user_id blob not null references users (id) on delete cascade,
    name text not null,
    target_amount_cents integer not null check (target_amount_cents > 0),
    target_date text not null,
    priority integer not null default 1 check (priority between 1 and 5),
    status text not null default 'active'
        check (status in ('active', 'paused', 'completed', 'cancelled')),
    created_at text not null,
    updated_at text not null
);
create index idx_goals_user_id on goals (user_id);
create index idx_goals_target_date on goals (target_date);
create index idx_active_goals on goals (user_id) where status = 'active';
create index idx_goals_user_created on goals (user_id, created_at, id);

create table simulation_results (
    id blob primary key,
    user_id blob not null references users (id) on delete cascade,
    simulation_type text not null,
    parameters text not null,
    results text not null,
    success_probability real,
    seed integer,
    engine_version text,
    created_at text not null
);
create index idx_simulation_results_user_id on simulation_results (user_id);
create index idx_simulation_results_type on simulation_results (simulation_type);

create table refresh_token_families (
    id blob primary key,
    user_id blob not null references users (id) on delete cascade,
    audience text not null,
    created_at text not null,
    revoked_at text,
    revoked_reason text
);
create index idx_refresh_families_user on refresh_token_families (user_id);

create table refresh_tokens (
    id blob primary key,
    family_id blob not null references refresh_token_families (id) on delete cascade,
    user_id blob not null references users (id) on delete cascade,
    token_hash text not null unique,
    expires_at text not null,
    created_at text not null,
    used_at text
);
create index idx_refresh_tokens_family on refresh_tokens (family_id);
create index idx_refresh_tokens_user on refresh_tokens (user_id);

create table audit_log (
    id integer primary key autoincrement,
    occurred_at text not null,
    actor_id blob,
    subject_id blob,
    action text not null,
    ip text,
    details text not null default '{}'
);
create index idx_audit_log_subject on audit_log (subject_id, occurred_at);

create trigger audit_log_no_update before update on audit_log
begin
    select raise(abort, 'audit_log is append-only');
end;
create trigger audit_log_no_delete before delete on audit_log
begin
    select raise(abort, 'audit_log is append-only');
end;
