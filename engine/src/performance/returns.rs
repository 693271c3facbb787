//! Daily returns with cash flows taken out, and the time-weighted return they compound to.

use super::error::{PerformanceError, Series};
use super::{DAYS_PER_YEAR, Flow, Valuation};

/// Checks a valuation series: at least 2, finite values not below 0, days strictly
/// increasing. (A 0 is refused later, where a return starts from it.)
pub(super) fn validate(valuations: &[Valuation], series: Series) -> Result<(), PerformanceError> {
    if valuations.len() < 2 {
        return Err(PerformanceError::TooFewValuations {
            series,
            found: valuations.len(),
        });
    }
    for (index, v) in valuations.iter().enumerate() {
        if !v.value.is_finite() {
            return Err(PerformanceError::Value { series, index });
        }
        if v.value < 0.0 {
            return Err(PerformanceError::NonPositiveValue { series, index });
        }
        if index > 0 && v.day <= valuations[index - 1].day {
            return Err(PerformanceError::DayOrder { series, index });
        }
    }
    Ok(())
}

/// The net flow into each valuation's period: a flow on day `d` belongs to the first
/// valuation on or after `d`. Flows on or before the first valuation's day are in its value
/// already, and flows after the last day are outside the window: both are left out.
pub(super) fn flows_by_period(
    valuations: &[Valuation],
    flows: &[Flow],
) -> Result<Vec<f64>, PerformanceError> {
    let mut net = vec![0.0; valuations.len()];
    let (first, last) = match (valuations.first(), valuations.last()) {
        (Some(f), Some(l)) => (f.day, l.day),
        _ => return Ok(net),
    };
    for (i, f) in flows.iter().enumerate() {
        if !f.amount.is_finite() {
            return Err(PerformanceError::FlowAmount(i));
        }
        if f.day > first && f.day <= last {
            net[valuations.partition_point(|v| v.day < f.day)] += f.amount;
        }
    }
    Ok(net)
}

/// Daily simple returns with the cash flows taken out, one per valuation after the first.
///
/// `valuations[k].value` is the value at the end of its day, after that day's flows, and a
/// flow is taken to happen at the end of its day: `r_k = (V_k − F_k) / V_(k−1) − 1`, with
/// `F_k` the net flow of the days since the previous valuation (see [`Flow`]).
///
/// # Errors
/// Fewer than 2 valuations, a non-finite or negative value, days not strictly increasing, a
/// non-finite flow, a 0 value followed by another valuation, or a value below its period's
/// net inflow (see [`PerformanceError`]).
pub fn daily_returns(
    valuations: &[Valuation],
    flows: &[Flow],
) -> Result<Vec<f64>, PerformanceError> {
    returns_of(valuations, flows, Series::Valuations)
}

pub(super) fn returns_of(
    valuations: &[Valuation],
    flows: &[Flow],
    series: Series,
) -> Result<Vec<f64>, PerformanceError> {
    validate(valuations, series)?;
    let net = flows_by_period(valuations, flows)?;
    let mut returns = Vec::with_capacity(valuations.len() - 1);
    for k in 1..valuations.len() {
        let start = valuations[k - 1].value;
        if start <= 0.0 {
            return Err(PerformanceError::NonPositiveValue {
                series,
                index: k - 1,
            });
        }
        let end = valuations[k].value - net[k];
        if end < 0.0 {
            return Err(PerformanceError::FlowExceedsValue(k));
        }
        returns.push(end / start - 1.0);
    }
    Ok(returns)
}

/// A time-weighted return over a window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeWeighted {
    /// `Π (1 + r_k) − 1` over the window.
    pub total: f64,
    /// `(1 + total)^(365.25 / calendar days) − 1`; `None` for a window shorter than 365
    /// days, which is not annualised (a good week is not a 200% year; GIPS says the same).
    pub annualised: Option<f64>,
}

/// Compounds `returns` over a window of `calendar_days`.
pub(super) fn time_weighted(returns: &[f64], calendar_days: i64) -> TimeWeighted {
    let total = returns.iter().fold(1.0, |g, r| g * (1.0 + r)) - 1.0;
    let annualised = (calendar_days >= 365)
        .then(|| (1.0 + total).powf(DAYS_PER_YEAR / calendar_days as f64) - 1.0);
    TimeWeighted { total, annualised }
}

/// The time-weighted return of `valuations` with `flows` taken out (see [`daily_returns`]).
///
/// # Errors
/// As [`daily_returns`].
pub fn time_weighted_return(
    valuations: &[Valuation],
    flows: &[Flow],
) -> Result<TimeWeighted, PerformanceError> {
    let returns = daily_returns(valuations, flows)?;
    Ok(time_weighted(&returns, calendar_days(valuations)))
}

/// Days from the first valuation to the last; 0 without valuations.
pub(super) fn calendar_days(valuations: &[Valuation]) -> i64 {
    match (valuations.first(), valuations.last()) {
        (Some(f), Some(l)) => i64::from(l.day) - i64::from(f.day),
        _ => 0,
    }
}

/// The growth of 1 invested at the first valuation: `1, 1 + r_1, (1 + r_1)(1 + r_2), …`, one
/// per valuation. With no flows it is the values divided by the first.
#[must_use]
pub fn growth_index(returns: &[f64]) -> Vec<f64> {
    let mut index = Vec::with_capacity(returns.len() + 1);
    let mut g = 1.0;
    index.push(g);
    for r in returns {
        g *= 1.0 + r;
        index.push(g);
    }
    index
}
