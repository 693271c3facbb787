-- Holdings, advisor grants, alert rules and alerts (see migrations/postgres for the reasons).
create table holdings (
    id blob primary key,
    user_id blob not null references users (id) on delete cascade,
    account text not null check (length(account) between 1 and 40),
    symbol text not null check (length(symbol) between 1 and 16 and symbol = upper(symbol)),
    quantity_micros integer not null
        check (quantity_micros > 0 and quantity_micros <= 1000000000000000),
    asset_class text not null check (length(asset_class) between 1 and 60),
    created_at text not null,
    updated_at text not null,
    constraint holdings_user_account_symbol unique (user_id, account, symbol)
);

create table advisor_grants (
    client_id blob not null references users (id) on delete cascade,
    advisor_id blob not null references users (id) on delete cascade,
    created_at text not null,
    primary key (client_id, advisor_id),
    check (client_id <> advisor_id)
);
create index idx_advisor_grants_advisor on advisor_grants (advisor_id);

create table alert_rules (
    id blob primary key,
    user_id blob not null references users (id) on delete cascade,
    kind text not null check (kind in ('success_below', 'drift_above', 'price_cross')),
    level real not null check (level > 0 and level <= 1e9),
    symbol text check (symbol = upper(symbol)),
    direction text check (direction in ('above', 'below')),
    hysteresis real not null default 0 check (hysteresis >= 0 and hysteresis <= 1e9),
    created_at text not null,
    check ((kind = 'price_cross') = (symbol is not null and direction is not null)),
    check (kind = 'price_cross' or (symbol is null and direction is null)),
    check (kind = 'price_cross' or level <= 1)
);
create index idx_alert_rules_user_created on alert_rules (user_id, created_at, id);

create table alerts (
    id blob primary key,
    user_id blob not null references users (id) on delete cascade,
    rule_id blob references alert_rules (id) on delete set null,
    kind text not null check (kind in ('success_below', 'drift_above', 'price_cross')),
    message text not null check (length(message) <= 500),
    value real not null check (value between -1e15 and 1e15),
    created_at text not null
);
create index idx_alerts_user_created on alerts (user_id, created_at, id);
create index idx_alerts_rule on alerts (rule_id);
