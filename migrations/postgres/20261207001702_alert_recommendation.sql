-- A success_below alert carries the top recommendation computed when it fired. A newer set of
-- recommendations replaces the unanswered ones, and then the alert keeps only its sentence.
alter table alerts
    add column recommendation_id uuid references recommendations (id) on delete set null;
-- Deleting a recommendation nulls its alerts' reference; without this that is a scan.
create index idx_alerts_recommendation on alerts (recommendation_id);
