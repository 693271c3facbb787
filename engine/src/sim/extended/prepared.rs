//! An extended plan kept for cheap re-answers when the starting wealth moves, where the
//! mathematics allows it: the base model's argument (`sim/prepared.rs`) holds whenever no cash
//! flow depends on wealth. Then a path's wealth before ruin is affine in the starting wealth,
//! W_t = α_t W_0 + κ_t with α_t > 0 (the growth so far), and the path survives iff W_0 exceeds
//! its threshold max_t(−κ_t / α_t), a need goal is paid iff W_0 exceeds the threshold up to its
//! month, and a survivor ends with α_T W_0 + κ_T.
//!
//! Which switches keep that: needs, income, events, the glide path, every return model and
//! stochastic inflation (growth never depends on wealth, and those flows are fixed amounts on
//! each path). Which break it ([`wealth_dependence`]): wants and wishes (paid only when wealth
//! allows) and every withdrawal strategy but constant real spending (each year's amount is set
//! from wealth; for the percentage rules it is affine, but then α can reach 0 within a year and
//! the paths that survive a given W_0 are no longer those above a threshold). A live session
//! re-simulates such plans instead (BENCHMARKS.md, "Model extensions").
//!
//! Memory: 8 bytes of threshold and 16 of terminal coefficients per path, 8 per path and
//! goal, and with the yearly fan chart 24 per path and year (a year's threshold, α and κ).

use std::sync::Arc;

use rayon::prelude::*;

use super::super::explain::SuccessCurve;
use super::super::stats::Percentiles;
use super::super::{Model, Plan, SimulationError, SimulationOptions, YearPercentiles};
use super::path::Setup;
use super::{ExtendedError, Extensions, GoalOutcome, MAX_EXTENDED_PATHS, Priority, Withdrawal};

/// Why an extended plan cannot be answered incrementally: the first switch whose cash flows
/// depend on wealth, or `None` when every one keeps wealth affine.
#[must_use]
pub fn wealth_dependence(extensions: &Extensions) -> Option<&'static str> {
    if extensions
        .goals
        .iter()
        .any(|g| g.priority != Priority::Need)
    {
        return Some("wants and wishes are paid only when wealth allows");
    }
    match extensions.withdrawal {
        Withdrawal::ConstantReal => None,
        _ => Some("the withdrawal strategy sets spending from wealth"),
    }
}

/// Per-path coefficients of an extended plan.
#[derive(Debug, Clone)]
pub struct PreparedExtended {
    /// Each path's threshold, ascending (paths are stored in this order); shared with the
    /// success curves handed out, so explaining against this plan copies nothing.
    thresholds: Arc<[f64]>,
    /// (α_T, κ_T) in today's money, in the order of `thresholds`.
    terminal: Vec<(f64, f64)>,
    /// Per goal, its paths' thresholds, ascending.
    goals: Vec<Vec<f64>>,
    /// Year-major (`[year][path]`): the threshold up to that year's end and (α, κ) in
    /// today's money then; empty without the fan chart.
    years: Vec<(f64, f64, f64)>,
}

/// What a prepared extended plan answers.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtendedAnswer {
    /// Share of paths never ruined.
    pub success_probability: f64,
    /// sqrt(p (1 − p) / N).
    pub success_standard_error: f64,
    /// Percentiles of real terminal wealth.
    pub terminal_real_wealth: Percentiles,
    /// One per goal.
    pub goals: Vec<GoalOutcome>,
}

