//! The price hub: the last price of every symbol, routed only to the subscribers holding it.
//!
//! A feed's batch ([`Ticks`]) reaches each subscriber as one [`PriceMove`] holding only its
//! symbols' new prices; the batch itself is shared, not copied per subscriber.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use actix::{Actor, Context, Handler, Message, MessageResult, Recipient};

use super::tick::{Tick, TickGuard, Ticks};

/// A symbol's accepted new price.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceUpdate {
    /// The symbol.
    pub symbol: String,
    /// The new price.
    pub price: f64,
    /// When the feed produced it (Unix milliseconds).
    pub ts_ms: i64,
}

/// Prices a subscriber holds have moved: its share of one batch, in the feed's order.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct PriceMove {
    batch: Arc<[PriceUpdate]>,
    mine: Vec<u32>,
}

impl PriceMove {
    /// The subscriber's updates.
    pub fn updates(&self) -> impl Iterator<Item = &PriceUpdate> {
        self.mine.iter().filter_map(|&i| self.batch.get(i as usize))
    }
}

/// The last accepted price of a symbol.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quote {
    /// The price.
    pub price: f64,
    /// When the feed produced it (Unix milliseconds).
    pub ts_ms: i64,
}

/// Routes `symbols` to `recipient` from now on, replacing what `subscriber` held before. The
/// current quote of each symbol is sent at once, so a new subscriber starts with prices.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Subscribe {
    /// A stable id for the subscriber (a session).
    pub subscriber: u64,
    /// The symbols it holds.
    pub symbols: Vec<String>,
    /// Where its updates go.
    pub recipient: Recipient<PriceMove>,
}

/// Stops routing anything to `subscriber`.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Unsubscribe {
    /// The subscriber.
    pub subscriber: u64,
}

/// The last quotes of `symbols` (unknown symbols are left out).
#[derive(Debug, Message)]
#[rtype(result = "Vec<(String, Quote)>")]
pub struct GetQuotes {
    /// Upper-case symbols.
    pub symbols: Vec<String>,
}

/// Counters, for `/market/feeds` and metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HubStats {
    /// Ticks believed.
    pub accepted: u64,
    /// Ticks dropped by the guard.
    pub rejected: u64,
    /// Symbols with a price.
    pub symbols: usize,
    /// Subscribers.
    pub subscribers: usize,
}

/// Asks for [`HubStats`].
#[derive(Debug, Message)]
#[rtype(result = "HubStats")]
pub struct GetHubStats;

struct Subscriber {
    recipient: Recipient<PriceMove>,
    symbols: HashSet<String>,
}

/// The hub actor.
pub struct PriceHub {
    guard: TickGuard,
    quotes: HashMap<String, Quote>,
    /// symbol → subscribers: a tick touches only its symbol's subscribers.
    routes: HashMap<String, HashSet<u64>>,
    subscribers: HashMap<u64, Subscriber>,
    accepted: u64,
}

impl PriceHub {
    /// A hub whose guard drops moves beyond `max_jump_ratio` (see [`TickGuard::new`]).
    #[must_use]
    pub fn new(max_jump_ratio: f64) -> Self {
        Self {
            guard: TickGuard::new(max_jump_ratio),
            quotes: HashMap::new(),
            routes: HashMap::new(),
            subscribers: HashMap::new(),
            accepted: 0,
        }
    }

    fn drop_subscriber(&mut self, subscriber: u64) {
        let symbols = self
            .subscribers
            .remove(&subscriber)
            .map(|s| s.symbols)
            .unwrap_or_default();
        for symbol in symbols {
            if let Some(route) = self.routes.get_mut(&symbol) {
                route.remove(&subscriber);
                if route.is_empty() {
                    self.routes.remove(&symbol);
                }
            }
        }
    }
}

impl Actor for PriceHub {
    type Context = Context<Self>;
}

