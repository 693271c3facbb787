//! The withdrawal strategies: how much a path withdraws each month of retirement.

use super::Withdrawal;

/// What does not change from path to path.
#[derive(Debug, Clone, Copy)]
pub(super) struct Rule {
    pub strategy: Withdrawal,
    /// The plan's monthly spending, today's money.
    pub plan_spending: f64,
    pub retirement: usize,
    pub horizon: usize,
}

/// A path's spending so far.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct State {
    /// This retirement year's monthly withdrawal, nominal (all but the constant real rule).
    monthly: f64,
    /// Guyton–Klinger: the first year's withdrawal rate.
    initial_rate: f64,
    /// Guyton–Klinger: the price index at the last anniversary.
    last_index: f64,
    /// Guyton–Klinger: the portfolio's growth (returns and fees, no cash flows) since the
    /// last anniversary.
    year_growth: f64,
}

impl Rule {
    /// Month t's withdrawal (nominal), deciding the year's amount first at each anniversary
    /// of retirement. `wealth` is the wealth at the start of the month, `index` the month's
    /// price index (1 today).
    #[inline]
    pub(super) fn withdrawal(&self, state: &mut State, t: usize, wealth: f64, index: f64) -> f64 {
        if t < self.retirement {
            return 0.0;
        }
        if let Withdrawal::ConstantReal = self.strategy {
            // The base model's flow, bit for bit.
            return self.plan_spending * index;
        }
        if (t - self.retirement).is_multiple_of(12) {
            self.decide(state, t, wealth, index);
        }
        state.monthly
    }

    /// Records a month's growth factor (Guyton–Klinger's inflation rule reads the year's).
    #[inline]
    pub(super) fn note_growth(&self, state: &mut State, growth: f64) {
        if matches!(self.strategy, Withdrawal::GuytonKlinger { .. }) {
            state.year_growth *= growth;
        }
    }

    #[allow(clippy::cast_precision_loss)] // months < 1200
    fn decide(&self, state: &mut State, t: usize, wealth: f64, index: f64) {
        let plan_annual = 12.0 * self.plan_spending * index;
        let annual = match self.strategy {
            Withdrawal::ConstantReal => plan_annual,
            Withdrawal::ConstantPercentage { annual_rate } => annual_rate * wealth,
            Withdrawal::Vpw { real_return } => {
                let years = (self.horizon - t).div_ceil(12) as f64;
                // An annuity due: paid at the start of each year, so the last year takes all.
                let rate = if real_return == 0.0 {
                    1.0 / years
                } else {
                    real_return / ((1.0 + real_return) * (1.0 - (1.0 + real_return).powf(-years)))
                };
                rate * wealth
            }
            Withdrawal::GuytonKlinger {
                guardrail,
                adjustment,
                protected_final_years,
            } => {
                if t == self.retirement {
                    state.initial_rate = plan_annual / wealth;
                    plan_annual
                } else {
                    let mut annual = 12.0 * state.monthly;
                    // The inflation rule: no raise after a losing year while the rate is
                    // above where it started.
                    let lost = state.year_growth < 1.0;
                    if !(lost && annual / wealth > state.initial_rate) {
                        annual *= index / state.last_index;
                    }
                    let rate = annual / wealth;
                    let protected = self.horizon - t <= 12 * protected_final_years as usize;
                    if rate > state.initial_rate * (1.0 + guardrail) && !protected {
                        annual *= 1.0 - adjustment;
                    } else if rate < state.initial_rate * (1.0 - guardrail) {
                        annual *= 1.0 + adjustment;
                    }
                    annual
                }
            }
            Withdrawal::FloorCeiling {
                annual_rate,
                floor,
                ceiling,
            } => {
                // max then min rather than `clamp`, which panics on bounds it dislikes.
                (annual_rate * wealth)
                    .max(floor * plan_annual)
                    .min(ceiling * plan_annual)
            }
        };
        state.monthly = annual / 12.0;
        state.last_index = index;
        state.year_growth = 1.0;
    }
}