/// A prepared extended plan's refusal.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PrepareError {
    /// As for a run.
    #[error(transparent)]
    Invalid(#[from] ExtendedError),
    /// A switch makes cash flows depend on wealth.
    #[error("not answerable incrementally: {0}")]
    WealthDependent(&'static str),
}

impl PreparedExtended {
    /// Draws every path once and keeps what answers any starting wealth.
    ///
    /// # Errors
    /// An invalid plan, extension or path count, or a switch that breaks the affine argument.
    /// `options.fan_chart` keeps the yearly fan chart's coefficients.
    pub fn new(
        plan: &Plan,
        extensions: &Extensions,
        options: &SimulationOptions,
    ) -> Result<Self, PrepareError> {
        if let Some(why) = wealth_dependence(extensions) {
            return Err(PrepareError::WealthDependent(why));
        }
        let model = Model::new(plan).map_err(|e| ExtendedError::from(SimulationError::from(e)))?;
        if options.paths == 0 || options.paths > MAX_EXTENDED_PATHS {
            return Err(ExtendedError::TooManyPaths.into());
        }
        let setup = Setup::new(plan, &model, extensions)
            .map_err(|e| ExtendedError::from(SimulationError::from(e)))?;
        let goal_count = extensions.goals.len();
        let year_count = if options.fan_chart { model.years() } else { 0 };
        type PathCoefficients = (f64, (f64, f64), Vec<f64>, Vec<(f64, f64, f64)>);
        let per_path: Vec<PathCoefficients> = (0..u64::from(options.paths))
            .into_par_iter()
            .map(|index| {
                let mut goals = vec![f64::INFINITY; goal_count];
                let mut years = vec![(0.0, 0.0, 0.0); year_count];
                let (threshold, terminal) =
                    setup.affine(options.seed, index, &mut goals, &mut years);
                (threshold, terminal, goals, years)
            })
            .collect();
        let years = (0..year_count)
            .flat_map(|y| per_path.iter().map(move |p| p.3[y]))
            .collect();
        let mut order: Vec<usize> = (0..per_path.len()).collect();
        order.sort_by(|a, b| per_path[*a].0.total_cmp(&per_path[*b].0));
        let goals = (0..goal_count)
            .map(|g| {
                let mut column: Vec<f64> = per_path.iter().map(|p| p.2[g]).collect();
                column.sort_by(f64::total_cmp);
                column
            })
            .collect();
        Ok(Self {
            thresholds: order.iter().map(|p| per_path[*p].0).collect(),
            terminal: order.iter().map(|p| per_path[*p].1).collect(),
            goals,
            years,
        })
    }

    /// Each path's ruin threshold in the starting wealth, ascending: the paths that survive
    /// a starting wealth W are those whose threshold is below W.
    #[must_use]
    pub fn wealth_thresholds(&self) -> &[f64] {
        &self.thresholds
    }

    /// The number of paths.
    #[must_use]
    pub fn paths(&self) -> usize {
        self.thresholds.len()
    }

    /// Survivors as a function of the starting wealth, on these paths: the thresholds
    /// [`Self::answer`] counts survivors with, shared (no copy), what explaining a change
    /// against this plan needs (`engine::sim::explain`).
    #[must_use]
    pub fn success_curve(&self) -> SuccessCurve {
        SuccessCurve::from_sorted(self.thresholds.clone())
    }

    /// Bytes held.
    #[must_use]
    pub fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        self.thresholds.len() * size_of::<f64>()
            + self.terminal.len() * size_of::<(f64, f64)>()
            + self
                .goals
                .iter()
                .map(|g| g.len() * size_of::<f64>())
                .sum::<usize>()
            + self.years.len() * size_of::<(f64, f64, f64)>()
    }

    /// Whether the fan chart's coefficients are kept.
    #[must_use]
    pub fn has_fan_chart(&self) -> bool {
        !self.years.is_empty()
    }

    /// Frees the fan chart's coefficients.
    pub fn drop_fan_chart(&mut self) {
        self.years = Vec::new();
    }

    /// The yearly fan chart for `initial_wealth` (empty without its coefficients): each
    /// year's percentiles of real wealth, 0 on the paths ruined by then.
    #[must_use]
    pub fn fan_chart(&self, initial_wealth: f64, scratch: &mut Vec<f64>) -> Vec<YearPercentiles> {
        let wealth = sanitise(initial_wealth);
        let n = self.paths();
        self.years
            .chunks(n.max(1))
            .enumerate()
            .map(|(y, year)| {
                scratch.clear();
                scratch.extend(
                    year.iter()
                        .filter(|(threshold, _, _)| *threshold < wealth)
                        .map(|(_, alpha, kappa)| alpha * wealth + kappa),
                );
                let real_wealth = if scratch.iter().all(|v| *v > 0.0 && v.is_finite()) {
                    Percentiles::of_zeros_and(n - scratch.len(), scratch)
                } else {
                    scratch.resize(n, 0.0);
                    Percentiles::of(scratch)
                };
                #[allow(clippy::cast_possible_truncation)] // years < 100
                YearPercentiles {
                    year: y as u32 + 1,
                    real_wealth,
                }
            })
            .collect()
    }

    /// The answer for `initial_wealth` (not finite or negative counts as 0); equal up to
    /// rounding to a fresh run with that starting wealth. `scratch` is reused between calls.
    #[allow(clippy::cast_precision_loss)] // path counts are far below 2^52
    pub fn answer(&self, initial_wealth: f64, scratch: &mut Vec<f64>) -> ExtendedAnswer {
        let wealth = sanitise(initial_wealth);
        let n = self.paths();
        let nf = n as f64;
        let survivors = self.thresholds.partition_point(|t| *t < wealth);
        scratch.clear();
        scratch.extend(
            self.terminal[..survivors]
                .iter()
                .map(|(alpha, kappa)| alpha * wealth + kappa),
        );
        let terminal_real_wealth = if scratch.iter().all(|v| *v > 0.0 && v.is_finite()) {
            Percentiles::of_zeros_and(n - survivors, scratch)
        } else {
            scratch.resize(n, 0.0);
            Percentiles::of(scratch)
        };
        let success = survivors as f64 / nf;
        let goals = self
            .goals
            .iter()
            .map(|column| {
                let p = column.partition_point(|t| *t < wealth) as f64 / nf;
                GoalOutcome {
                    probability: p,
                    standard_error: (p * (1.0 - p) / nf).sqrt(),
                }
            })
            .collect();
        ExtendedAnswer {
            success_probability: success,
            success_standard_error: (success * (1.0 - success) / nf).sqrt(),
            terminal_real_wealth,
            goals,
        }
    }
}

