//! Current holdings carried back over a price history.

use super::Valuation;
use super::error::{PerformanceError, Series};

/// The value each day of holding `quantities` throughout: `Σ_j quantities[j] × prices[t][j]`.
///
/// `prices` is row-major, one row per day of `days` (ascending), one column per quantity:
/// `prices[t × quantities.len() + j]`. Pair the result with no flows: nothing was bought or
/// sold, so its time-weighted return is the buy-and-hold return of today's holdings.
///
/// # Errors
/// Days not strictly increasing, `prices` not `days × quantities` long, a price not finite
/// and positive, or a quantity not finite and 0 or more (see [`PerformanceError`]).
pub fn backtest(
    days: &[i32],
    prices: &[f64],
    quantities: &[f64],
) -> Result<Vec<Valuation>, PerformanceError> {
    let n = quantities.len();
    if let Some(j) = quantities.iter().position(|q| !q.is_finite() || *q < 0.0) {
        return Err(PerformanceError::Quantity(j));
    }
    let expected = days.len().saturating_mul(n);
    if prices.len() != expected {
        return Err(PerformanceError::PricesShape {
            expected,
            found: prices.len(),
        });
    }
    if let Some(index) = (1..days.len()).find(|&k| days[k] <= days[k - 1]) {
        return Err(PerformanceError::DayOrder {
            series: Series::Valuations,
            index,
        });
    }
    if let Some(k) = prices.iter().position(|p| !p.is_finite() || *p <= 0.0) {
        return Err(PerformanceError::Price {
            row: k / n,
            column: k % n,
        });
    }
    Ok(days
        .iter()
        .enumerate()
        .map(|(t, &day)| Valuation {
            day,
            value: prices[t * n..(t + 1) * n]
                .iter()
                .zip(quantities)
                .map(|(p, q)| p * q)
                .sum(),
        })
        .collect())
}
