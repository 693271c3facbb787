//! Extensions of the base model: goals with priorities, income streams and one-off events,
//! withdrawal strategies, a glide path, other return models and stochastic inflation.
//!
//! Every extension is a switch whose default ([`Extensions::default`]) leaves the base model of
//! `docs/simulation-model.md`: with the defaults (and with any mix of goals, income, events and
//! strategies on lognormal returns with fixed weights and constant inflation) a path draws the
//! same normals in the same order and computes the same growth factor, bit for bit, as
//! [`super::simulate`] does. The test `base_switches_give_the_base_model_bit_for_bit` holds
//! the two to that; P0/P1's pinned results therefore do not move.
//!
//! The month, t = 0 .. T-1, extending the base model's order:
//!
//! ```text
//! W += contribution_t + income_t + inflows_t − withdrawal_t − outflows_t − needs_t
//! if W <= 0: ruined (as in the base model), W = 0 from then on
//! pay the month's wants, then its wishes, each only if the priority rule allows it
//! W *= G_t · (1 − f)^(1/12)        G_t from the return model and month t's weights
//! ```
//!
//! Randomness: the returns' normals come from the path's stream exactly as in the base model;
//! everything else a model needs (the t distribution's mixing variable, the regime's switches,
//! the bootstrap's block starts, inflation's own shock) from a second stream of the same path,
//! so that every return model sees the same normals: compared side by side, the models differ
//! by their mathematics, not by their draws.
//!
//! # Layout
//! - [`check`](self::check): validation, naming the field at fault.
//! - [`history`]: monthly returns for the bootstrap from daily closes.
//! - `returns` (private): the month's gross return under each return model, and inflation.
//! - `spending` (private): the withdrawal strategies' yearly decisions.
//! - `path` (private): one path's month loop with its cash flows and goals.
//! - [`prepared`]: cheap re-answers for a new starting wealth where no flow depends on wealth.
//! - `summary` (private): percentiles and probabilities over the paths.

pub mod check;
pub mod history;
mod path;
pub mod prepared;
mod returns;
mod spending;
mod summary;

use rayon::prelude::*;

use super::{Model, Percentiles, Plan, SimulationError, SimulationOptions, SimulationResult};

pub use self::returns::{Regime, RegimeSwitching};

/// The most paths an extended simulation keeps: it holds every path's real wealth and real
/// spending at every year end (16 bytes per path and year: 160 MB at this limit for a
/// 100-year plan).
pub const MAX_EXTENDED_PATHS: u32 = 100_000;

/// How badly a goal is wanted: decides whether it is paid when money is short.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    /// Paid whatever it takes, like the plan's spending: a need that cannot be paid ruins
    /// the path.
    Need,
    /// Paid when the wealth left after it still covers the reserve ([`reserve`](path)):
    /// the needs still to come and a year of spending.
    Want,
    /// Paid when the wealth left after it still covers twice that reserve.
    Wish,
}

/// A dated outflow: a goal (a house deposit, a child's university, a wedding).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Goal {
    /// In today's money (scaled by inflation up to `month`).
    pub amount: f64,
    /// The month it is paid in, before the horizon.
    pub month: u32,
    /// Whether it gives way when money is short.
    pub priority: Priority,
}

/// How an income stream's amount moves with prices.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Cola {
    /// Follows inflation: constant in today's money (most public pensions).
    #[default]
    Inflation,
    /// Fixed in money of its start month: loses value to inflation (many private pensions).
    None,
    /// Rises by this annual rate from its start month, whatever inflation does.
    Fixed(f64),
}

/// A stream of monthly income: a pension, social security, rent, a part-time job.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IncomeStream {
    /// Per month, in today's money at the start month.
    pub monthly_amount: f64,
    /// The first month paid.
    pub start_month: u32,
    /// The first month no longer paid (the horizon when `None`).
    pub end_month: Option<u32>,
    /// Its cost-of-living adjustment.
    pub cola: Cola,
}

/// A one-off cash flow: an inheritance or a house sale (positive), a new roof (negative).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CashEvent {
    /// The month it happens in, before the horizon.
    pub month: u32,
    /// In today's money: positive comes in, negative goes out (and cannot be skipped).
    pub amount: f64,
}

