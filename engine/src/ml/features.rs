//! What the surrogate sees of a plan: a closed-form lognormal approximation of its success,
//! and the quantities it is made of.
//!
//! In today's money a path succeeds exactly when the wealth it reaches at retirement, W_R,
//! exceeds the present value, Y, of the spending from retirement to the horizon discounted at
//! that path's own later returns (before retirement every flow is a contribution, so no path
//! is ruined there unless it starts with nothing; after it, a path once ruined stays so). W_R
//! depends on the months before retirement only and Y on those after it, so the two are
//! independent. Both are sums of products of monthly growth factors; their first two moments
//! are exact recursions over the months given the moments of one month's real growth. Taking
//! each as lognormal with those moments gives success ≈ Φ(z), z = (ln-mean of W_R − ln-mean
//! of Y) / √(ln-variance of W_R + ln-variance of Y). The regressors correct what the two
//! lognormal approximations miss.

use crate::sim::{Plan, PlanError};

/// |z| at most this: beyond it Φ(z) is 1 or 0 to 23 digits, and plans with nothing to spend
/// (or nothing to spend from) stay finite.
pub const Z_LIMIT: f64 = 10.0;

/// The regressors' names, in the order of [`Features::regressors`] and of a model file's
/// coefficients.
pub const FEATURE_NAMES: [&str; 7] = [
    "z",
    "z_cubed_over_10",
    "z_times_log_volatility",
    "spending_variance_share",
    "log_volatility",
    "spending_log_variance",
    "z_times_spending_log_variance",
];

/// The number of regressors.
pub const FEATURE_COUNT: usize = FEATURE_NAMES.len();

/// A plan's features.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Features {
    /// The lognormal approximation's z-score, within ±[`Z_LIMIT`].
    pub z: f64,
    /// ln-variance of the real wealth at retirement.
    pub wealth_log_variance: f64,
    /// ln-variance of the present value of the spending.
    pub spending_log_variance: f64,
    /// Expected real growth of one month (fee and inflation included), minus 1.
    pub monthly_real_return: f64,
    /// Volatility of one month's log growth.
    pub monthly_volatility: f64,
}

/// First and second moments of one month's real growth g and of 1/g.
#[derive(Debug, Clone, Copy)]
struct Growth {
    mean: f64,
    square: f64,
    inverse: f64,
    inverse_square: f64,
    log_variance: f64,
}

impl Growth {
    /// The portfolio's gross return G = Σ wᵢ exp(xᵢ) has exact first two moments; its
    /// reciprocal's are those of the lognormal with the same two moments. Fee and inflation
    /// scale it by a constant.
    fn of(plan: &Plan) -> Self {
        let n = plan.assets.len();
        let q: Vec<f64> = plan
            .assets
            .iter()
            .map(|a| (1.0 + a.mu).powf(1.0 / 12.0))
            .collect();
        let mean_g: f64 = plan.weights.iter().zip(&q).map(|(w, q)| w * q).sum();
        let mut square_g = 0.0;
        for i in 0..n {
            for j in 0..n {
                let s = plan.correlation[i][j] * plan.assets[i].sigma * plan.assets[j].sigma / 12.0;
                square_g += plan.weights[i] * plan.weights[j] * q[i] * q[j] * s.exp();
            }
        }
        let log_variance = (square_g / (mean_g * mean_g)).ln().max(0.0);
        let scale = (1.0 - plan.annual_fee).powf(1.0 / 12.0)
            / (1.0 + plan.annual_inflation).powf(1.0 / 12.0);
        let mean = scale * mean_g;
        Self {
            mean,
            square: mean * mean * log_variance.exp(),
            inverse: log_variance.exp() / mean,
            inverse_square: (3.0 * log_variance).exp() / (mean * mean),
            log_variance,
        }
    }
}

/// ln-mean and ln-variance of the lognormal with this mean and second moment; `None` for a
/// quantity that is 0.
fn lognormal(mean: f64, square: f64) -> Option<(f64, f64)> {
    if mean <= 0.0 || !mean.is_finite() || !square.is_finite() {
        return None;
    }
    let variance = (square / (mean * mean)).ln().max(0.0);
    Some((mean.ln() - variance / 2.0, variance))
}

impl Features {
    /// The features of `plan`.
    ///
    /// # Errors
    /// The plan's first invalid field.
    pub fn of(plan: &Plan) -> Result<Self, PlanError> {
        plan.check()?;
        let g = Growth::of(plan);
        // Real wealth before month t's flow: W ← (W + c) g over the months before retirement.
        let c = plan.monthly_contribution;
        let (mut w, mut w2) = (
            plan.initial_wealth,
            plan.initial_wealth * plan.initial_wealth,
        );
        for _ in 0..plan.retirement_month {
            w2 = (w2 + 2.0 * c * w + c * c) * g.square;
            w = (w + c) * g.mean;
        }
        // Present value at retirement of n withdrawals: Y_n = s + Y_{n-1} / g.
        let s = plan.monthly_spending;
        let (mut y, mut y2) = (0.0_f64, 0.0_f64);
        for _ in plan.retirement_month..plan.horizon_months {
            y2 = s * s + 2.0 * s * g.inverse * y + g.inverse_square * y2;
            y = s + g.inverse * y;
        }
        let (z, wealth_log_variance, spending_log_variance) =
            match (lognormal(w, w2), lognormal(y, y2)) {
                // Nothing to spend from: ruined in month 0.
                (None, _) => (-Z_LIMIT, 0.0, 0.0),
                // Nothing to spend: never ruined.
                (Some((_, vw)), None) => (Z_LIMIT, vw, 0.0),
                (Some((mw, vw)), Some((my, vy))) => {
                    let gap = mw - my;
                    let spread = (vw + vy).sqrt();
                    let z = if spread > 0.0 {
                        gap / spread
                    } else if gap > 0.0 {
                        Z_LIMIT
                    } else {
                        -Z_LIMIT
                    };
                    (z.clamp(-Z_LIMIT, Z_LIMIT), vw, vy)
                }
            };
        Ok(Self {
            z,
            wealth_log_variance,
            spending_log_variance,
            monthly_real_return: g.mean - 1.0,
            monthly_volatility: g.log_variance.sqrt(),
        })
    }

