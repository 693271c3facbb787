//! Solving for a target: the value of one lever of a plan (spending, contribution, retirement
//! month, starting wealth, equity share) at which the success probability reaches a target,
//! all other inputs fixed.
//!
//! Every evaluation uses the same seed, so the same random numbers (common random numbers):
//! each path's wealth is then monotone in every lever (more spending, less contribution, an
//! earlier retirement or less starting wealth never leave a path richer), so the number of
//! surviving paths is a monotone step function of the lever and bisection finds its crossing
//! of the target exactly, without the noise of fresh draws. Starting wealth and contribution
//! are answered from one pass over the paths (wealth is affine in both, so each path has a
//! threshold in either above which it survives: [`super::prepared::ruin_thresholds`]),
//! spending and the retirement month by a simulation per step. The answer is then run once more on fresh random
//! numbers (seed + 1): choosing the value on one set of paths flatters it on that set, and the
//! fresh run reports what the value achieves.
//!
//! The equity share is the exception: more equity brings more drift and more volatility, so a
//! path's fate is not monotone in it and neither is success. How it is searched, and what is
//! assumed, is in [`equity`].

mod equity;

use super::extended::prepared::{PrepareError, PreparedExtended, wealth_dependence};
use super::extended::{ExtendedError, Extensions, simulate_extended};
use super::prepared::{contribution_thresholds, ruin_thresholds};
use super::{Plan, SimulationError, SimulationOptions, simulate};

pub use self::equity::{EQUITY_GRID, EQUITY_SIMULATIONS, equity_share, equity_weights};

/// The lever solved for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lever {
    /// The highest monthly spending (today's money) that reaches the target.
    MonthlySpending,
    /// The lowest monthly contribution (today's money) that reaches the target.
    MonthlyContribution,
    /// The earliest retirement month that reaches the target.
    RetirementMonth,
    /// The smallest starting wealth that reaches the target.
    InitialWealth,
    /// The least share of the portfolio in the equity classes (0 to 1, in steps of 0.001)
    /// that reaches the target, the equity classes keeping their mix and the others theirs
    /// ([`equity_weights`]). Needs the equity classes ([`SolveWith::equity`]).
    EquityShare,
}

impl Lever {
    /// The plan field it sets.
    #[must_use]
    pub fn field(self) -> &'static str {
        match self {
            Self::MonthlySpending => "monthly_spending",
            Self::MonthlyContribution => "monthly_contribution",
            Self::RetirementMonth => "retirement_month",
            Self::InitialWealth => "initial_wealth",
            Self::EquityShare => "equity_share",
        }
    }

    /// Whether a larger value raises the success probability (the equity share is searched
    /// apart, assuming no direction).
    fn helps(self) -> bool {
        !matches!(self, Self::MonthlySpending)
    }

    /// The largest value searched (the plan validation's own limits; for the retirement month,
    /// the horizon).
    fn ceiling(self, plan: &Plan) -> f64 {
        match self {
            Self::MonthlySpending | Self::MonthlyContribution => MAX_FLOW,
            Self::RetirementMonth => f64::from(plan.horizon_months),
            Self::InitialWealth => MAX_WEALTH,
            Self::EquityShare => 1.0,
        }
    }
}

/// The largest monthly flow searched.
pub const MAX_FLOW: f64 = 1e9;
/// The largest starting wealth searched.
pub const MAX_WEALTH: f64 = 1e12;
/// A spending answer (a simulation per step) is exact to a cent or to this fraction of itself,
/// whichever is larger; contribution and starting wealth (answered from one prepared
/// simulation, microseconds a step) are exact to the cent.
const SPENDING_PRECISION: f64 = 1e-4;

/// The answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Solution {
    /// The lever.
    pub lever: Lever,
    /// Its value: money rounded to the cent on the safe side, or a whole month.
    pub value: f64,
    /// The success probability at `value` on the search's random numbers (at least the
    /// target).
    pub search_success: f64,
    /// The success probability at `value` on fresh random numbers (seed + 1).
    pub achieved_success: f64,
    /// Its standard error.
    pub standard_error: f64,
    /// Success probabilities computed in the search.
    pub evaluations: u32,
}

