-- The recommendation a proposal was made from (see migrations/postgres).
alter table proposals
    add column recommendation_id blob references recommendations (id) on delete set null;
create index idx_proposals_recommendation on proposals (recommendation_id);
