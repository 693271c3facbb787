//! The portfolio actor: the holdings marked to market at the hub's prices, their weights
//! per asset class and the drift from the plan's targets. It subscribes to the hub for the
//! held symbols only, and values once per market move: the hub delivers a feed's batch as
//! one message. With a batch window (off by default), ticks arriving separately within the
//! window after the first are folded into one valuation as well.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix::{Actor, ActorContext, Addr, AsyncContext, Context, Handler, Message, Recipient};
use engine::portfolio;
use engine::rebalance::{
    BandStatus, Position, RebalanceSettings, band_status, share_class_targets,
};
use protocol::live::{ClassWeight, LivePortfolio, TickSummary};

use super::alerts::Observe;
use super::backend::Holding;
use super::supervision::{DownNotice, InjectFault, Shutdown};
use crate::market::PriceHub;
use crate::market::hub::{PriceMove, Subscribe, Unsubscribe};

/// New holdings or targets (after a change).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SetHoldings {
    /// The holdings.
    pub holdings: Vec<Holding>,
    /// The plan's asset classes, in order.
    pub classes: Vec<String>,
    /// The plan's target weights, in the same order.
    pub targets: Vec<f64>,
    /// The plan's drift band.
    pub band: f64,
}

/// The portfolio after a price moved or the holdings changed; it goes to the simulation
/// actor, which answers for its wealth and hands both on to the session.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Valuation {
    /// The portfolio.
    pub portfolio: LivePortfolio,
    /// Its market value, when anything is held and priced.
    pub wealth: Option<f64>,
    /// The ticks that caused it (latest per symbol).
    pub ticks: Vec<TickSummary>,
    /// How many ticks it folds (more than `ticks` when a symbol moved twice).
    pub tick_count: u32,
    /// When the newest of them reached the price hub.
    pub tick_arrived: Option<Instant>,
}

/// The holdings, resolved once against the plan's classes and the held symbols, so that
/// valuing them at every tick indexes where it would otherwise compare and hash names.
#[derive(Debug, Clone, Default)]
pub struct Book {
    holdings: Vec<Holding>,
    classes: Vec<String>,
    targets: Vec<f64>,
    /// The held symbols, sorted and without repeats: a symbol's index is its price slot.
    symbols: Vec<String>,
    /// Per holding, its symbol's slot.
    slots: Vec<usize>,
    /// Per holding, its class's index in `classes` (`None`: a class the plan lacks).
    class_of: Vec<Option<usize>>,
    /// Per symbol (slot), the shares held in all accounts, and the class of its largest
    /// holding: a rebalance trades symbols, as `POST /portfolio/rebalance` does.
    symbol_quantity: Vec<f64>,
    symbol_class: Vec<Option<usize>>,
    /// The drift band.
    band: f64,
}

impl Book {
    /// `holdings` against the plan's `classes` and their `targets` (same order).
    #[must_use]
    pub fn new(holdings: Vec<Holding>, classes: Vec<String>, targets: Vec<f64>, band: f64) -> Self {
        let mut symbols: Vec<String> = holdings.iter().map(|h| h.symbol.clone()).collect();
        symbols.sort_unstable();
        symbols.dedup();
        let slots = holdings
            .iter()
            .map(|h| symbols.binary_search(&h.symbol).unwrap_or_default())
            .collect();
        let class_of: Vec<Option<usize>> = holdings
            .iter()
            .map(|h| classes.iter().position(|c| *c == h.asset_class))
            .collect();
        let mut symbol_quantity = vec![0.0; symbols.len()];
        let mut largest = vec![0.0_f64; symbols.len()];
        let mut symbol_class = vec![None; symbols.len()];
        for ((h, &slot), class) in holdings.iter().zip(&slots).zip(&class_of) {
            symbol_quantity[slot] += h.quantity;
            if h.quantity > largest[slot] {
                largest[slot] = h.quantity;
                symbol_class[slot] = *class;
            }
        }
        Self {
            holdings,
            classes,
            targets,
            symbols,
            slots,
            class_of,
            symbol_quantity,
            symbol_class,
            band,
        }
    }

