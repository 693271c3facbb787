-- Recommendations for plans with model extensions may delay or drop a goal wanted or wished
-- for; `change.goal` names it.
alter table recommendations drop constraint recommendations_kind_check;
alter table recommendations
    add constraint recommendations_kind_check check (kind in (
        'save_more', 'spend_less', 'retire_later', 'lower_fees', 'equity_share',
        'delay_goal', 'drop_goal'
    ));