    /// The regressors, named by [`FEATURE_NAMES`].
    #[must_use]
    pub fn regressors(&self) -> [f64; FEATURE_COUNT] {
        let total = self.wealth_log_variance + self.spending_log_variance;
        let share = if total > 0.0 {
            self.spending_log_variance / total
        } else {
            0.5
        };
        // ln of the total ln-volatility, bounded so that deterministic plans stay finite.
        let log_volatility = total.sqrt().max(1e-4).ln();
        [
            self.z,
            self.z.powi(3) / 10.0,
            self.z * log_volatility,
            share,
            log_volatility,
            self.spending_log_variance,
            self.z * self.spending_log_variance,
        ]
    }
}

/// The monthly spending that the plan's expected real wealth at retirement pays out exactly
/// to the horizon when every month grows at the expected real growth: the yardstick the
/// sampled plans' spending is drawn against.
#[must_use]
pub fn sustainable_spending(plan: &Plan) -> f64 {
    let g = Growth::of(plan).mean;
    let mut wealth = plan.initial_wealth;
    for _ in 0..plan.retirement_month {
        wealth = (wealth + plan.monthly_contribution) * g;
    }
    let mut annuity = 0.0;
    for _ in plan.retirement_month..plan.horizon_months {
        annuity = 1.0 + annuity / g;
    }
    if annuity > 0.0 { wealth / annuity } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::reference::p1;
    use crate::sim::{SimulationOptions, simulate};

    /// Φ by the Abramowitz–Stegun 7.1.26 erf, good to 1e-7: enough to compare with a run.
    fn normal_cdf(z: f64) -> f64 {
        let x = z.abs() / std::f64::consts::SQRT_2;
        let t = 1.0 / (1.0 + 0.327_591_1 * x);
        let poly = t
            * (0.254_829_592
                + t * (-0.284_496_736
                    + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
        let erf = 1.0 - poly * (-x * x).exp();
        if z >= 0.0 {
            0.5 * (1.0 + erf)
        } else {
            0.5 * (1.0 - erf)
        }
    }

    #[test]
    fn the_lognormal_approximation_is_close_to_a_run_of_p1() {
        let plan = p1();
        let z = Features::of(&plan).expect("valid").z;
        let options = SimulationOptions {
            paths: 20_000,
            seed: 3,
            fan_chart: false,
        };
        let run = simulate(&plan, &options).expect("runs").success_probability;
        assert!(
            (normal_cdf(z) - run).abs() < 0.03,
            "Φ(z) {} against {run}",
            normal_cdf(z)
        );
    }

    #[test]
    fn more_wealth_more_contribution_and_less_spending_raise_z() {
        let base = Features::of(&p1()).expect("valid").z;
        let mut richer = p1();
        richer.initial_wealth *= 2.0;
        let mut saver = p1();
        saver.monthly_contribution *= 2.0;
        let mut frugal = p1();
        frugal.monthly_spending *= 0.8;
        let mut later = p1();
        later.retirement_month += 24;
        for plan in [richer, saver, frugal, later] {
            assert!(Features::of(&plan).expect("valid").z > base, "{plan:?}");
        }
    }

    #[test]
    fn plans_with_nothing_to_spend_or_nothing_to_spend_from_are_at_the_limits() {
        let mut nothing_spent = p1();
        nothing_spent.monthly_spending = 0.0;
        assert_eq!(Features::of(&nothing_spent).expect("valid").z, Z_LIMIT);
        let mut nothing_held = p1();
        nothing_held.initial_wealth = 0.0;
        nothing_held.monthly_contribution = 0.0;
        assert_eq!(Features::of(&nothing_held).expect("valid").z, -Z_LIMIT);
        for plan in [nothing_spent, nothing_held] {
            let regressors = Features::of(&plan).expect("valid").regressors();
            assert!(regressors.iter().all(|r| r.is_finite()), "{regressors:?}");
        }
    }

    #[test]
    fn a_plan_without_risk_is_certain_either_way() {
        let mut plan = p1();
        for asset in &mut plan.assets {
            asset.sigma = 0.0;
        }
        plan.monthly_spending = 0.5 * sustainable_spending(&plan);
        assert_eq!(Features::of(&plan).expect("valid").z, Z_LIMIT);
        plan.monthly_spending *= 4.0;
        assert_eq!(Features::of(&plan).expect("valid").z, -Z_LIMIT);
    }

    #[test]
    fn an_invalid_plan_names_its_field() {
        let mut plan = p1();
        plan.weights[0] = f64::NAN;
        assert_eq!(
            Features::of(&plan).expect_err("invalid").field(),
            "weights[0]"
        );
    }
}