    /// Whether the priced holdings are outside the band, and how many trades
    /// `POST /portfolio/rebalance` (no new cash, fractional shares) would list to bring them
    /// back: the plan's class targets shared among each class's symbols by value.
    fn band_status(&self, prices: &[Option<f64>]) -> Option<BandStatus> {
        let mut positions = Vec::with_capacity(self.symbols.len());
        let mut values = Vec::with_capacity(self.symbols.len());
        let mut classes = Vec::with_capacity(self.symbols.len());
        for (slot, &quantity) in self.symbol_quantity.iter().enumerate() {
            let Some(price) = prices.get(slot).copied().flatten() else {
                continue;
            };
            positions.push(Position {
                quantity,
                price,
                target: 0.0,
            });
            values.push(quantity * price);
            classes.push(self.symbol_class[slot]);
        }
        let targets = share_class_targets(&values, &classes, &self.targets);
        if targets.iter().sum::<f64>() <= 0.0 {
            return None;
        }
        for (p, t) in positions.iter_mut().zip(targets) {
            p.target = t;
        }
        let settings = RebalanceSettings {
            band: self.band,
            ..RebalanceSettings::default()
        };
        band_status(&positions, &settings).ok()
    }

    /// The held symbols; `prices` and ticks are indexed by position here.
    #[must_use]
    pub fn symbols(&self) -> &[String] {
        &self.symbols
    }

    /// The slot of `symbol`, if held.
    #[must_use]
    pub fn slot(&self, symbol: &str) -> Option<usize> {
        self.symbols
            .binary_search_by(|s| s.as_str().cmp(symbol))
            .ok()
    }

    /// The holdings at `prices` (by slot; missing or `None`: unpriced), against the targets
    /// (see [`engine::portfolio::allocate`]); the wealth is `None` when nothing is priced.
    #[must_use]
    pub fn value(&self, prices: &[Option<f64>]) -> (LivePortfolio, Option<f64>) {
        let input: Vec<portfolio::Holding<'_>> = self
            .holdings
            .iter()
            .zip(&self.class_of)
            .map(|(h, class)| portfolio::Holding {
                symbol: &h.symbol,
                quantity: h.quantity,
                class: *class,
            })
            .collect();
        let price = |i: usize| prices.get(*self.slots.get(i)?).copied().flatten();
        let allocation = match portfolio::allocate_by_index(&input, price, &self.targets) {
            Ok(a) => a,
            Err(e) => {
                // Stored holdings and plans are validated, so this is a bug; show nothing held.
                tracing::error!(error = %e, "holdings could not be valued");
                let empty = LivePortfolio {
                    total_value: 0.0,
                    classes: Vec::new(),
                    max_abs_drift: 0.0,
                    unpriced: Vec::new(),
                    band: self.band,
                    outside_band: false,
                    rebalance_trades: 0,
                };
                return (empty, None);
            }
        };
        let mut unpriced: Vec<String> = allocation
            .unpriced
            .iter()
            .map(|&i| self.holdings[i].symbol.clone())
            .collect();
        unpriced.sort();
        unpriced.dedup();
        let priced = allocation.is_priced();
        let band = self.band_status(prices);
        (
            LivePortfolio {
                total_value: allocation.total_value,
                classes: self
                    .classes
                    .iter()
                    .zip(&allocation.classes)
                    .map(|(name, c)| ClassWeight {
                        asset_class: name.clone(),
                        value: c.value,
                        weight: c.weight,
                        target: c.target,
                        drift: c.drift,
                    })
                    .collect(),
                max_abs_drift: allocation.max_abs_drift,
                unpriced,
                band: self.band,
                outside_band: band.is_some_and(|b| b.outside),
                rebalance_trades: band
                    .map_or(0, |b| u32::try_from(b.trades_needed).unwrap_or(u32::MAX)),
            },
            priced.then_some(allocation.total_value),
        )
    }
}