/// How retirement spending is set. Decisions are taken once a year, at each anniversary of
/// the retirement month, and the year's amount is withdrawn in twelve equal monthly parts.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Withdrawal {
    /// The base model: the plan's monthly spending, constant in today's money.
    #[default]
    ConstantReal,
    /// Each year, this share of the wealth at the anniversary.
    ConstantPercentage {
        /// Share withdrawn per year (0.04).
        annual_rate: f64,
    },
    /// Variable percentage withdrawal (Bogleheads): each year the payment of an annuity due
    /// that would empty the portfolio at the horizon if it earned `real_return` a year
    /// (the VPW spreadsheet's `PMT(r, n, −1, 0, 1)`): rate = r / ((1 + r)(1 − (1 + r)^−n))
    /// for n remaining years (1 / n when r = 0), so the last year withdraws everything.
    Vpw {
        /// Expected real return used for the rate.
        real_return: f64,
    },
    /// Guyton and Klinger's decision rules (J. Financial Planning, 2006): start at the
    /// plan's spending; each year raise it by the year's inflation, except after a year in
    /// which the portfolio lost money while the withdrawal rate is above the initial one;
    /// then if the rate is above (1 + `guardrail`) × the initial rate, cut by `adjustment`
    /// (except in the last `protected_final_years`); if below (1 − `guardrail`) × the
    /// initial rate, raise by `adjustment`.
    GuytonKlinger {
        /// 0.2 in the original.
        guardrail: f64,
        /// 0.1 in the original.
        adjustment: f64,
        /// 15 in the original: no cuts this close to the horizon.
        protected_final_years: u32,
    },
    /// Each year `annual_rate` of the wealth, but no less than `floor` and no more than
    /// `ceiling` times the plan's spending (in today's money).
    FloorCeiling {
        /// Share of wealth per year.
        annual_rate: f64,
        /// Lowest spending, as a multiple of the plan's (0.85).
        floor: f64,
        /// Highest spending, as a multiple of the plan's (1.5).
        ceiling: f64,
    },
}

/// One point of a glide path: the target weights from `month` on (linear between points).
#[derive(Debug, Clone, PartialEq)]
pub struct GlidePoint {
    /// The month the weights are reached.
    pub month: u32,
    /// Non-negative, summing to 1, one per asset class.
    pub weights: Vec<f64>,
}

/// Where monthly returns come from.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ReturnModel {
    /// The base model: multivariate normal log returns.
    #[default]
    Lognormal,
    /// Multivariate Student-t log returns with `df` degrees of freedom, scaled so that each
    /// class keeps its volatility (fatter tails, same drift and covariance). `df` above 2.
    StudentT {
        /// Degrees of freedom: 3 to 5 for equity-like tails, large for nearly normal.
        df: f64,
    },
    /// Blocks of consecutive months drawn from history (circular moving-block bootstrap):
    /// the plan's mu and sigma are not used, the history's are.
    Bootstrap {
        /// Monthly log returns, one row per month, one column per asset class.
        history: Vec<Vec<f64>>,
        /// Months per block (12 keeps a year's autocorrelation).
        block_months: u32,
    },
    /// Two regimes, calm and stressed, switching as a Markov chain ([`RegimeSwitching`]).
    RegimeSwitching(RegimeSwitching),
}

/// How prices move.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum InflationModel {
    /// The base model: the plan's constant annual inflation.
    #[default]
    Constant,
    /// Annual inflation as an AR(1) process around the plan's rate, month by month:
    /// i_t = pi + phi (i_{t−1} − pi) + volatility · sqrt(1 − phi²) · e_t, where e_t has
    /// correlation `correlation` with the first asset class's shock. Month t's prices rise
    /// by (1 + i_t)^(1/12) (i_t floored at −0.99); cash flows in today's money follow them.
    Stochastic {
        /// Long-run standard deviation of the annual rate (0.015).
        volatility: f64,
        /// phi, month-to-month persistence, 0 to below 1 (0.97).
        persistence: f64,
        /// Correlation of inflation's shock with the first asset class's (−1 to 1).
        correlation: f64,
    },
}

/// Every switch; the default is the base model.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Extensions {
    /// Dated goals.
    pub goals: Vec<Goal>,
    /// Income streams.
    pub income: Vec<IncomeStream>,
    /// One-off cash flows.
    pub events: Vec<CashEvent>,
    /// The withdrawal strategy.
    pub withdrawal: Withdrawal,
    /// Weights over time; the plan's weights when empty.
    pub glide_path: Vec<GlidePoint>,
    /// The return model.
    pub returns: ReturnModel,
    /// The inflation model.
    pub inflation: InflationModel,
    /// Monthly spending (today's money) below which a year counts as lean; the plan's
    /// monthly spending when `None`.
    pub spending_floor: Option<f64>,
}

impl Extensions {
    /// Whether every switch is at its default: the plan is the base model.
    #[must_use]
    pub fn is_base(&self) -> bool {
        *self == Self::default()
    }
}

/// One goal's outcome.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GoalOutcome {
    /// Share of paths that paid it in full.
    pub probability: f64,
    /// sqrt(p (1 − p) / N).
    pub standard_error: f64,
}

/// One year's spending across the paths.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct YearSpending {
    /// The plan year (months 12 (year − 1) to 12 year − 1).
    pub year: u32,
    /// Percentiles of the year's withdrawals in today's money (0 once a path is ruined).
    pub real_spending: Percentiles,
}

/// What retirement spending felt like.
#[derive(Debug, Clone, PartialEq)]
pub struct SpendingOutcome {
    /// Each whole plan year inside the retirement phase.
    pub by_year: Vec<YearSpending>,
    /// The monthly floor (today's money) the next two figures use.
    pub floor: f64,
    /// Share of all path-years (of those years) whose spending was below 12 × floor.
    pub share_of_years_below_floor: f64,
    /// Share of paths with at least one such year.
    pub paths_with_a_year_below_floor: f64,
}

