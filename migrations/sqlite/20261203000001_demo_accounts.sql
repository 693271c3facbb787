-- Demo accounts (`POST /auth/demo`; see migrations/postgres).
alter table users add column is_demo integer not null default 0;
create index idx_users_demo_created on users (created_at) where is_demo = true;
