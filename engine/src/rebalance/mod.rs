//! Rebalancing trade lists: which positions to buy and sell, and how many shares, to bring
//! holdings back to their target weights with the new cash available.
//!
//! # Rules
//! 1. **Total.** `total = Σ quantity × price + cash`; position `i`'s target value is
//!    `target[i] × total`, its gap `target value − value` (positive: under target).
//! 2. **New cash first.** Cash is spread over the positions under target, largest gap first,
//!    by water-filling: the largest gaps are cut down to a common level, as low as the cash
//!    allows. Of all ways to spend it this leaves the smallest largest gap, so cash alone
//!    brings the portfolio inside its band whenever anything can. Cash is always invested,
//!    inside the band or not: it earns nothing where it is.
//! 3. **Selling only when needed.** Nothing is sold unless, after investing the cash, some
//!    position's weight is still more than the band from its target, and selling is allowed.
//! 4. **Then back to target.** In that case every position goes to its target (sells of all
//!    positions over target, buys of all under it, paid for by the cash and the proceeds),
//!    not merely to the band's edge: a portfolio left at the edge is one tick from the next
//!    alert and the next set of trades, and "rebalance" means "to target" to most users. The
//!    minimum trade value keeps the small trades this would add off the list.
//! 5. **Shares.** Trades are whole shares, or with fractional shares multiples of
//!    [`FRACTIONAL_SHARE_STEP`]; each is rounded to the nearest step, then buys are trimmed
//!    one step at a time (the most over-rounded first) until they cost no more than the cash
//!    plus the proceeds, so cash never goes negative. A sell never exceeds the quantity held:
//!    selling a whole position sells all of it, a fractional remainder included.
//! 6. **Minimum trade value.** Trades worth less are dropped; the money of a dropped buy goes
//!    to the other buys, a dropped sell's position stays over target, and the weights after
//!    say so.
//! 7. **Deterministic.** Ties (equal gaps, equal rounding) go to the lower index.
//!
//! Weights and drifts before and after are among the holdings alone (cash left out), as the
//! live allocation shows them and as [`band_status`] measures them; a portfolio with nothing
//! held is inside its band. "Outside the band" means `|weight − target| > band` (with
//! [`OUTSIDE_SLACK`] for rounding). Positions are identified by their index in the input;
//! the caller keeps the symbols.
//!
//! The trade list is in execution order: sells, largest over target first, then buys,
//! largest under target first.

mod band;
mod class_targets;
mod error;
mod fill;
mod reason;

pub use band::{BandStatus, band_status};
pub use class_targets::share_class_targets;
pub use error::{RebalanceError, TARGET_SUM_TOLERANCE};
pub use reason::Reason;

use error::validate;
use fill::{buy_shares, round_shares, water_fill};

/// The smallest fractional trade, in shares: fine enough that the drift it leaves is nothing
/// (a millionth of a share of a $1,000 stock is a tenth of a cent), coarse enough for brokers.
pub const FRACTIONAL_SHARE_STEP: f64 = 1e-6;

/// A weight within this of the band's edge is inside: a portfolio exactly at the edge must
/// not flip outside on floating-point noise, and with a band of 0 ("always rebalance") a
/// portfolio just rebalanced in [`FRACTIONAL_SHARE_STEP`]s, a few billionths of a point off,
/// must not count as outside with no trade left that could fix it.
pub const OUTSIDE_SLACK: f64 = 1e-6;

/// One position to rebalance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    /// Shares held; finite and 0 or more.
    pub quantity: f64,
    /// The live price; finite and greater than 0.
    pub price: f64,
    /// The target weight; between 0 and 1, all targets summing to 1.
    pub target: f64,
}

/// Whether trades may be in fractions of a share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareUnit {
    /// Whole shares only.
    Whole,
    /// Multiples of [`FRACTIONAL_SHARE_STEP`].
    Fractional,
}

