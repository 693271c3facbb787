-- A proposal an advisor made from one of the client's stored recommendations: accepting the
-- proposal accepts the recommendation too. A newer set of recommendations replaces the open
-- ones; the proposal keeps its change.
alter table proposals
    add column recommendation_id uuid references recommendations (id) on delete set null;
create index idx_proposals_recommendation on proposals (recommendation_id);
