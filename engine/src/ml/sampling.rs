//! The plans the surrogate learns from and is checked on: drawn from documented ranges,
//! deterministically from a seed.

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::sim::{AssetClass, Plan};

/// A closed interval of a plan input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// Lowest value.
    pub low: f64,
    /// Highest value.
    pub high: f64,
}

const fn range(low: f64, high: f64) -> Range {
    Range { low, high }
}

/// Where sampled plans come from. Every plan has two asset classes, an equity-like and a
/// bond-like one, rebalanced monthly; all draws are independent and uniform except where
/// a field says log-uniform.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ranges {
    /// Horizon in whole years.
    pub horizon_years: Range,
    /// Years of retirement at least (the retirement month is uniform from 0 to the horizon
    /// less these).
    pub min_retirement_years: f64,
    /// Initial wealth, log-uniform.
    pub initial_wealth: Range,
    /// Monthly contribution before retirement.
    pub monthly_contribution: Range,
    /// Monthly spending as a multiple of the sustainable level (what the expected wealth at
    /// retirement pays out to the horizon at the expected real return), log-uniform: this
    /// keeps the sample where success is uncertain instead of mostly 0 or 1.
    pub spending_ratio: Range,
    /// The equity class's expected return.
    pub equity_mu: Range,
    /// The equity class's volatility.
    pub equity_sigma: Range,
    /// The bond class's expected return.
    pub bond_mu: Range,
    /// The bond class's volatility.
    pub bond_sigma: Range,
    /// The two classes' correlation.
    pub correlation: Range,
    /// The equity class's weight.
    pub equity_weight: Range,
    /// Annual inflation.
    pub annual_inflation: Range,
    /// Annual fee.
    pub annual_fee: Range,
}

/// The ranges of the default model.
pub const DEFAULT_RANGES: Ranges = Ranges {
    horizon_years: range(10.0, 60.0),
    min_retirement_years: 5.0,
    initial_wealth: range(10_000.0, 2_000_000.0),
    monthly_contribution: range(0.0, 4_000.0),
    spending_ratio: range(0.4, 2.5),
    equity_mu: range(0.05, 0.10),
    equity_sigma: range(0.12, 0.24),
    bond_mu: range(0.01, 0.05),
    bond_sigma: range(0.02, 0.08),
    correlation: range(-0.3, 0.5),
    equity_weight: range(0.0, 1.0),
    annual_inflation: range(0.0, 0.05),
    annual_fee: range(0.0, 0.015),
};

impl Ranges {
    /// The ranges as (name, low, high) rows, for the model card.
    #[must_use]
    pub fn rows(&self) -> Vec<(&'static str, f64, f64)> {
        let r = |name, range: Range| (name, range.low, range.high);
        vec![
            r("horizon_years", self.horizon_years),
            (
                "min_retirement_years",
                self.min_retirement_years,
                self.min_retirement_years,
            ),
            r("initial_wealth (log-uniform)", self.initial_wealth),
            r("monthly_contribution", self.monthly_contribution),
            r("spending_ratio (log-uniform)", self.spending_ratio),
            r("equity_mu", self.equity_mu),
            r("equity_sigma", self.equity_sigma),
            r("bond_mu", self.bond_mu),
            r("bond_sigma", self.bond_sigma),
            r("correlation", self.correlation),
            r("equity_weight", self.equity_weight),
            r("annual_inflation", self.annual_inflation),
            r("annual_fee", self.annual_fee),
        ]
    }
}

fn uniform(rng: &mut Xoshiro256PlusPlus, range: Range) -> f64 {
    range.low + (range.high - range.low) * rng.random::<f64>()
}

fn log_uniform(rng: &mut Xoshiro256PlusPlus, range: Range) -> f64 {
    (range.low.ln() + (range.high.ln() - range.low.ln()) * rng.random::<f64>()).exp()
}

/// `count` plans drawn from `ranges`, the same for the same seed.
#[must_use]
pub fn sample_plans(ranges: &Ranges, seed: u64, count: usize) -> Vec<Plan> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..count).map(|_| sample_plan(ranges, &mut rng)).collect()
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // whole months ≤ 1200
fn sample_plan(ranges: &Ranges, rng: &mut Xoshiro256PlusPlus) -> Plan {
    let years = uniform(rng, ranges.horizon_years).round();
    let horizon_months = (years * 12.0) as u32;
    let latest = horizon_months.saturating_sub((ranges.min_retirement_years * 12.0) as u32);
    let retirement_month = rng.random_range(0..=latest);
    let equity = AssetClass {
        mu: uniform(rng, ranges.equity_mu),
        sigma: uniform(rng, ranges.equity_sigma),
    };
    let bond = AssetClass {
        mu: uniform(rng, ranges.bond_mu),
        sigma: uniform(rng, ranges.bond_sigma),
    };
    let rho = uniform(rng, ranges.correlation);
    let equity_weight = uniform(rng, ranges.equity_weight);
    let mut plan = Plan {
        initial_wealth: log_uniform(rng, ranges.initial_wealth),
        monthly_contribution: uniform(rng, ranges.monthly_contribution),
        retirement_month,
        monthly_spending: 0.0,
        horizon_months,
        annual_inflation: uniform(rng, ranges.annual_inflation),
        annual_fee: uniform(rng, ranges.annual_fee),
        assets: vec![equity, bond],
        weights: vec![equity_weight, 1.0 - equity_weight],
        correlation: vec![vec![1.0, rho], vec![rho, 1.0]],
    };
    let ratio = log_uniform(rng, ranges.spending_ratio);
    plan.monthly_spending = ratio * super::features::sustainable_spending(&plan);
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_draws_the_same_plans_and_another_seed_others() {
        let a = sample_plans(&DEFAULT_RANGES, 5, 50);
        assert_eq!(a, sample_plans(&DEFAULT_RANGES, 5, 50));
        assert_ne!(a, sample_plans(&DEFAULT_RANGES, 6, 50));
    }

    #[test]
    fn sampled_plans_are_valid_and_within_their_ranges() {
        let r = DEFAULT_RANGES;
        for plan in sample_plans(&r, 11, 500) {
            assert!(plan.check().is_ok(), "{plan:?}");
            let years = f64::from(plan.horizon_months) / 12.0;
            assert!((r.horizon_years.low..=r.horizon_years.high).contains(&years));
            assert!(plan.horizon_months - plan.retirement_month >= 60);
            assert!((r.initial_wealth.low..=r.initial_wealth.high).contains(&plan.initial_wealth));
            assert!((0.0..=1.0).contains(&plan.weights[0]));
            assert!(plan.monthly_spending > 0.0);
        }
    }
}