static NEXT_SUBSCRIPTION: AtomicU64 = AtomicU64::new(1);

/// Unsubscribes from the hub when dropped, also when the actor dies by a panic.
struct HubSubscription {
    id: u64,
    hub: Addr<PriceHub>,
}

impl Drop for HubSubscription {
    fn drop(&mut self) {
        self.hub.do_send(Unsubscribe {
            subscriber: self.id,
        });
    }
}

/// Where valuations go: the session's current simulation actor and, while the user has alert
/// rules, its alert actor (for price-cross rules). The session sends a route whenever it
/// (re)starts a child or the rules change; a new simulation actor is valued for at once.
#[derive(Debug, Default, Message)]
#[rtype(result = "()")]
pub struct Route {
    /// The simulation actor.
    pub simulation: Option<Recipient<Valuation>>,
    /// The alert actor, when any rule needs ticks.
    pub alerts: Option<Recipient<Observe>>,
}

/// The portfolio actor.
pub struct PortfolioActor {
    route: Route,
    book: Book,
    /// Whether the holdings came: nothing is valued before.
    booked: bool,
    /// The last price of each of the book's symbols, by slot.
    prices: Vec<Option<f64>>,
    /// By slot, the newest tick since the last valuation; a valuation waits `batch_window`
    /// after the first, so the ticks of one market move make one valuation.
    moved: Vec<Option<(f64, i64)>>,
    tick_count: u32,
    /// When the newest of those ticks reached the hub.
    tick_arrived: Option<Instant>,
    batch_window: Duration,
    subscription: HubSubscription,
    _notice: DownNotice,
}

impl PortfolioActor {
    /// An actor valuing holdings at `hub`'s prices, for whatever its [`Route`] names.
    #[must_use]
    pub fn new(hub: Addr<PriceHub>, batch_window: Duration, notice: DownNotice) -> Self {
        Self {
            route: Route::default(),
            book: Book::default(),
            booked: false,
            prices: Vec::new(),
            moved: Vec::new(),
            tick_count: 0,
            tick_arrived: None,
            batch_window,
            subscription: HubSubscription {
                id: NEXT_SUBSCRIPTION.fetch_add(1, Ordering::Relaxed),
                hub,
            },
            _notice: notice,
        }
    }

    fn publish(&mut self) {
        let tick_count = std::mem::take(&mut self.tick_count);
        // In slot order, which is symbol order.
        let ticks: Vec<TickSummary> = self
            .moved
            .iter_mut()
            .zip(self.book.symbols())
            .filter_map(|(moved, symbol)| {
                let (price, ts_ms) = moved.take()?;
                Some(TickSummary {
                    symbol: symbol.clone(),
                    price,
                    ts_ms,
                })
            })
            .collect();
        if let (Some(alerts), false) = (&self.route.alerts, ticks.is_empty()) {
            alerts.do_send(Observe {
                ticks: ticks.clone(),
                ..Observe::default()
            });
        }
        let (portfolio, wealth) = self.book.value(&self.prices);
        if let Some(simulation) = &self.route.simulation {
            simulation.do_send(Valuation {
                portfolio,
                wealth,
                ticks,
                tick_count,
                tick_arrived: self.tick_arrived.take(),
            });
        }
    }
}

impl Actor for PortfolioActor {
    type Context = Context<Self>;
}

impl Handler<Route> for PortfolioActor {
    type Result = ();

    fn handle(&mut self, route: Route, _: &mut Context<Self>) {
        let new_simulation = route.simulation != self.route.simulation;
        self.route = route;
        if new_simulation && self.booked {
            self.publish();
        }
    }
}

impl Handler<SetHoldings> for PortfolioActor {
    type Result = ();