/// Why there is no answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SolveError {
    /// The plan or path count is invalid.
    #[error(transparent)]
    Simulation(#[from] SimulationError),
    /// A target outside (0, 1].
    #[error("target_success is {0}: it must be above 0 and at most 1")]
    Target(f64),
    /// The plan's extensions or the path count for them are invalid.
    #[error(transparent)]
    Extended(#[from] ExtendedError),
    /// The equity classes of [`Lever::EquityShare`] are missing or cannot move the share.
    #[error("{0}")]
    EquityClasses(&'static str),
    /// Even the most favourable value in range falls short.
    #[error(
        "no {} from 0 to {limit} reaches a success of {target}: at {limit_value} it is {best}",
        lever.field()
    )]
    Unreachable {
        /// The lever.
        lever: Lever,
        /// The target.
        target: f64,
        /// The most favourable value searched.
        limit_value: f64,
        /// The end of the range searched.
        limit: f64,
        /// The success probability there.
        best: f64,
    },
}

fn unreachable(lever: Lever, target: f64, limit_value: f64, limit: f64, best: f64) -> SolveError {
    SolveError::Unreachable {
        lever,
        target,
        limit_value,
        limit,
        best,
    }
}

/// What a search may use besides the plan.
#[derive(Debug, Clone, Copy, Default)]
pub struct SolveWith<'a> {
    /// For [`Lever::EquityShare`]: whether each of the plan's asset classes is equity, in the
    /// plan's order; at least one must be and one must not.
    pub equity: &'a [bool],
    /// For [`Lever::InitialWealth`] and [`Lever::MonthlyContribution`]: the paths' ruin
    /// thresholds in the lever for this plan, path count and seed, ascending, when already
    /// known (a live session's prepared simulation has them:
    /// [`super::PreparedSimulation::wealth_thresholds`] and
    /// [`super::PreparedSimulation::contribution_thresholds`]), saving the pass that finds
    /// them. Thresholds of another length than the path count are not used.
    ///
    /// With model extensions, only [`Lever::InitialWealth`]'s thresholds are used (those of
    /// [`PreparedExtended::wealth_thresholds`]); the contribution is then searched by
    /// simulation.
    pub thresholds: Option<&'a [f64]>,
    /// The plan's model extensions: every evaluation runs the extended model
    /// ([`simulate_extended`]), on the same random numbers throughout as the base model's
    /// search does. `None` (or the defaults) is the base model.
    pub extensions: Option<&'a Extensions>,
}

/// `plan`'s success and its standard error on `options`' paths, under `extensions` when given
/// and not the base model.
pub(crate) fn success_of(
    plan: &Plan,
    extensions: Option<&Extensions>,
    options: &SimulationOptions,
) -> Result<(f64, f64), SolveError> {
    Ok(match extensions.filter(|e| !e.is_base()) {
        None => {
            let r = simulate(plan, options)?;
            (r.success_probability, r.success_standard_error)
        }
        Some(extensions) => {
            let r = simulate_extended(plan, extensions, options)?;
            (r.base.success_probability, r.base.success_standard_error)
        }
    })
}

/// How one lever's success probability is found on fixed random numbers.
enum Evaluator<'a> {
    /// Starting wealth or contribution: the paths' ruin thresholds in it, ascending.
    Thresholds(std::borrow::Cow<'a, [f64]>),
    /// Spending or the retirement month (and, with extensions, the contribution): a
    /// simulation per value.
    Simulated {
        plan: Plan,
        extensions: Option<&'a Extensions>,
        options: SimulationOptions,
    },
}

impl Evaluator<'_> {
    fn success(&mut self, lever: Lever, value: f64) -> Result<f64, SolveError> {
        match self {
            Self::Thresholds(thresholds) => {
                // Paths survive exactly when they start above their threshold.
                let survivors = thresholds.partition_point(|t| *t < value);
                #[allow(clippy::cast_precision_loss)] // path counts are far below 2^52
                let share = survivors as f64 / thresholds.len() as f64;
                Ok(share)
            }
            Self::Simulated {
                plan,
                extensions,
                options,
            } => {
                set(plan, lever, value);
                Ok(success_of(plan, *extensions, options)?.0)
            }
        }
    }
}