/// How to rebalance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RebalanceSettings {
    /// The drift band: the largest `|weight − target|` that needs no selling (0.05 is 5
    /// points); finite and 0 or more.
    pub band: f64,
    /// Whole or fractional shares.
    pub shares: ShareUnit,
    /// Trades worth less than this (in currency) are dropped; finite and 0 or more.
    pub min_trade_value: f64,
    /// Whether anything may be sold; without it only new cash rebalances.
    pub allow_sells: bool,
}

impl Default for RebalanceSettings {
    /// A 5-point band, fractional shares, no minimum, selling allowed.
    fn default() -> Self {
        Self {
            band: 0.05,
            shares: ShareUnit::Fractional,
            min_trade_value: 0.0,
            allow_sells: true,
        }
    }
}

/// Buy or sell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Buy shares.
    Buy,
    /// Sell shares.
    Sell,
}

/// One trade of the list.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trade {
    /// Buy or sell.
    pub side: Side,
    /// Index of the position in the input.
    pub position: usize,
    /// Shares to trade; greater than 0.
    pub shares: f64,
    /// `shares × price`.
    pub value: f64,
    /// Why.
    pub reason: Reason,
}

/// Weights of the holdings against their targets, at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    /// `value / holdings value` per position; all 0 when nothing is held.
    pub weights: Vec<f64>,
    /// `weight − target` per position; all 0 when nothing is held.
    pub drift: Vec<f64>,
    /// The largest `|drift|`.
    pub max_abs_drift: f64,
    /// Whether `max_abs_drift` exceeds the band.
    pub outside: bool,
}

/// A rebalance's trade list and its effect.
#[derive(Debug, Clone, PartialEq)]
pub struct Rebalance {
    /// The trades, sells first (see the module's rules).
    pub trades: Vec<Trade>,
    /// The holdings before the trades.
    pub before: Weights,
    /// The holdings after the trades.
    pub after: Weights,
    /// Cash plus sale proceeds minus purchases; never negative.
    pub cash_left: f64,
}

/// The trade list that rebalances `positions` with `cash` of new money (see the module's
/// rules).
///
/// # Errors
/// A bad quantity, price, target, targets' sum, cash or setting (see [`RebalanceError`]).
pub fn rebalance(
    positions: &[Position],
    cash: f64,
    settings: &RebalanceSettings,
) -> Result<Rebalance, RebalanceError> {
    validate(positions, Some(cash), settings)?;
    let prices: Vec<f64> = positions.iter().map(|p| p.price).collect();
    let values: Vec<f64> = positions.iter().map(|p| p.quantity * p.price).collect();
    let total = values.iter().sum::<f64>() + cash;
    let gaps: Vec<f64> = positions
        .iter()
        .zip(&values)
        .map(|(p, v)| p.target * total - v)
        .collect();
    let min = settings.min_trade_value;

    let cash_amounts = water_fill(&gaps, cash, min);
    let cash_buys = buy_shares(&cash_amounts, &prices, cash, settings.shares, min);
    let after_cash = weights(positions, &cash_buys, settings.band);
    let trades = if settings.allow_sells && after_cash.outside {
        to_target(positions, &gaps, total, cash, settings)
    } else {
        buys(positions, &cash_buys, &gaps, total, None)
    };

    let mut change = vec![0.0; positions.len()];
    let mut bought = vec![0.0; positions.len()];
    let mut proceeds = 0.0;
    for t in &trades {
        match t.side {
            Side::Buy => {
                change[t.position] += t.shares;
                bought[t.position] += t.value;
            }
            Side::Sell => {
                change[t.position] -= t.shares;
                proceeds += t.value;
            }
        }
    }
    // Summed in the order `buy_shares` summed them when it kept `cost ≤ cash + proceeds`
    // (sells in list order, buys in index order), so the difference is exactly not negative.
    let cost: f64 = bought.iter().sum();
    Ok(Rebalance {
        before: weights(positions, &vec![0.0; positions.len()], settings.band),
        after: weights(positions, &change, settings.band),
        cash_left: cash + proceeds - cost,
        trades,
    })
}

