-- Holdings, advisor grants, alert rules and alerts: what the live sessions watch.

-- Quantities are millionths of a share (BIGINT), not floating point, for the reason money is
-- cents: what a client stores is what it reads back, and equal quantities compare equal.
-- Six decimals cover fractional shares at every broker we know; 10^15 micro-shares (10^9
-- shares) stays below 2^53, so the f64 on the wire represents every stored value exactly.
-- `asset_class` names one of the owner's plan asset classes (checked by the server: plans
-- live as JSON, so no foreign key can say it).
create table holdings (
    id uuid primary key,
    user_id uuid not null references users (id) on delete cascade,
    account varchar(40) not null check (length(account) between 1 and 40),
    symbol varchar(16) not null
        check (length(symbol) between 1 and 16 and symbol = upper(symbol)),
    quantity_micros bigint not null
        check (quantity_micros > 0 and quantity_micros <= 1000000000000000),
    asset_class varchar(60) not null check (length(asset_class) between 1 and 60),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    -- Also the index for listing a user's holdings in (account, symbol) order.
    constraint holdings_user_account_symbol unique (user_id, account, symbol)
);

-- A client lets an advisor watch their plan. Both sides cascade: deleting either account
-- ends the grant.
create table advisor_grants (
    client_id uuid not null references users (id) on delete cascade,
    advisor_id uuid not null references users (id) on delete cascade,
    created_at timestamptz not null default now(),
    primary key (client_id, advisor_id),
    check (client_id <> advisor_id)
);
-- The advisor's side: "whose plans may I watch?".
create index idx_advisor_grants_advisor on advisor_grants (advisor_id);

-- Levels are probabilities, weights or prices, so DOUBLE PRECISION. The bounds also refuse
-- NaN and infinities (PostgreSQL orders NaN above every number).
create table alert_rules (
    id uuid primary key,
    user_id uuid not null references users (id) on delete cascade,
    kind varchar(20) not null check (kind in ('success_below', 'drift_above', 'price_cross')),
    level double precision not null check (level > 0 and level <= 1e9),
    symbol varchar(16) check (symbol = upper(symbol)),
    direction varchar(5) check (direction in ('above', 'below')),
    -- How far the observed value must come back past the level before the rule fires again.
    hysteresis double precision not null default 0 check (hysteresis >= 0 and hysteresis <= 1e9),
    created_at timestamptz not null default now(),
    -- A price rule needs its symbol and direction; the others have neither.
    check ((kind = 'price_cross') = (symbol is not null and direction is not null)),
    check (kind = 'price_cross' or (symbol is null and direction is null)),
    check (kind = 'price_cross' or level <= 1)
);
create index idx_alert_rules_user_created on alert_rules (user_id, created_at, id);

-- Alerts outlive their rule (rule_id becomes null) so the history stays readable.
create table alerts (
    id uuid primary key,
    user_id uuid not null references users (id) on delete cascade,
    rule_id uuid references alert_rules (id) on delete set null,
    kind varchar(20) not null check (kind in ('success_below', 'drift_above', 'price_cross')),
    message varchar(500) not null,
    value double precision not null check (value between -1e15 and 1e15),
    created_at timestamptz not null default now()
);
-- Lists are newest first within a user.
create index idx_alerts_user_created on alerts (user_id, created_at, id);
-- Deleting a rule nulls its alerts' rule_id; without this that is a scan.
create index idx_alerts_rule on alerts (rule_id);
