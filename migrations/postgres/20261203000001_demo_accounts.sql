-- Demo accounts: made by `POST /auth/demo`, one fresh set per visitor, and deleted (with
-- everything they own) once older than `demo.lifetime_secs`. The flag is what the server
-- checks before changing an account's e-mail or role; the partial index serves the periodic
-- search for expired ones without touching the other accounts.
alter table users add column is_demo boolean not null default false;
create index idx_users_demo_created on users (created_at) where is_demo;
