//! Risk and risk-adjusted return of daily returns, annualised with 252 trading days.

use super::TRADING_DAYS_PER_YEAR;

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Sample covariance (divisor `n − 1`); `None` for fewer than 2 pairs.
fn covariance(a: &[f64], b: &[f64]) -> Option<f64> {
    let n = a.len().min(b.len());
    if n < 2 {
        return None;
    }
    let (ma, mb) = (mean(&a[..n]), mean(&b[..n]));
    let sum: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    Some(sum / (n - 1) as f64)
}

/// The daily risk-free rate: the annual rate over 252, as the annualisation multiplies back.
fn daily_rate(annual: f64) -> Option<f64> {
    annual.is_finite().then_some(annual / TRADING_DAYS_PER_YEAR)
}

/// Annualised volatility: the sample standard deviation (divisor `n − 1`) of the daily
/// returns times `√252`. `None` for fewer than 2 returns.
#[must_use]
pub fn volatility(returns: &[f64]) -> Option<f64> {
    covariance(returns, returns).map(|v| (v * TRADING_DAYS_PER_YEAR).sqrt())
}

/// Sharpe ratio: the mean daily excess return over `risk_free_rate / 252`, times 252,
/// divided by [`volatility`]. `risk_free_rate` is annual (0.02 is 2%). `None` when the
/// volatility is undefined or 0, or the rate is not finite.
#[must_use]
pub fn sharpe(returns: &[f64], risk_free_rate: f64) -> Option<f64> {
    let rf = daily_rate(risk_free_rate)?;
    let vol = volatility(returns).filter(|v| *v > 0.0)?;
    Some((mean(returns) - rf) * TRADING_DAYS_PER_YEAR / vol)
}

/// Sortino ratio: the annualised mean excess return as in [`sharpe`], divided by the
/// annualised downside deviation below the daily risk-free rate,
/// `√(Σ min(r − rf_daily, 0)² / n) × √252`. The divisor is all `n` returns, not only the
/// losing ones (Sortino and Price's target semideviation). `None` without returns, without
/// any return below the rate, or with a rate that is not finite.
#[must_use]
pub fn sortino(returns: &[f64], risk_free_rate: f64) -> Option<f64> {
    let rf = daily_rate(risk_free_rate)?;
    if returns.is_empty() {
        return None;
    }
    let squares: f64 = returns.iter().map(|r| (r - rf).min(0.0).powi(2)).sum();
    let downside = (squares / returns.len() as f64 * TRADING_DAYS_PER_YEAR).sqrt();
    (downside > 0.0).then(|| (mean(returns) - rf) * TRADING_DAYS_PER_YEAR / downside)
}

/// Beta and Jensen's alpha of a portfolio against a benchmark.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BetaAlpha {
    /// `cov(r, r_b) / var(r_b)`, both with divisor `n − 1`.
    pub beta: f64,
    /// Jensen's alpha, annualised: `(mean(r − rf) − β × mean(r_b − rf)) × 252`, with the
    /// daily `rf` as in [`sharpe`].
    pub alpha: f64,
}

/// Beta and alpha of `returns` against `benchmark`, the benchmark's daily returns over the
/// same days (pair them by date first: element `k` of each must be the same day's). `None`
/// when the lengths differ, there are fewer than 2 pairs, the benchmark never moves, or the
/// rate is not finite.
#[must_use]
pub fn beta_alpha(returns: &[f64], benchmark: &[f64], risk_free_rate: f64) -> Option<BetaAlpha> {
    let rf = daily_rate(risk_free_rate)?;
    if returns.len() != benchmark.len() {
        return None;
    }
    let var = covariance(benchmark, benchmark).filter(|v| *v > 0.0)?;
    let beta = covariance(returns, benchmark)? / var;
    let alpha = ((mean(returns) - rf) - beta * (mean(benchmark) - rf)) * TRADING_DAYS_PER_YEAR;
    Some(BetaAlpha { beta, alpha })
}