impl PriceHub {
    /// Believes what the guard admits, then sends each subscriber touched its share.
    fn route(&mut self, ticks: Vec<Tick>) {
        let mut batch = Vec::with_capacity(ticks.len());
        for tick in ticks {
            if let Err(reason) = self.guard.admit(&tick) {
                tracing::debug!(symbol = %tick.symbol, price = tick.price, ?reason, "tick dropped");
                continue;
            }
            self.accepted += 1;
            let quote = Quote {
                price: tick.price,
                ts_ms: tick.ts_ms,
            };
            match self.quotes.get_mut(&tick.symbol) {
                Some(known) => *known = quote,
                None => {
                    self.quotes.insert(tick.symbol.clone(), quote);
                }
            }
            batch.push(PriceUpdate {
                symbol: tick.symbol,
                price: tick.price,
                ts_ms: tick.ts_ms,
            });
        }
        let mut shares: HashMap<u64, Vec<u32>> = HashMap::new();
        for (i, update) in (0u32..).zip(&batch) {
            for subscriber in self.routes.get(&update.symbol).into_iter().flatten() {
                shares.entry(*subscriber).or_default().push(i);
            }
        }
        let batch: Arc<[PriceUpdate]> = batch.into();
        for (subscriber, mine) in shares {
            if let Some(s) = self.subscribers.get(&subscriber) {
                s.recipient.do_send(PriceMove {
                    batch: batch.clone(),
                    mine,
                });
            }
        }
    }
}

impl Handler<Ticks> for PriceHub {
    type Result = ();

    fn handle(&mut self, Ticks(ticks): Ticks, _: &mut Context<Self>) {
        self.route(ticks);
    }
}

impl Handler<Tick> for PriceHub {
    type Result = ();

    fn handle(&mut self, tick: Tick, _: &mut Context<Self>) {
        self.route(vec![tick]);
    }
}

impl Handler<Subscribe> for PriceHub {
    type Result = ();

    fn handle(&mut self, msg: Subscribe, _: &mut Context<Self>) {
        self.drop_subscriber(msg.subscriber);
        let symbols: HashSet<String> = msg.symbols.into_iter().collect();
        let mut current = Vec::new();
        for symbol in &symbols {
            self.routes
                .entry(symbol.clone())
                .or_default()
                .insert(msg.subscriber);
            if let Some(quote) = self.quotes.get(symbol) {
                current.push(PriceUpdate {
                    symbol: symbol.clone(),
                    price: quote.price,
                    ts_ms: quote.ts_ms,
                });
            }
        }
        if !current.is_empty() {
            msg.recipient.do_send(PriceMove {
                mine: (0..).take(current.len()).collect(),
                batch: current.into(),
            });
        }
        self.subscribers.insert(
            msg.subscriber,
            Subscriber {
                recipient: msg.recipient,
                symbols,
            },
        );
    }
}

impl Handler<Unsubscribe> for PriceHub {
    type Result = ();

    fn handle(&mut self, msg: Unsubscribe, _: &mut Context<Self>) {
        self.drop_subscriber(msg.subscriber);
    }
}

impl Handler<GetQuotes> for PriceHub {
    type Result = MessageResult<GetQuotes>;

    fn handle(&mut self, msg: GetQuotes, _: &mut Context<Self>) -> Self::Result {
        MessageResult(
            msg.symbols
                .into_iter()
                .filter_map(|s| self.quotes.get(&s).map(|q| (s, *q)))
                .collect(),
        )
    }
}

impl Handler<GetHubStats> for PriceHub {
    type Result = MessageResult<GetHubStats>;

    fn handle(&mut self, _: GetHubStats, _: &mut Context<Self>) -> Self::Result {
        MessageResult(HubStats {
            accepted: self.accepted,
            rejected: self.guard.rejected_total(),
            symbols: self.quotes.len(),
            subscribers: self.subscribers.len(),
        })
    }
}