fn set(plan: &mut Plan, lever: Lever, value: f64) {
    match lever {
        Lever::MonthlySpending => plan.monthly_spending = value,
        Lever::MonthlyContribution => plan.monthly_contribution = value,
        Lever::InitialWealth => plan.initial_wealth = value,
        // Whole months from 0 to the horizon: the cast is exact.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Lever::RetirementMonth => plan.retirement_month = value as u32,
        // Searched apart ([`equity`]), which sets the weights itself.
        Lever::EquityShare => {}
    }
}

/// The value of `lever` at which `plan` reaches `target` success on `options.paths` paths
/// (as [`solve_with`] with nothing more; [`Lever::EquityShare`] needs the equity classes).
///
/// # Errors
/// An invalid plan, path count or target, or no value in range reaching the target.
pub fn solve(
    plan: &Plan,
    lever: Lever,
    target: f64,
    options: &SimulationOptions,
) -> Result<Solution, SolveError> {
    solve_with(plan, lever, target, options, SolveWith::default())
}

/// The value of `lever` at which `plan` reaches `target` success on `options.paths` paths,
/// using what `with` gives.
///
/// # Errors
/// An invalid plan, path count or target, equity classes that are missing or cannot move the
/// share, or no value in range reaching the target.
pub fn solve_with(
    plan: &Plan,
    lever: Lever,
    target: f64,
    options: &SimulationOptions,
    with: SolveWith<'_>,
) -> Result<Solution, SolveError> {
    if !(target > 0.0 && target <= 1.0) {
        return Err(SolveError::Target(target));
    }
    let options = SimulationOptions {
        fan_chart: false,
        ..*options
    };
    let extensions = with.extensions.filter(|e| !e.is_base());
    if lever == Lever::EquityShare {
        return equity::solve(plan, extensions, with.equity, target, &options);
    }
    let known = with
        .thresholds
        .filter(|t| t.len() == options.paths as usize)
        .filter(|_| extensions.is_none() || lever == Lever::InitialWealth)
        .map(std::borrow::Cow::Borrowed);
    let mut evaluator = match extensions {
        None => base_evaluator(plan, lever, known, options)?,
        Some(ext) => match (lever, known) {
            (Lever::InitialWealth, Some(thresholds)) => Evaluator::Thresholds(thresholds),
            (Lever::InitialWealth, None) if wealth_dependence(ext).is_none() => {
                // Wealth stays affine in the starting wealth: one pass gives every threshold.
                let prepared = PreparedExtended::new(plan, ext, &options).map_err(|e| match e {
                    PrepareError::Invalid(e) => SolveError::Extended(e),
                    PrepareError::WealthDependent(why) => SolveError::EquityClasses(why),
                })?;
                Evaluator::Thresholds(prepared.wealth_thresholds().to_vec().into())
            }
            _ => Evaluator::Simulated {
                plan: plan.clone(),
                extensions,
                options,
            },
        },
    };
    let mut evaluations = 0;
    let mut success = |value: f64| {
        evaluations += 1;
        evaluator.success(lever, value)
    };

    let ceiling = lever.ceiling(plan);
    let whole = lever == Lever::RetirementMonth;
    // The ends of the range: the most and the least favourable value.
    let (favourable, unfavourable) = if lever.helps() {
        (ceiling, 0.0)
    } else {
        (0.0, ceiling)
    };
    // `good` reaches the target and `bad` does not; the answer is the `good` end at the close.
    let (mut good, mut good_success, mut bad);
    if whole {
        // Twelve or so halvings of the horizon: no bracketing needed.
        let best = success(favourable)?;
        if best < target {
            return Err(unreachable(lever, target, favourable, ceiling, best));
        }
        (good, good_success, bad) = (favourable, best, unfavourable);
        let worst = success(unfavourable)?;
        if worst >= target {
            (good, good_success) = (unfavourable, worst);
        }
    } else {
        // A plan's answer is usually within a few doublings of its own value: bracket it from
        // there, reaching an end of the range only when the answer is at or beyond it.
        let own = match lever {
            Lever::MonthlySpending => plan.monthly_spending,
            Lever::MonthlyContribution => plan.monthly_contribution,
            _ => plan.initial_wealth,
        };
        let start = if own > 0.01 {
            own.min(ceiling)
        } else {
            1_000.0
        };
        // One doubling (or halving) towards `end`, reaching it below a cent or at the ceiling.
        let towards = |v: f64, end: f64| {
            if end > v {
                (v * 2.0).min(end)
            } else if v / 2.0 < 0.01 {
                end
            } else {
                v / 2.0
            }
        };
        let first = success(start)?;
        if first >= target {
            (good, good_success) = (start, first);
            loop {
                if good == unfavourable {
                    bad = good;
                    break;
                }
                let next = towards(good, unfavourable);
                let s = success(next)?;
                if s >= target {
                    (good, good_success) = (next, s);
                } else {
                    bad = next;
                    break;
                }
            }
        } else {
            bad = start;
            loop {
                if bad == favourable {
                    return Err(unreachable(lever, target, favourable, ceiling, first));
                }
                let next = towards(bad, favourable);
                let s = success(next)?;
                if s >= target {
                    (good, good_success) = (next, s);
                    break;
                }
                bad = next;
                if next == favourable {
                    return Err(unreachable(lever, target, favourable, ceiling, s));
                }
            }
        }
    }
    loop {
        let gap = (good - bad).abs();
        let done = if whole {
            gap <= 1.0
        } else {
            let relative = if lever == Lever::MonthlySpending {
                SPENDING_PRECISION
            } else {
                0.0
            };
            gap <= (relative * good.abs().min(bad.abs())).max(0.01)
        };
        if done {
            break;
        }
        let (low, high) = (good.min(bad), good.max(bad));
        let mut middle = low + (high - low) / 2.0;
        if whole {
            middle = middle.floor().clamp(low + 1.0, high - 1.0);
        }
        let s = success(middle)?;
        if s >= target {
            (good, good_success) = (middle, s);
        } else {
            bad = middle;
        }
    }
    let value = if lever == Lever::RetirementMonth {
        good
    } else if lever.helps() {
        // Upwards to the cent stays on the good side; downwards for spending.
        (good * 100.0).ceil() / 100.0
    } else {
        (good * 100.0).floor() / 100.0
    };
    let mut fresh = plan.clone();
    set(&mut fresh, lever, value);
    fresh_check(
        &fresh,
        extensions,
        lever,
        value,
        good_success,
        evaluations,
        &options,
    )
}