fn sanitise(amount: f64) -> f64 {
    if amount.is_finite() {
        amount.max(0.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::extended::{
        CashEvent, Cola, GlidePoint, Goal, IncomeStream, InflationModel, ReturnModel,
        simulate_extended,
    };
    use crate::sim::reference::p1;

    fn affine_extensions() -> Extensions {
        let plan = p1();
        Extensions {
            goals: vec![
                Goal {
                    amount: 50_000.0,
                    month: 48,
                    priority: Priority::Need,
                },
                Goal {
                    amount: 90_000.0,
                    month: 500,
                    priority: Priority::Need,
                },
            ],
            income: vec![IncomeStream {
                monthly_amount: 1_500.0,
                start_month: 420,
                end_month: None,
                cola: Cola::None,
            }],
            events: vec![CashEvent {
                month: 300,
                amount: 100_000.0,
            }],
            glide_path: vec![
                GlidePoint {
                    month: 0,
                    weights: plan.weights.clone(),
                },
                GlidePoint {
                    month: 600,
                    weights: vec![0.2, 0.1, 0.7],
                },
            ],
            returns: ReturnModel::StudentT { df: 5.0 },
            inflation: InflationModel::Stochastic {
                volatility: 0.015,
                persistence: 0.97,
                correlation: -0.1,
            },
            ..Extensions::default()
        }
    }

    #[test]
    fn answers_match_fresh_runs_at_other_starting_wealths() {
        let extensions = affine_extensions();
        let options = SimulationOptions {
            paths: 2_000,
            seed: 17,
            fan_chart: true,
        };
        let prepared = PreparedExtended::new(&p1(), &extensions, &options).expect("affine");
        let mut scratch = Vec::new();
        for wealth in [0.0, 60_000.0, 250_000.0, 900_000.0] {
            let mut plan = p1();
            plan.initial_wealth = wealth;
            let fresh = simulate_extended(&plan, &extensions, &options).expect("runs");
            let answer = prepared.answer(wealth, &mut scratch);
            // The curve explanations use counts exactly the answer's survivors.
            #[allow(clippy::cast_precision_loss)]
            let counted = prepared.success_curve().survivors(wealth) as f64 / 2_000.0;
            assert_eq!(counted, answer.success_probability, "{wealth}");
            // Rounding can move a path sitting on its threshold: allow one path.
            let one = 1.0 / 2_000.0;
            assert!(
                (answer.success_probability - fresh.base.success_probability).abs() <= one,
                "{wealth}: {} vs {}",
                answer.success_probability,
                fresh.base.success_probability
            );
            for (a, f) in answer.goals.iter().zip(&fresh.goals) {
                assert!((a.probability - f.probability).abs() <= one);
            }
            let (a, f) = (answer.terminal_real_wealth, fresh.base.terminal_real_wealth);
            for (x, y) in [(a.p5, f.p5), (a.p50, f.p50), (a.p95, f.p95)] {
                assert!(
                    (x - y).abs() <= 1e-6 * y.abs().max(1.0),
                    "{wealth}: {x} vs {y}"
                );
            }
            let fan = prepared.fan_chart(wealth, &mut scratch);
            assert_eq!(fan.len(), fresh.base.fan_chart.len());
            for (a, f) in fan.iter().zip(&fresh.base.fan_chart) {
                assert_eq!(a.year, f.year);
                let (a, f) = (a.real_wealth, f.real_wealth);
                for (x, y) in [(a.p5, f.p5), (a.p50, f.p50), (a.p95, f.p95)] {
                    assert!(
                        (x - y).abs() <= 1e-6 * y.abs().max(1.0),
                        "{wealth}: {x} vs {y}"
                    );
                }
            }
        }
        assert_eq!(prepared.memory_bytes(), 2_000 * (8 + 16 + 2 * 8 + 60 * 24));
        let mut lean = prepared.clone();
        lean.drop_fan_chart();
        assert!(!lean.has_fan_chart() && lean.fan_chart(1.0, &mut scratch).is_empty());
        assert_eq!(lean.memory_bytes(), 2_000 * (8 + 16 + 2 * 8));
    }

    #[test]
    fn wealth_dependent_switches_are_named() {
        let mut extensions = affine_extensions();
        assert_eq!(wealth_dependence(&extensions), None);
        extensions.goals[1].priority = Priority::Wish;
        assert!(wealth_dependence(&extensions).is_some());
        extensions.goals[1].priority = Priority::Need;
        extensions.withdrawal = Withdrawal::Vpw { real_return: 0.03 };
        let refused = PreparedExtended::new(
            &p1(),
            &extensions,
            &SimulationOptions {
                paths: 10,
                seed: 1,
                fan_chart: false,
            },
        );
        assert!(matches!(refused, Err(PrepareError::WealthDependent(_))));
    }
}