/// An extended simulation's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtendedResult {
    /// Success, terminal wealth, fan chart (exact), ruin by year, as in the base model.
    pub base: SimulationResult,
    /// One per goal, in the order given.
    pub goals: Vec<GoalOutcome>,
    /// `None` without a whole year of retirement inside the horizon.
    pub spending: Option<SpendingOutcome>,
}

/// Why an extended simulation did not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExtendedError {
    /// The plan or the path count, as for the base model.
    #[error(transparent)]
    Simulation(#[from] SimulationError),
    /// More paths than an extended run keeps.
    #[error("paths: must be at most {MAX_EXTENDED_PATHS} with model extensions")]
    TooManyPaths,
}

impl ExtendedError {
    /// The field at fault.
    #[must_use]
    pub fn field(&self) -> String {
        match self {
            Self::Simulation(e) => e.field(),
            Self::TooManyPaths => "paths".into(),
        }
    }
}

/// Paths per parallel task (as in the base model).
const CHUNK: usize = 128;

/// How one path of an extended plan ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PathEnd {
    /// The month it was ruined in; `None` when it never was (a success).
    pub ruin_month: Option<u32>,
    /// Its real terminal wealth (0 once ruined).
    pub terminal_real_wealth: f64,
    /// Bit g: goal g was paid in full.
    pub goals_met: u64,
}

impl PathEnd {
    /// Whether the path counts as a success: never ruined.
    #[must_use]
    pub fn succeeded(&self) -> bool {
        self.ruin_month.is_none()
    }
}

/// Simulates `plan` with `extensions`, always on the extended month loop (the base model's
/// results come out of it bit for bit when the switches allow; [`super::simulate`] is faster
/// for plain plans).
///
/// # Errors
/// An invalid plan, extension or path count, naming the field.
pub fn simulate_extended(
    plan: &Plan,
    extensions: &Extensions,
    options: &SimulationOptions,
) -> Result<ExtendedResult, ExtendedError> {
    let model = checked_model(plan, options)?;
    let setup = path::Setup::new(plan, &model, extensions).map_err(SimulationError::from)?;
    let paths = run_paths(&setup, &model, options);
    Ok(summary::summarise(
        &setup,
        &model,
        options,
        &paths.outcomes,
        &paths.yearly,
        &paths.spent,
        paths.stride,
    ))
}

/// Each path of [`simulate_extended`]'s run, in path order: path `i` here is path `i` of any
/// other plan simulated with the same seed, which is what comparing two plans path by path
/// (common random numbers) needs. Its success share is `simulate_extended`'s, exactly.
///
/// # Errors
/// As [`simulate_extended`].
pub fn path_ends(
    plan: &Plan,
    extensions: &Extensions,
    options: &SimulationOptions,
) -> Result<Vec<PathEnd>, ExtendedError> {
    let model = checked_model(plan, options)?;
    let setup = path::Setup::new(plan, &model, extensions).map_err(SimulationError::from)?;
    Ok(run_paths(&setup, &model, options)
        .outcomes
        .iter()
        .map(|o| PathEnd {
            ruin_month: (o.ruin_month != super::NEVER).then_some(o.ruin_month),
            terminal_real_wealth: o.terminal_real,
            goals_met: o.goals_met,
        })
        .collect())
}

/// The plan's model, once the path count is known to fit.
fn checked_model(plan: &Plan, options: &SimulationOptions) -> Result<Model, ExtendedError> {
    let model = Model::new(plan).map_err(SimulationError::from)?;
    if options.paths == 0 || options.paths > super::MAX_PATHS {
        return Err(SimulationError::Paths.into());
    }
    if options.paths > MAX_EXTENDED_PATHS {
        return Err(ExtendedError::TooManyPaths);
    }
    Ok(model)
}

/// Every path's outcome, with its real wealth and spending at each year end (a row of
/// `stride` per path).
struct Paths {
    outcomes: Vec<path::PathOutcome>,
    yearly: Vec<f64>,
    spent: Vec<f64>,
    stride: usize,
}

fn run_paths(setup: &path::Setup<'_>, model: &Model, options: &SimulationOptions) -> Paths {
    let n = options.paths as usize;
    let years = model.years();
    // A row per path even when the horizon is shorter than a year, so that the three
    // buffers always split into the same tasks.
    let stride = years.max(1);
    let mut outcomes = vec![path::PathOutcome::default(); n];
    let mut yearly = vec![0.0; n * stride];
    let mut spent = vec![0.0; n * stride];
    outcomes
        .par_chunks_mut(CHUNK)
        .zip(yearly.par_chunks_mut(CHUNK * stride))
        .zip(spent.par_chunks_mut(CHUNK * stride))
        .enumerate()
        .for_each(|(chunk, ((out, wealth), spending))| {
            for (local, outcome) in out.iter_mut().enumerate() {
                let index = (chunk * CHUNK + local) as u64;
                let rows = local * stride..local * stride + years;
                *outcome = setup.run(
                    options.seed,
                    index,
                    &mut wealth[rows.clone()],
                    &mut spending[rows],
                );
            }
        });
    Paths {
        outcomes,
        yearly,
        spent,
        stride,
    }
}

#[cfg(test)]
mod tests;
