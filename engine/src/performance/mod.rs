//! Portfolio performance: time- and money-weighted returns, volatility, Sharpe and Sortino
//! ratios, maximum drawdown, beta and alpha against a benchmark, of a daily valuation series
//! with external cash flows, or of today's holdings carried back over a price history.
//!
//! # Conventions
//! - **Dates** are day numbers, days since 1970-01-01 (`i32`); valuations strictly
//!   increasing, normally one per trading day.
//! - **Valuations** are end-of-day values after that day's flows, as the server records them.
//! - **Flows** are external money: positive in (a holding bought or added, valued at the
//!   price of that moment), negative out (sold or removed). A flow is taken to happen at the
//!   end of its day, after the market moved: `r_k = (V_k − F_k) / V_(k−1) − 1`, `F_k` the net
//!   flow dated after valuation `k − 1` and on or before valuation `k` (a weekend flow counts
//!   in the next trading day's period). Exact when a flow is valued at the day's valuation
//!   price; flows on or before the first day are in the first value, flows after the last
//!   day are outside the window, and both are left out.
//! - **Returns** are daily simple returns with flows taken out, so that measures of skill do
//!   not count money the user added. A value of 0 cannot start a return: split a history at
//!   a full withdrawal.
//! - **Time-weighted return**: `Π (1 + r_k) − 1`, annualised over calendar days,
//!   `(1 + TWR)^(365.25 / days) − 1`, and only for windows of 365 days or more.
//! - **Money-weighted return**: XIRR, actual days over 365 as Excel does (see [`xirr`]).
//! - **Annualisation** of risk: 252 trading days. Volatility `= sd(r) × √252` (divisor
//!   `n − 1`); Sharpe `= mean(r − rf/252) × 252 / volatility`, `rf` annual; Sortino divides
//!   the same by the downside deviation below `rf/252` (divisor `n`), `× √252`.
//! - **Drawdown** is measured on the growth index (flows taken out), not on the values, which
//!   a withdrawal would show as a fall.
//! - **Beta** `= cov(r, r_b) / var(r_b)` (both divisor `n − 1`), **alpha** Jensen's,
//!   annualised `× 252`. The benchmark is required on the same days as the valuations (the
//!   caller aligns by date; a missing day is its decision, not this module's).
//!
//! Measures that are undefined for the data (volatility of one return, Sharpe of a series
//! that never moves) are `None`, not errors.

mod backtest;
mod drawdown;
mod error;
mod returns;
mod risk;
mod xirr;

pub use backtest::backtest;
pub use drawdown::{Drawdown, max_drawdown};
pub use error::{PerformanceError, Series, XirrError};
pub use returns::{TimeWeighted, daily_returns, growth_index, time_weighted_return};
pub use risk::{BetaAlpha, beta_alpha, sharpe, sortino, volatility};
pub use xirr::{money_weighted_return, xirr};

/// Trading days in a year, for annualising daily measures.
pub const TRADING_DAYS_PER_YEAR: f64 = 252.0;
/// Calendar days in a year, for annualising the time-weighted return.
pub const DAYS_PER_YEAR: f64 = 365.25;
/// Calendar days in a year for [`xirr`], as Excel counts them.
pub const XIRR_DAYS_PER_YEAR: f64 = 365.0;

/// A valuation: the value at the end of a day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Valuation {
    /// Days since 1970-01-01.
    pub day: i32,
    /// The value, after that day's flows; finite and 0 or more.
    pub value: f64,
}

/// An external cash flow.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Flow {
    /// Days since 1970-01-01.
    pub day: i32,
    /// Money in (positive) or out (negative); finite. For [`xirr`] the sign is the
    /// investor's instead: money put in negative.
    pub amount: f64,
}

/// Performance against a benchmark.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BenchmarkComparison {
    /// The benchmark's time-weighted return over the same window.
    pub time_weighted: TimeWeighted,
    /// Beta and alpha; `None` when undefined (see [`beta_alpha`]).
    pub beta_alpha: Option<BetaAlpha>,
}

/// Every measure of a valuation series.
#[derive(Debug, Clone, PartialEq)]
pub struct Performance {
    /// Time-weighted return.
    pub time_weighted: TimeWeighted,
    /// Money-weighted return (XIRR); `None` when no rate is found.
    pub money_weighted: Option<f64>,
    /// Annualised volatility.
    pub volatility: Option<f64>,
    /// Sharpe ratio.
    pub sharpe: Option<f64>,
    /// Sortino ratio.
    pub sortino: Option<f64>,
    /// The deepest drawdown of the growth index; `None` if it never falls.
    pub max_drawdown: Option<Drawdown>,
    /// Against the benchmark, when one is given.
    pub benchmark: Option<BenchmarkComparison>,
    /// Daily returns with flows taken out, one per valuation after the first.
    pub returns: Vec<f64>,
    /// Growth of 1 over the window, one per valuation (see [`growth_index`]).
    pub growth: Vec<f64>,
}

/// Every measure of `valuations` with `flows`, against `benchmark` (valuations of the
/// benchmark on the same days, e.g. its prices) if given, with an annual `risk_free_rate`.
///
/// # Errors
/// As [`daily_returns`] for the valuations and for the benchmark, a benchmark of another
/// length or on other days, or a risk-free rate that is not finite (see
/// [`PerformanceError`]).
pub fn analyse(
    valuations: &[Valuation],
    flows: &[Flow],
    benchmark: Option<&[Valuation]>,
    risk_free_rate: f64,
) -> Result<Performance, PerformanceError> {
    if !risk_free_rate.is_finite() {
        return Err(PerformanceError::RiskFreeRate);
    }
    let returns = daily_returns(valuations, flows)?;
    let days = returns::calendar_days(valuations);
    let benchmark = match benchmark {
        Some(b) => {
            if b.len() != valuations.len() {
                return Err(PerformanceError::BenchmarkLength {
                    expected: valuations.len(),
                    found: b.len(),
                });
            }
            if let Some(i) = b.iter().zip(valuations).position(|(b, v)| b.day != v.day) {
                return Err(PerformanceError::BenchmarkDay(i));
            }
            let b_returns = returns::returns_of(b, &[], Series::Benchmark)?;
            Some(BenchmarkComparison {
                time_weighted: returns::time_weighted(&b_returns, days),
                beta_alpha: beta_alpha(&returns, &b_returns, risk_free_rate),
            })
        }
        None => None,
    };
    let growth = growth_index(&returns);
    Ok(Performance {
        time_weighted: returns::time_weighted(&returns, days),
        money_weighted: money_weighted_return(valuations, flows).ok(),
        volatility: volatility(&returns),
        sharpe: sharpe(&returns, risk_free_rate),
        sortino: sortino(&returns, risk_free_rate),
        max_drawdown: max_drawdown(&growth),
        benchmark,
        returns,
        growth,
    })
}
