-- Price history, daily valuations and holding cash flows (see migrations/postgres for the
-- reasons).
create table prices (
    symbol text not null check (length(symbol) between 1 and 16 and symbol = upper(symbol)),
    day text not null,
    close real not null check (close > 0 and close < 1e12),
    source text not null check (source in ('import', 'upload', 'feed', 'synthetic')),
    recorded_at text not null,
    primary key (symbol, day, source)
) without rowid;

create table portfolio_valuations (
    user_id blob not null references users (id) on delete cascade,
    day text not null,
    value_cents integer not null check (value_cents >= 0),
    recorded_at text not null,
    primary key (user_id, day)
);

create table portfolio_flows (
    id blob primary key,
    user_id blob not null references users (id) on delete cascade,
    at text not null,
    symbol text not null,
    quantity_micros integer not null check (quantity_micros <> 0),
    price real check (price > 0 and price < 1e12),
    amount_cents integer,
    check ((price is null) = (amount_cents is null))
);
create index idx_portfolio_flows_user_at on portfolio_flows (user_id, at);
