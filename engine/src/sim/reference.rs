//! The reference plans of `docs/simulation-model.md` ("Reference plans and what checks them"), shared
//! by tests, benchmarks and examples so that every figure refers to the same plan.

use super::plan::{AssetClass, Plan};

/// P0: one asset, no cash flows, no fee or inflation, 30 years. Closed forms:
/// `E[W_T] = W_0 · 1.07^30`, `median(W_T) = W_0 · exp(30 (ln 1.07 − 0.15²/2))`.
#[must_use]
pub fn p0() -> Plan {
    Plan {
        initial_wealth: 100_000.0,
        monthly_contribution: 0.0,
        retirement_month: 360,
        monthly_spending: 0.0,
        horizon_months: 360,
        annual_inflation: 0.0,
        annual_fee: 0.0,
        assets: vec![AssetClass {
            mu: 0.07,
            sigma: 0.15,
        }],
        weights: vec![1.0],
        correlation: vec![vec![1.0]],
    }
}

/// P1: a simple retirement: 30 years of saving 1,500 a month, then 30 years of spending
/// 5,000 a month (today's money), three asset classes.
#[must_use]
pub fn p1() -> Plan {
    Plan {
        initial_wealth: 250_000.0,
        monthly_contribution: 1500.0,
        retirement_month: 360,
        monthly_spending: 5000.0,
        horizon_months: 720,
        annual_inflation: 0.025,
        annual_fee: 0.002,
        assets: vec![
            AssetClass {
                mu: 0.07,
                sigma: 0.16,
            },
            AssetClass {
                mu: 0.065,
                sigma: 0.18,
            },
            AssetClass {
                mu: 0.03,
                sigma: 0.05,
            },
        ],
        weights: vec![0.6, 0.2, 0.2],
        correlation: vec![
            vec![1.0, 0.8, 0.1],
            vec![0.8, 1.0, 0.1],
            vec![0.1, 0.1, 1.0],
        ],
    }
}