    fn handle(&mut self, msg: SetHoldings, ctx: &mut Context<Self>) {
        let book = Book::new(msg.holdings, msg.classes, msg.targets, msg.band);
        // Prices and pending ticks of symbols still held carry over to their new slots.
        let old = &self.book;
        let carried = |slot: Option<usize>| slot.map(|i| (self.prices[i], self.moved[i]));
        let (prices, moved) = book
            .symbols()
            .iter()
            .map(|s| carried(old.slot(s)).unwrap_or((None, None)))
            .unzip();
        self.prices = prices;
        self.moved = moved;
        self.book = book;
        self.booked = true;
        // A new subscription id: moves routed under the old one carry the old slots, and are
        // ignored once they arrive.
        let previous = std::mem::replace(
            &mut self.subscription.id,
            NEXT_SUBSCRIPTION.fetch_add(1, Ordering::Relaxed),
        );
        let hub = &self.subscription.hub;
        hub.do_send(Unsubscribe {
            subscriber: previous,
        });
        // The hub answers with the current quotes, which revalue the portfolio.
        hub.do_send(Subscribe {
            subscriber: self.subscription.id,
            symbols: self.book.symbols().to_vec(),
            recipient: ctx.address().recipient(),
        });
        self.publish();
    }
}

impl Handler<PriceMove> for PortfolioActor {
    type Result = ();

    fn handle(&mut self, msg: PriceMove, ctx: &mut Context<Self>) {
        if msg.subscriber() != self.subscription.id {
            return;
        }
        let first = self.tick_count == 0;
        for (slot, update) in msg.slotted() {
            let (Some(price), Some(moved)) = (self.prices.get_mut(slot), self.moved.get_mut(slot))
            else {
                continue;
            };
            *price = Some(update.price);
            *moved = Some((update.price, update.ts_ms));
            self.tick_arrived = self.tick_arrived.max(update.arrived);
            self.tick_count += 1;
        }
        if self.tick_count == 0 || !first {
            return;
        }
        if self.batch_window.is_zero() {
            self.publish();
        } else {
            ctx.run_later(self.batch_window, |act, _| act.publish());
        }
    }
}

impl Handler<Shutdown> for PortfolioActor {
    type Result = ();

