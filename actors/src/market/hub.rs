//! The price hub: the last price of every symbol, routed only to the subscribers holding it.
//!
//! A feed's batch ([`Ticks`]) reaches each subscriber as one [`PriceMove`] holding only its
//! symbols' new prices; the batch itself is shared, not copied per subscriber.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use actix::{Actor, Context, Handler, Message, MessageResult, Recipient};
use smallvec::SmallVec;

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
    /// When the hub received it; `None` for the last quotes a new subscriber starts with,
    /// which are not news. Tick-to-frame latency is measured from here.
    pub arrived: Option<Instant>,
}

/// Prices a subscriber holds have moved: its share of one batch, in the feed's order.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct PriceMove {
    subscriber: u64,
    batch: Arc<[PriceUpdate]>,
    /// (index into `batch`, the symbol's slot in the subscriber's [`Subscribe::symbols`]).
    mine: Share,
}

impl PriceMove {
    /// The subscription it was routed under ([`Subscribe::subscriber`]): the slots are those
    /// of that subscription's symbols.
    #[must_use]
    pub fn subscriber(&self) -> u64 {
        self.subscriber
    }

    /// The subscriber's updates.
    pub fn updates(&self) -> impl Iterator<Item = &PriceUpdate> {
        self.slotted().map(|(_, update)| update)
    }

    /// The subscriber's updates, each with its symbol's index in the subscriber's
    /// [`Subscribe::symbols`]: a subscriber keeps its prices by that index and never
    /// compares or hashes a symbol per tick.
    pub fn slotted(&self) -> impl Iterator<Item = (usize, &PriceUpdate)> {
        self.mine
            .iter()
            .filter_map(|&(i, slot)| Some((slot as usize, self.batch.get(i as usize)?)))
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
    /// The symbols it holds; a symbol's index here is its slot in [`PriceMove::slotted`]
    /// (the first, if listed twice).
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

/// Every priced symbol's last quote, in symbol order.
#[derive(Debug, Message)]
#[rtype(result = "Vec<(String, Quote)>")]
pub struct GetAllQuotes;

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
    id: u64,
    recipient: Recipient<PriceMove>,
    symbols: HashSet<String>,
    /// Its share of the batch being routed; empty between batches.
    share: Share,
}

/// A subscriber's share of a batch: (index into the batch, its slot). Inline up to 8, as
/// portfolios hold a handful of symbols, so routing a market move to thousands of them
/// allocates nothing per subscriber.
type Share = SmallVec<[(u32, u32); 8]>;

/// The hub actor.
pub struct PriceHub {
    guard: TickGuard,
    quotes: HashMap<String, Quote>,
    /// Subscribers by a dense index (`None`: a free place, reused by the next subscriber).
    subscribers: Vec<Option<Subscriber>>,
    /// Subscriber id → its index in `subscribers`.
    index: HashMap<u64, usize>,
    /// Free places in `subscribers`.
    free: Vec<usize>,
    /// symbol → (subscriber index, the symbol's slot there): a tick touches only its
    /// symbol's subscribers, found without hashing their ids.
    routes: HashMap<String, Vec<(usize, u32)>>,
    accepted: u64,
}

impl PriceHub {
    /// A hub whose guard drops moves beyond `max_jump_ratio` (see [`TickGuard::new`]).
    #[must_use]
    pub fn new(max_jump_ratio: f64) -> Self {
        Self {
            guard: TickGuard::new(max_jump_ratio),
            quotes: HashMap::new(),
            subscribers: Vec::new(),
            index: HashMap::new(),
            free: Vec::new(),
            routes: HashMap::new(),
            accepted: 0,
        }
    }

    fn drop_subscriber(&mut self, subscriber: u64) {
        let Some(at) = self.index.remove(&subscriber) else {
            return;
        };
        let symbols = self
            .subscribers
            .get_mut(at)
            .and_then(Option::take)
            .map(|s| s.symbols)
            .unwrap_or_default();
        self.free.push(at);
        for symbol in symbols {
            if let Some(route) = self.routes.get_mut(&symbol) {
                route.retain(|(i, _)| *i != at);
                if route.is_empty() {
                    self.routes.remove(&symbol);
                }
            }
        }
    }

    /// Believes what the guard admits, then sends each subscriber touched its share.
    fn route(&mut self, ticks: Vec<Tick>) {
        let arrived = Some(Instant::now());
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
                arrived,
            });
        }
        let mut touched = Vec::new();
        for (i, update) in (0u32..).zip(&batch) {
            for &(at, slot) in self.routes.get(&update.symbol).into_iter().flatten() {
                if let Some(Some(sub)) = self.subscribers.get_mut(at) {
                    if sub.share.is_empty() {
                        touched.push(at);
                    }
                    sub.share.push((i, slot));
                }
            }
        }
        let batch: Arc<[PriceUpdate]> = batch.into();
        for at in touched {
            if let Some(Some(sub)) = self.subscribers.get_mut(at) {
                sub.recipient.do_send(PriceMove {
                    subscriber: sub.id,
                    batch: batch.clone(),
                    mine: std::mem::take(&mut sub.share),
                });
            }
        }
    }
}

impl Actor for PriceHub {
    type Context = Context<Self>;
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
        let at = self.free.pop().unwrap_or_else(|| {
            self.subscribers.push(None);
            self.subscribers.len() - 1
        });
        let mut symbols = HashSet::with_capacity(msg.symbols.len());
        let mut current = Vec::new();
        let mut mine = Share::new();
        for (slot, symbol) in (0u32..).zip(msg.symbols) {
            if symbols.contains(&symbol) {
                continue;
            }
            self.routes
                .entry(symbol.clone())
                .or_default()
                .push((at, slot));
            if let Some(quote) = self.quotes.get(&symbol) {
                mine.push((u32::try_from(current.len()).unwrap_or(u32::MAX), slot));
                current.push(PriceUpdate {
                    symbol: symbol.clone(),
                    price: quote.price,
                    ts_ms: quote.ts_ms,
                    arrived: None,
                });
            }
            symbols.insert(symbol);
        }
        if !current.is_empty() {
            msg.recipient.do_send(PriceMove {
                subscriber: msg.subscriber,
                mine,
                batch: current.into(),
            });
        }
        self.index.insert(msg.subscriber, at);
        self.subscribers[at] = Some(Subscriber {
            id: msg.subscriber,
            recipient: msg.recipient,
            symbols,
            share: Share::new(),
        });
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

impl Handler<GetAllQuotes> for PriceHub {
    type Result = MessageResult<GetAllQuotes>;

    fn handle(&mut self, _: GetAllQuotes, _: &mut Context<Self>) -> Self::Result {
        let mut all: Vec<(String, Quote)> =
            self.quotes.iter().map(|(s, q)| (s.clone(), *q)).collect();
        all.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        MessageResult(all)
    }
}

impl Handler<GetHubStats> for PriceHub {
    type Result = MessageResult<GetHubStats>;

    fn handle(&mut self, _: GetHubStats, _: &mut Context<Self>) -> Self::Result {
        MessageResult(HubStats {
            accepted: self.accepted,
            rejected: self.guard.rejected_total(),
            symbols: self.quotes.len(),
            subscribers: self.index.len(),
        })
    }
}
