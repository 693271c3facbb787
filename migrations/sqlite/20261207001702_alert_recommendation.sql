-- The top recommendation of a success_below alert (see migrations/postgres).
alter table alerts
    add column recommendation_id blob references recommendations (id) on delete set null;
create index idx_alerts_recommendation on alerts (recommendation_id);