/// The base model's evaluator for `lever`.
fn base_evaluator<'a>(
    plan: &Plan,
    lever: Lever,
    known: Option<std::borrow::Cow<'a, [f64]>>,
    options: SimulationOptions,
) -> Result<Evaluator<'a>, SolveError> {
    Ok(match (lever, known) {
        (Lever::InitialWealth | Lever::MonthlyContribution, Some(thresholds)) => {
            Evaluator::Thresholds(thresholds)
        }
        (Lever::InitialWealth, None) => {
            Evaluator::Thresholds(ruin_thresholds(plan, &options)?.into())
        }
        (Lever::MonthlyContribution, None) => {
            Evaluator::Thresholds(contribution_thresholds(plan, &options)?.into())
        }
        _ => Evaluator::Simulated {
            plan: plan.clone(),
            extensions: None,
            options,
        },
    })
}

/// The answer, after running `at` (the plan at the answer) on fresh random numbers.
fn fresh_check(
    at: &Plan,
    extensions: Option<&Extensions>,
    lever: Lever,
    value: f64,
    search_success: f64,
    evaluations: u32,
    options: &SimulationOptions,
) -> Result<Solution, SolveError> {
    let (achieved_success, standard_error) = success_of(
        at,
        extensions,
        &SimulationOptions {
            seed: options.seed.wrapping_add(1),
            ..*options
        },
    )?;
    Ok(Solution {
        lever,
        value,
        search_success,
        achieved_success,
        standard_error,
        evaluations,
    })
}
