//! The yearly fan chart (and ruin by year) of a prepared simulation, for any starting wealth
//! W_0 and contribution c, without new random numbers.
//!
//! With θ_t(c) = β_t − γ_t c the ruin line of month t (see the parent module), a path is
//! ruined in month t iff W_0 <= θ_t, and its real wealth at the end of year k (month m = 12k)
//! is A_k (W_0 − θ_{m−1}) with A_k = a_m / (1 + pi)^(m/12). Two facts make this cheap:
//!
//! - θ_t is unimodal in t: each month moves it by −(net flow) / a_t, so it falls while
//!   contributions are paid and rises once spending starts. The running maximum over months
//!   before m is therefore max(θ_0, θ_{m−1}): the path is alive at the end of year k iff
//!   W_0 exceeds both, and no per-month record needs keeping.
//! - Before retirement no spending has been paid, so θ_{m−1} = −(p_m / a_m) c; after it no
//!   contribution is paid, so p_m / a_m stays at its value at retirement, Γ, and
//!   θ_{m−1} = s q_m / a_m − Γ c. Either way one number per path and year, x_k, plus Γ per
//!   path gives θ for any c.
//!
//! So each path keeps (A_k, x_k) per year, 16 bytes, and Γ: 968 KB for a 1,000-path P1 plan
//! (60 years), against 60 KB for success and terminal percentiles. Storing them in `f32`
//! would halve that but miss the 1e-9 agreement with fresh runs; redrawing the paths costs
//! about 14 ms. The coefficients are kept year-major so that each year's answer reads one
//! contiguous run.
//!
//! θ_0 is the same for every path (nothing has grown yet): −c when the plan contributes in
//! month 0, s when it retires at once.

use super::super::stats::Percentiles;
use super::super::{Plan, YearPercentiles};
use super::{PathCoefficients, PreparedAnswer, PreparedSimulation, sanitise};

/// The fan chart's per-path, per-year coefficients.
#[derive(Debug, Clone)]
pub(super) struct FanCoefficients {
    /// `points[k * n + i]` = (A_{k+1}, x_{k+1}) of path i.
    points: Vec<(f64, f64)>,
    /// Γ of each path.
    retired_gamma: Vec<f64>,
    /// Years that end at or before retirement (x is then p/a, else s q/a).
    years_before_retirement: usize,
    /// Whether month 0 pays a contribution (retirement after month 0).
    contributes_first: bool,
    /// s, the plan's monthly spending in today's money.
    spending: f64,
}

/// A prepared answer with the yearly figures of [`super::super::simulate`].
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedFanChart {
    /// Success and terminal percentiles, as [`PreparedSimulation::answer_with`] gives them.
    pub answer: PreparedAnswer,
    /// Percentiles of real wealth after each whole year; ruined paths count as 0.
    pub fan_chart: Vec<YearPercentiles>,
    /// Entry k - 1: share of paths ruined by the end of year k.
    pub ruin_probability_by_year: Vec<f64>,
}

impl FanCoefficients {
    pub(super) fn new(plan: &Plan, years: usize, per_path: &[PathCoefficients]) -> Self {
        let n = per_path.len();
        let mut points = Vec::with_capacity(n * years);
        for k in 0..years {
            points.extend(per_path.iter().map(|p| p.years[k]));
        }
        Self {
            points,
            retired_gamma: per_path.iter().map(|p| p.retired_gamma).collect(),
            years_before_retirement: (plan.retirement_month / 12) as usize,
            contributes_first: plan.retirement_month > 0,
            spending: plan.monthly_spending,
        }
    }

    pub(super) fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        self.points.len() * size_of::<(f64, f64)>() + self.retired_gamma.len() * size_of::<f64>()
    }

    /// The fan chart and ruin by year for W_0 = `wealth` and contribution `c` (both
    /// sanitised), using `scratch` for each year's surviving values.
    #[allow(clippy::cast_precision_loss)] // path counts are far below 2^52
    fn years(
        &self,
        wealth: f64,
        c: f64,
        scratch: &mut Vec<f64>,
    ) -> (Vec<YearPercentiles>, Vec<f64>) {
        let n = self.retired_gamma.len();
        let years = self.points.len() / n.max(1);
        let first = if self.contributes_first {
            -c
        } else {
            self.spending
        };
        let mut fan_chart = Vec::with_capacity(years);
        let mut ruin = Vec::with_capacity(years);
        for (k, points) in self.points.chunks_exact(n).enumerate() {
            scratch.clear();
            // Ruined in month 0 means ruined in every year; otherwise θ_0 never binds again
            // before retirement, where θ only falls.
            if wealth > first {
                if k < self.years_before_retirement {
                    scratch.extend(points.iter().map(|(a, gamma)| a * (wealth + gamma * c)));
                } else {
                    // Without a branch: about half of P1's paths are ruined late in the
                    // horizon, in no order a predictor could learn. Each value is written at
                    // the end and kept only if the path is alive.
                    scratch.resize(n, 0.0);
                    let mut alive = 0;
                    for ((a, spent), gamma) in points.iter().zip(&self.retired_gamma) {
                        let theta = spent - gamma * c;
                        scratch[alive] = a * (wealth - theta);
                        alive += usize::from(wealth > theta);
                    }
                    scratch.truncate(alive);
                }
            }
            let ruined = n - scratch.len();
            ruin.push(ruined as f64 / n as f64);
            #[allow(clippy::cast_possible_truncation)] // k < 100
            fan_chart.push(YearPercentiles {
                year: k as u32 + 1,
                real_wealth: Percentiles::of_zeros_and(ruined, scratch),
            });
        }
        (fan_chart, ruin)
    }
}

impl PreparedSimulation {
    /// As [`PreparedSimulation::answer`], with the yearly fan chart and ruin by year; equal
    /// (up to rounding) to a fresh exact [`super::super::simulate`] with the same seed and
    /// that starting wealth. `None` unless prepared with [`super::PreparedOptions::fan_chart`].
    pub fn answer_fan_chart(
        &self,
        initial_wealth: f64,
        scratch: &mut Vec<f64>,
    ) -> Option<PreparedFanChart> {
        self.answer_with_fan_chart(initial_wealth, self.contribution, scratch)
    }

    /// As [`PreparedSimulation::answer_with`], with the yearly fan chart and ruin by year.
    /// `None` unless prepared with [`super::PreparedOptions::fan_chart`].
    pub fn answer_with_fan_chart(
        &self,
        initial_wealth: f64,
        contribution: f64,
        scratch: &mut Vec<f64>,
    ) -> Option<PreparedFanChart> {
        let fan = self.fan.as_ref()?;
        let answer = self.answer_with(initial_wealth, contribution, scratch);
        let (fan_chart, ruin_probability_by_year) =
            fan.years(sanitise(initial_wealth), sanitise(contribution), scratch);
        Some(PreparedFanChart {
            answer,
            fan_chart,
            ruin_probability_by_year,
        })
    }
}
