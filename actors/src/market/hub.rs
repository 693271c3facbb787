//! The price hub: the last price of every symbol, routed only to the subscribers holding it.

use std::collections::{HashMap, HashSet};

use actix::{Actor, Context, Handler, Message, MessageResult, Recipient};

use super::tick::{Tick, TickGuard};

/// A price a subscriber holds has moved.
#[derive(Debug, Clone, PartialEq, Message)]
#[rtype(result = "()")]
pub struct PriceUpdate {
    /// The symbol.
    pub symbol: String,
    /// The new price.
    pub price: f64,
    /// When the feed produced it (Unix milliseconds).
    pub ts_ms: i64,
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
    pub recipient: Recipient<PriceUpdate>,
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

/// The hub actor.
pub struct PriceHub {
    guard: TickGuard,
    quotes: HashMap<String, Quote>,
    /// symbol → subscriber → recipient: a tick touches only its symbol's subscribers.
    routes: HashMap<String, HashMap<u64, Recipient<PriceUpdate>>>,
    held: HashMap<u64, HashSet<String>>,
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
            held: HashMap::new(),
            accepted: 0,
        }
    }

    fn drop_subscriber(&mut self, subscriber: u64) {
        for symbol in self.held.remove(&subscriber).unwrap_or_default() {
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

impl Handler<Tick> for PriceHub {
    type Result = ();

    fn handle(&mut self, tick: Tick, _: &mut Context<Self>) {
        if let Err(reason) = self.guard.admit(&tick) {
            tracing::debug!(symbol = %tick.symbol, price = tick.price, ?reason, "tick dropped");
            return;
        }
        self.accepted += 1;
        self.quotes.insert(
            tick.symbol.clone(),
            Quote {
                price: tick.price,
                ts_ms: tick.ts_ms,
            },
        );
        if let Some(route) = self.routes.get(&tick.symbol) {
            let update = PriceUpdate {
                symbol: tick.symbol,
                price: tick.price,
                ts_ms: tick.ts_ms,
            };
            for recipient in route.values() {
                recipient.do_send(update.clone());
            }
        }
    }
}

impl Handler<Subscribe> for PriceHub {
    type Result = ();

    fn handle(&mut self, msg: Subscribe, _: &mut Context<Self>) {
        self.drop_subscriber(msg.subscriber);
        let symbols: HashSet<String> = msg.symbols.into_iter().collect();
        for symbol in &symbols {
            self.routes
                .entry(symbol.clone())
                .or_default()
                .insert(msg.subscriber, msg.recipient.clone());
            if let Some(quote) = self.quotes.get(symbol) {
                msg.recipient.do_send(PriceUpdate {
                    symbol: symbol.clone(),
                    price: quote.price,
                    ts_ms: quote.ts_ms,
                });
            }
        }
        self.held.insert(msg.subscriber, symbols);
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
            subscribers: self.held.len(),
        })
    }
}
