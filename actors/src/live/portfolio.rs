//! The portfolio actor: the holdings marked to market at the hub's prices, their weights
//! per asset class and the drift from the plan's targets. It subscribes to the hub for the
//! held symbols only, and values once per market move: the hub delivers a feed's batch as
//! one message. With a batch window (off by default), ticks arriving separately within the
//! window after the first are folded into one valuation as well.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix::{Actor, ActorContext, Addr, AsyncContext, Context, Handler, Message, Recipient};
use engine::portfolio;
use protocol::live::{ClassWeight, LivePortfolio, TickSummary};

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
}

/// The portfolio after a price moved or the holdings changed.
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
}

/// Values `holdings` at `prices` against the targets of `classes` (see
/// [`engine::portfolio::allocate`]); the wealth is `None` when nothing is priced.
#[must_use]
pub fn value(
    holdings: &[Holding],
    prices: &HashMap<String, f64>,
    classes: &[String],
    targets: &[f64],
) -> (LivePortfolio, Option<f64>) {
    let input: Vec<portfolio::Holding<'_>> = holdings
        .iter()
        .map(|h| portfolio::Holding {
            symbol: &h.symbol,
            quantity: h.quantity,
            class: classes.iter().position(|c| *c == h.asset_class),
        })
        .collect();
    let allocation = match portfolio::allocate(&input, |s| prices.get(s).copied(), targets) {
        Ok(a) => a,
        Err(e) => {
            // Stored holdings and plans are validated, so this is a bug; show nothing held.
            tracing::error!(error = %e, "holdings could not be valued");
            let empty = LivePortfolio {
                total_value: 0.0,
                classes: Vec::new(),
                max_abs_drift: 0.0,
                unpriced: Vec::new(),
            };
            return (empty, None);
        }
    };
    let mut unpriced: Vec<String> = allocation
        .unpriced
        .iter()
        .map(|&i| holdings[i].symbol.clone())
        .collect();
    unpriced.sort();
    unpriced.dedup();
    let priced = allocation.is_priced();
    (
        LivePortfolio {
            total_value: allocation.total_value,
            classes: classes
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
        },
        priced.then_some(allocation.total_value),
    )
}

static NEXT_SUBSCRIBER: AtomicU64 = AtomicU64::new(1);

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

/// The portfolio actor.
pub struct PortfolioActor {
    session: Recipient<Valuation>,
    holdings: Vec<Holding>,
    classes: Vec<String>,
    targets: Vec<f64>,
    prices: HashMap<String, f64>,
    /// Ticks since the last valuation; a valuation waits `batch_window` after the first, so
    /// the ticks of one market move make one valuation.
    ticks: Vec<TickSummary>,
    tick_count: u32,
    batch_window: Duration,
    subscription: HubSubscription,
    _notice: DownNotice,
}

impl PortfolioActor {
    /// An actor valuing holdings at `hub`'s prices for `session`.
    #[must_use]
    pub fn new(
        session: Recipient<Valuation>,
        hub: Addr<PriceHub>,
        batch_window: Duration,
        notice: DownNotice,
    ) -> Self {
        Self {
            session,
            holdings: Vec::new(),
            classes: Vec::new(),
            targets: Vec::new(),
            prices: HashMap::new(),
            ticks: Vec::new(),
            tick_count: 0,
            batch_window,
            subscription: HubSubscription {
                id: NEXT_SUBSCRIBER.fetch_add(1, Ordering::Relaxed),
                hub,
            },
            _notice: notice,
        }
    }

    fn publish(&mut self) {
        let ticks = std::mem::take(&mut self.ticks);
        let tick_count = std::mem::take(&mut self.tick_count);
        let (portfolio, wealth) = value(&self.holdings, &self.prices, &self.classes, &self.targets);
        self.session.do_send(Valuation {
            portfolio,
            wealth,
            ticks,
            tick_count,
        });
    }
}

impl Actor for PortfolioActor {
    type Context = Context<Self>;
}

impl Handler<SetHoldings> for PortfolioActor {
    type Result = ();

    fn handle(&mut self, msg: SetHoldings, ctx: &mut Context<Self>) {
        self.holdings = msg.holdings;
        self.classes = msg.classes;
        self.targets = msg.targets;
        let mut symbols: Vec<String> = self.holdings.iter().map(|h| h.symbol.clone()).collect();
        symbols.sort();
        symbols.dedup();
        self.prices.retain(|s, _| symbols.contains(s));
        // The hub answers with the current quotes, which revalue the portfolio.
        self.subscription.hub.do_send(Subscribe {
            subscriber: self.subscription.id,
            symbols,
            recipient: ctx.address().recipient(),
        });
        self.publish();
    }
}

impl Handler<PriceMove> for PortfolioActor {
    type Result = ();

    fn handle(&mut self, msg: PriceMove, ctx: &mut Context<Self>) {
        let first = self.ticks.is_empty();
        for update in msg.updates() {
            match self.prices.get_mut(&update.symbol) {
                Some(price) => *price = update.price,
                None => {
                    self.prices.insert(update.symbol.clone(), update.price);
                }
            }
            self.tick_count += 1;
            match self.ticks.iter_mut().find(|t| t.symbol == update.symbol) {
                Some(seen) => {
                    seen.price = update.price;
                    seen.ts_ms = update.ts_ms;
                }
                None => self.ticks.push(TickSummary {
                    symbol: update.symbol.clone(),
                    price: update.price,
                    ts_ms: update.ts_ms,
                }),
            }
        }
        if self.ticks.is_empty() || !first {
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
    use super::*;

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
        ];
        let prices = HashMap::from([("SPY".to_string(), 300.0), ("BND".to_string(), 50.0)]);
        let classes = vec!["us_equity".to_string(), "bonds".to_string()];
        let (p, wealth) = value(&holdings, &prices, &classes, &[0.6, 0.4]);
        assert_eq!(wealth, Some(4000.0));
        assert_eq!(p.classes[0].value, 3000.0);
        assert!((p.classes[0].weight - 0.75).abs() < 1e-12);
        assert!((p.classes[1].drift + 0.15).abs() < 1e-12);
        assert!((p.max_abs_drift - 0.15).abs() < 1e-12);
        assert_eq!(p.unpriced, ["XYZ"]);
        let (empty, none) = value(&holdings, &HashMap::new(), &classes, &[0.6, 0.4]);
        assert_eq!(none, None);
        assert_eq!(empty.max_abs_drift, 0.0);
    }
}
