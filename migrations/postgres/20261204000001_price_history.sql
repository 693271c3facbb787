-- Price history, daily valuations and the cash flows of holding changes: what portfolio
-- estimates, back-tests and performance stand on.

-- One close per symbol, day and source. The source is kept so that prices of different
-- standing never mix in an estimate: `import` (the CLI) and `upload` (an administrator) are
-- history someone vouched for, `feed` is the day's last price from a real external feed, and
-- `synthetic` is what the synthetic or replay feed made up or time-shifted, which is only
-- ever read when asked for by name. Closes are prices, not amounts of money held, so they are
-- floating point; the checks also refuse NaN and infinity (NaN sorts above every number in
-- PostgreSQL).
create table prices (
    symbol varchar(16) not null
        check (length(symbol) between 1 and 16 and symbol = upper(symbol)),
    day date not null,
    close double precision not null check (close > 0 and close < 1e12),
    source varchar(16) not null check (source in ('import', 'upload', 'feed', 'synthetic')),
    recorded_at timestamptz not null default now(),
    -- Also the index for reading one symbol's history in date order.
    primary key (symbol, day, source)
);

-- The value of a user's priced holdings at the end of each day (the last recording of the day
-- wins). A day on which some holding had no price is not recorded: counting it at zero would
-- show a loss that never happened.
create table portfolio_valuations (
    user_id uuid not null references users (id) on delete cascade,
    day date not null,
    value_cents bigint not null check (value_cents >= 0),
    recorded_at timestamptz not null,
    primary key (user_id, day)
);

-- Every change to a holding's quantity or symbol is money moving in (bought, positive) or out
-- (sold, negative) at the price of that moment, so that performance measures the market and
-- not the deposits. `amount_cents` is null when no price was known then.
create table portfolio_flows (
    id uuid primary key,
    user_id uuid not null references users (id) on delete cascade,
    at timestamptz not null,
    symbol varchar(16) not null,
    quantity_micros bigint not null check (quantity_micros <> 0),
    price double precision check (price > 0 and price < 1e12),
    amount_cents bigint,
    check ((price is null) = (amount_cents is null))
);
create index idx_portfolio_flows_user_at on portfolio_flows (user_id, at);