/// The whole portfolio back to target: sells of every position over target, then buys with
/// the cash and the proceeds.
fn to_target(
    positions: &[Position],
    gaps: &[f64],
    total: f64,
    cash: f64,
    settings: &RebalanceSettings,
) -> Vec<Trade> {
    let mut over: Vec<usize> = (0..positions.len()).filter(|&i| gaps[i] < 0.0).collect();
    over.sort_by(|&a, &b| gaps[a].total_cmp(&gaps[b]).then(a.cmp(&b)));
    let mut trades = Vec::new();
    let mut proceeds = 0.0;
    for i in over {
        let p = &positions[i];
        let shares = round_shares(-gaps[i] / p.price, settings.shares).min(p.quantity);
        let value = shares * p.price;
        if shares <= 0.0 || value < settings.min_trade_value {
            continue;
        }
        proceeds += value;
        let over_by = -gaps[i] / total;
        let reason = if over_by > settings.band + OUTSIDE_SLACK {
            Reason::SellOutsideBand {
                over_by,
                band: settings.band,
            }
        } else {
            Reason::SellToTarget { over_by }
        };
        trades.push(Trade {
            side: Side::Sell,
            position: i,
            shares,
            value,
            reason,
        });
    }
    let funds = cash + proceeds;
    let prices: Vec<f64> = positions.iter().map(|p| p.price).collect();
    let amounts = water_fill(gaps, funds, settings.min_trade_value);
    let shares = buy_shares(
        &amounts,
        &prices,
        funds,
        settings.shares,
        settings.min_trade_value,
    );
    trades.extend(buys(positions, &shares, gaps, total, Some(cash)));
    trades
}

/// Buy trades for `shares`, largest gap first. With `cash_first = Some(cash)` the buys are
/// paid for by the cash while it lasts and by sale proceeds after; with `None`, all by cash.
fn buys(
    positions: &[Position],
    shares: &[f64],
    gaps: &[f64],
    total: f64,
    cash_first: Option<f64>,
) -> Vec<Trade> {
    let mut order: Vec<usize> = (0..shares.len()).filter(|&i| shares[i] > 0.0).collect();
    order.sort_by(|&a, &b| gaps[b].total_cmp(&gaps[a]).then(a.cmp(&b)));
    let mut spent = 0.0;
    order
        .into_iter()
        .map(|i| {
            let value = shares[i] * positions[i].price;
            spent += value;
            let under_by = gaps[i] / total;
            let reason = match cash_first {
                Some(cash) if spent > cash => Reason::BuyWithProceeds { under_by },
                _ => Reason::InvestCash { under_by },
            };
            Trade {
                side: Side::Buy,
                position: i,
                shares: shares[i],
                value,
                reason,
            }
        })
        .collect()
}

/// The holdings' weights with `change[i]` shares added to position `i`.
fn weights(positions: &[Position], change: &[f64], band: f64) -> Weights {
    let values: Vec<f64> = positions
        .iter()
        .zip(change)
        .map(|(p, c)| (p.quantity + c) * p.price)
        .collect();
    let holdings: f64 = values.iter().sum();
    if holdings <= 0.0 {
        let zeros = vec![0.0; positions.len()];
        return Weights {
            weights: zeros.clone(),
            drift: zeros,
            max_abs_drift: 0.0,
            outside: false,
        };
    }
    let weights: Vec<f64> = values.iter().map(|v| v / holdings).collect();
    let drift: Vec<f64> = weights
        .iter()
        .zip(positions)
        .map(|(w, p)| w - p.target)
        .collect();
    let max_abs_drift = drift.iter().map(|d| d.abs()).fold(0.0, f64::max);
    Weights {
        weights,
        drift,
        max_abs_drift,
        outside: max_abs_drift > band + OUTSIDE_SLACK,
    }
}