    fn handle(&mut self, _: Shutdown, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

impl Handler<InjectFault> for PortfolioActor {
    type Result = ();

    fn handle(&mut self, _: InjectFault, _: &mut Context<Self>) {
        panic!("fault injected into the portfolio actor");
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::live::supervision::{Child, ChildDown};
    use crate::market::{Tick, Ticks};

    /// A valuation as the probe saw it: its wealth and the symbols of its ticks.
    type Seen = (Option<f64>, Vec<String>);

    /// Stands in for the simulation actor (and for the session's down notices).
    #[derive(Clone, Default)]
    struct Probe(Arc<Mutex<Vec<Seen>>>);

    impl Actor for Probe {
        type Context = Context<Self>;
    }

    impl Handler<Valuation> for Probe {
        type Result = ();
        fn handle(&mut self, msg: Valuation, _: &mut Context<Self>) {
            let ticks = msg.ticks.into_iter().map(|t| t.symbol).collect();
            self.0
                .lock()
                .expect("not poisoned")
                .push((msg.wealth, ticks));
        }
    }

    impl Handler<ChildDown> for Probe {
        type Result = ();
        fn handle(&mut self, _: ChildDown, _: &mut Context<Self>) {}
    }

    fn holdings(symbols: &[&str]) -> SetHoldings {
        SetHoldings {
            holdings: symbols
                .iter()
                .map(|s| Holding {
                    symbol: (*s).into(),
                    quantity: 1.0,
                    asset_class: "equity".into(),
                })
                .collect(),
            classes: vec!["equity".into()],
            targets: vec![1.0],
            band: 0.05,
        }
    }

    async fn settle() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    #[actix::test]
    async fn a_move_routed_under_the_old_holdings_is_not_read_with_the_new_slots() {
        let tick = |symbol: &str, price: f64| Tick {
            symbol: symbol.into(),
            price,
            ts_ms: 1,
        };
        let hub = PriceHub::new(2.0).start();
        hub.send(Ticks(vec![tick("A", 10.0), tick("B", 20.0)]))
            .await
            .expect("hub");
        let probe = Probe::default();
        let sink = probe.clone().start();
        let notice = DownNotice::new(Child::Portfolio, 1, sink.clone().recipient());
        let portfolio = PortfolioActor::new(hub.clone(), Duration::ZERO, notice).start();
        portfolio
            .send(Route {
                simulation: Some(sink.recipient()),
                alerts: None,
            })
            .await
            .expect("portfolio");
        portfolio.send(holdings(&["B"])).await.expect("portfolio");
        settle().await;
        assert_eq!(
            probe.0.lock().expect("not poisoned").last(),
            Some(&(Some(20.0), vec!["B".to_string()]))
        );
        probe.0.lock().expect("not poisoned").clear();

        // B (slot 0 of the old holdings) moves while the holdings change to A and B, where
        // slot 0 is A. That move was routed under the old subscription and must not set A.
        hub.do_send(Ticks(vec![tick("B", 30.0)]));
        portfolio.do_send(holdings(&["A", "B"]));
        settle().await;
        let seen = probe.0.lock().expect("not poisoned").clone();
        let wealth: Vec<Option<f64>> = seen.iter().map(|(w, _)| *w).collect();
        assert_eq!(
            wealth,
            [Some(20.0), Some(40.0)],
            "B's carried price alone, then both quotes of the new subscription: {seen:?}"
        );
        assert_eq!(seen[1].1, ["A", "B"], "ticks in symbol order");
    }

    #[test]
    fn values_weights_and_drift_by_class() {
        let holdings = vec![
            Holding {
                symbol: "SPY".into(),
                quantity: 10.0,
                asset_class: "us_equity".into(),
            },
            Holding {
                symbol: "BND".into(),
                quantity: 20.0,
                asset_class: "bonds".into(),
            },
            Holding {
                symbol: "XYZ".into(),
                quantity: 1.0,
                asset_class: "bonds".into(),
            },
            Holding {
                symbol: "SPY".into(),
                quantity: 2.0,
                asset_class: "us_equity".into(),
            },
        ];
        let classes = vec!["us_equity".to_string(), "bonds".to_string()];
        let book = Book::new(holdings, classes, vec![0.6, 0.4], 0.05);
        assert_eq!(book.symbols(), ["BND", "SPY", "XYZ"]);
        let mut prices = vec![None; 3];
        prices[book.slot("SPY").expect("held")] = Some(250.0);
        prices[book.slot("BND").expect("held")] = Some(50.0);
        assert_eq!(book.slot("QQQ"), None);
        let (p, wealth) = book.value(&prices);
        assert_eq!(wealth, Some(4000.0));
        assert_eq!(p.classes[0].value, 3000.0);
        assert!((p.classes[0].weight - 0.75).abs() < 1e-12);
        assert!((p.classes[1].drift + 0.15).abs() < 1e-12);
        assert!((p.max_abs_drift - 0.15).abs() < 1e-12);
        assert_eq!(p.unpriced, ["XYZ"]);
        // Among the priced symbols SPY is 0.75 against 0.6, outside the 0.05 band: selling
        // 2.4 SPY and buying 12 BND brings it back (XYZ, unpriced, cannot be traded).
        assert_eq!(p.band, 0.05);
        assert!(p.outside_band);
        assert_eq!(p.rebalance_trades, 2);
        let (empty, none) = book.value(&[]);
        assert_eq!(none, None);
        assert_eq!(empty.max_abs_drift, 0.0);
    }
}
