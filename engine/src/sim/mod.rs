//! The base Monte Carlo model of `docs/simulation-model.md`.
//!
//! Monthly steps; each month, in this order: add the inflation-scaled net cash flow; if wealth
//! is then 0 or less the path is ruined and stays at 0; otherwise multiply by the month's gross
//! return of the monthly rebalanced portfolio and by the fee factor. A path succeeds when it is
//! never ruined.
//!
//! # Layout
//! - [`plan`]: the inputs and their validation.
//! - [`model`]: per-month constants derived from a plan.
//! - [`rng`]: one random stream per path.
//! - `normal`, `exp`, `kernel` (private): the month's gross return, a year of months at a
//!   time, compiled per small asset count. Where the time goes and what was measured is in
//!   `BENCHMARKS.md` at the workspace root.
//! - [`stats`]: percentiles of path outcomes.
//! - `fan` (private): the fan chart of large runs in bounded memory, as fixed log-spaced
//!   histograms ([`FanChartMethod`]); below [`EXACT_FAN_CHART_PATHS`] paths every yearly
//!   value is kept and the percentiles are exact.
//! - [`reference`](mod@reference): the reference plans P0 and P1 of `docs/simulation-model.md`.
//! - [`prepared`]: a simulation kept for cheap re-answers when the starting wealth or the
//!   contribution moves, with the yearly fan chart if asked for ([`PreparedOptions`]).
//! - [`explain`]: why the success moved between two states of the same paths (the market's
//!   part, the plan's, the rest) and which plan inputs changed.
//!
//! # Example
//! ```
//! use engine::sim::{simulate, AssetClass, Plan, SimulationOptions};
//!
//! let plan = Plan {
//!     initial_wealth: 100_000.0,
//!     monthly_contribution: 500.0,
//!     retirement_month: 240,
//!     monthly_spending: 2_000.0,
//!     horizon_months: 480,
//!     annual_inflation: 0.02,
//!     annual_fee: 0.002,
//!     assets: vec![AssetClass { mu: 0.07, sigma: 0.16 }, AssetClass { mu: 0.03, sigma: 0.05 }],
//!     weights: vec![0.7, 0.3],
//!     correlation: vec![vec![1.0, 0.2], vec![0.2, 1.0]],
//! };
//! let result = simulate(&plan, &SimulationOptions { paths: 2_000, seed: 7, fan_chart: true })?;
//! assert!((0.0..=1.0).contains(&result.success_probability));
//! assert_eq!(result.fan_chart.len(), 40);
//! # Ok::<(), engine::sim::SimulationError>(())
//! ```

mod exp;
pub mod explain;
pub mod extended;
mod fan;
mod kernel;
pub mod model;
mod normal;
pub mod plan;
pub mod prepared;
pub mod reference;
pub mod rng;
pub mod solve;
pub mod stats;

use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;

use self::fan::{YearCounter, YearHistograms};
use self::kernel::{BLOCK, Returns, by_width};

pub use self::extended::{ExtendedError, ExtendedResult, Extensions, simulate_extended};
pub use self::model::Model;
pub use self::plan::{AssetClass, Plan, PlanError};
pub use self::prepared::{PreparedFanChart, PreparedOptions, PreparedSimulation};
pub use self::solve::{
    Lever, Solution, SolveError, SolveWith, equity_share, equity_weights, solve, solve_with,
};
pub use self::stats::Percentiles;

// The fan chart is read at block ends.
const _: () = assert!(BLOCK == 12);

/// Paths per parallel task: large enough to amortise scheduling, small enough to balance
/// (at 10,000 paths, 256 left one core idle for part of the last task).
const CHUNK: usize = 128;
/// The most paths one call may simulate.
pub const MAX_PATHS: u32 = 10_000_000;
/// Marks a path that was never ruined.
const NEVER: u32 = u32::MAX;
/// [`FanChartMethod::Auto`] keeps every yearly value up to this many paths (at most 26 MB,
/// for a 100-year horizon) and switches to the bounded histogram above.
pub const EXACT_FAN_CHART_PATHS: u32 = 32_768;

/// How the fan chart's percentiles are found. Success, terminal percentiles, ruin by year and
/// the shortfall are exact whatever the method.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FanChartMethod {
    /// Exact order statistics: every path's real wealth at every year end is kept, N × years
    /// values (240 MB for 500,000 paths of P1).
    Exact,
    /// A fixed log-spaced histogram per year: memory that does not grow with N (a few MB
    /// per thread) and each percentile within 2^-9 (0.2%) of the exact one, relative, or
    /// absolutely below 1 (details in `sim/fan.rs`). Bit-identical whatever the thread count.
    Histogram,
    /// [`FanChartMethod::Exact`] up to [`EXACT_FAN_CHART_PATHS`] paths, then
    /// [`FanChartMethod::Histogram`]: the method of [`simulate`].
    #[default]
    Auto,
}

impl FanChartMethod {
    /// Whether `paths` paths get exact order statistics.
    #[must_use]
    pub fn is_exact(self, paths: u32) -> bool {
        match self {
            Self::Exact => true,
            Self::Histogram => false,
            Self::Auto => paths <= EXACT_FAN_CHART_PATHS,
        }
    }
}

/// How to run a simulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimulationOptions {
    /// Number of paths, N (1 to [`MAX_PATHS`]).
    pub paths: u32,
    /// Fixes the result bit for bit, whatever the number of threads.
    pub seed: u64,
    /// Whether to compute the yearly fan chart: exact up to [`EXACT_FAN_CHART_PATHS`] paths
    /// (N × years values in memory), within 2^-9 above it, in memory that does not grow
    /// with N ([`FanChartMethod`]).
    pub fan_chart: bool,
}

/// Why a simulation did not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimulationError {
    /// The plan is invalid.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The path count is 0 or above [`MAX_PATHS`].
    #[error("paths: must be from 1 to {MAX_PATHS}")]
    Paths,
}

impl SimulationError {
    /// The field at fault.
    #[must_use]
    pub fn field(&self) -> String {
        match self {
            Self::Plan(e) => e.field(),
            Self::Paths => "paths".into(),
        }
    }
}

/// One point of the fan chart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct YearPercentiles {
    /// Years from the start (wealth after 12 × year months).
    pub year: u32,
    /// Percentiles of real wealth then.
    pub real_wealth: Percentiles,
}

/// What a simulation answers.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulationResult {
    /// N.
    pub paths: u32,
    /// The seed used.
    pub seed: u64,
    /// Share of paths never ruined.
    pub success_probability: f64,
    /// sqrt(p (1 - p) / N).
    pub success_standard_error: f64,
    /// Percentiles of real terminal wealth W_T / (1 + pi)^(T/12).
    pub terminal_real_wealth: Percentiles,
    /// Mean real terminal wealth.
    pub terminal_real_wealth_mean: f64,
    /// Standard error of that mean.
    pub terminal_real_wealth_mean_standard_error: f64,
    /// Percentiles of real wealth after each whole year (empty unless requested).
    pub fan_chart: Vec<YearPercentiles>,
    /// Whether those are exact order statistics rather than the bounded histogram's
    /// estimates ([`FanChartMethod`]); true when there is no fan chart.
    pub fan_chart_exact: bool,
    /// Entry k - 1: share of paths ruined by the end of year k.
    pub ruin_probability_by_year: Vec<f64>,
    /// Median of (T - ruin month) / 12 over ruined paths: how many years early the money ran
    /// out. `None` when no path was ruined.
    pub median_shortfall_years: Option<f64>,
}

/// What one path leaves behind.
#[derive(Debug, Clone, Copy)]
struct PathEnd {
    terminal_real: f64,
    ruin_month: u32,
}

/// Runs one path, writing real wealth after each whole year into `years` (if not empty).
fn run_path<const N: usize>(model: &Model, seed: u64, index: u64, years: &mut [f64]) -> PathEnd {
    let mut returns = Returns::<N>::new(model, rng::path_stream(seed, index));
    let (mut growth, mut next) = ([0.0; BLOCK], [0.0; BLOCK]);
    returns.next_block(&mut growth);
    let last = model.horizon.div_ceil(BLOCK) - 1;
    let mut wealth = model.initial_wealth;
    for (year, flows) in model.flows.chunks(BLOCK).enumerate() {
        let more = year < last;
        for (month, (flow, g)) in flows.iter().zip(&growth).enumerate() {
            // The wealth recursion is a serial chain (add, compare, multiply per month).
            // Drawing the next block's normals in the same loop gives the processor
            // independent work to overlap with it; drawing them afterwards left the chain
            // exposed.
            if more {
                returns.draw_month(month);
            }
            wealth += flow;
            if wealth <= 0.0 {
                // Ruined: 0 for the rest of the horizon, so no more draws are needed.
                years.iter_mut().skip(year).for_each(|y| *y = 0.0);
                #[allow(clippy::cast_possible_truncation)] // t < 1200
                return PathEnd {
                    terminal_real: 0.0,
                    ruin_month: (year * BLOCK + month) as u32,
                };
            }
            wealth *= g;
        }
        if flows.len() == BLOCK
            && let Some(slot) = years.get_mut(year)
        {
            *slot = wealth / model.price_index[(year + 1) * BLOCK];
        }
        if more {
            returns.finish_block(&mut next);
            std::mem::swap(&mut growth, &mut next);
        }
    }
    PathEnd {
        terminal_real: wealth / model.price_index[model.horizon],
        ruin_month: NEVER,
    }
}

/// Runs the paths of one task: `out` and `year_block` cover the same paths from `first` on.
/// `year_block` is year-major (`[year][path]`), so that the summary reads each year's column
/// in contiguous runs rather than one value per cache line.
fn run_paths<const N: usize>(
    model: &Model,
    seed: u64,
    first: usize,
    out: &mut [PathEnd],
    year_block: &mut [f64],
) {
    let count = out.len();
    let years = year_block.len() / count;
    let mut path_years = [0.0; plan::MAX_HORIZON_MONTHS as usize / 12];
    let path_years = &mut path_years[..years];
    for (local, end) in out.iter_mut().enumerate() {
        *end = run_path::<N>(model, seed, (first + local) as u64, path_years);
        for (slot, value) in year_block
            .iter_mut()
            .skip(local)
            .step_by(count)
            .zip(&*path_years)
        {
            *slot = *value;
        }
    }
}

/// Runs the paths of one task, passing each path's yearly wealth to `counter` for the
/// years before its ruin (the ruined years are counted from the paths' ends afterwards).
/// Counting inside the month loop instead made the compiler spill around it: 6% more
/// instructions in all than without the fan chart, against 2.3% this way (callgrind, 20,000
/// paths, one thread).
fn run_paths_counted<const N: usize>(
    model: &Model,
    seed: u64,
    first: usize,
    out: &mut [PathEnd],
    counter: &mut YearCounter,
) {
    let mut path_years = [0.0; plan::MAX_HORIZON_MONTHS as usize / 12];
    let path_years = &mut path_years[..model.years()];
    for (local, end) in out.iter_mut().enumerate() {
        *end = run_path::<N>(model, seed, (first + local) as u64, path_years);
        let alive = path_years.len().min(end.ruin_month as usize / BLOCK);
        counter.add_path(&path_years[..alive]);
    }
}

/// Simulates `plan` and summarises the paths, with the fan chart (if asked for) by
/// [`FanChartMethod::Auto`]: exact up to [`EXACT_FAN_CHART_PATHS`] paths, in bounded memory
/// above.
///
/// # Errors
/// An invalid plan or path count, naming the field.
pub fn simulate(
    plan: &Plan,
    options: &SimulationOptions,
) -> Result<SimulationResult, SimulationError> {
    simulate_with(plan, options, FanChartMethod::Auto)
}

/// As [`simulate`], with the fan chart found by `method`.
///
/// # Errors
/// An invalid plan or path count, naming the field.
pub fn simulate_with(
    plan: &Plan,
    options: &SimulationOptions,
    method: FanChartMethod,
) -> Result<SimulationResult, SimulationError> {
    let model = Model::new(plan)?;
    if options.paths == 0 || options.paths > MAX_PATHS {
        return Err(SimulationError::Paths);
    }
    let n = options.paths as usize;
    let years = if options.fan_chart { model.years() } else { 0 };
    if years > 0 && !method.is_exact(options.paths) {
        return Ok(simulate_histogram(&model, options, years));
    }
    let mut ends = vec![
        PathEnd {
            terminal_real: 0.0,
            ruin_month: NEVER
        };
        n
    ];
    let mut yearly = vec![0.0; n * years];
    let year_chunks = yearly.par_chunks_mut((CHUNK * years).max(1));
    let run_chunk = |chunk: usize, out: &mut [PathEnd], year_block: &mut [f64]| {
        by_width!(
            model.assets,
            run_paths(&model, options.seed, chunk * CHUNK, out, year_block)
        );
    };
    if years > 0 {
        ends.par_chunks_mut(CHUNK)
            .zip(year_chunks)
            .enumerate()
            .for_each(|(chunk, (out, year_block))| run_chunk(chunk, out, year_block));
    } else {
        ends.par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(chunk, out)| run_chunk(chunk, out, &mut []));
    }
    let fan_chart = exact_fan_chart(&yearly, n, years);
    Ok(summarise(&model, options, &ends, fan_chart, true))
}

/// The paths with the fan chart counted into per-year histograms (`sim/fan.rs`): memory for
/// the yearly values is a batch of paths and the counts per worker, not N × years. A worker
/// keeps its counter locked for a whole task; nothing in a task calls back into rayon, so it
/// can never wait on its own lock.
fn simulate_histogram(
    model: &Model,
    options: &SimulationOptions,
    years: usize,
) -> SimulationResult {
    let n = options.paths as usize;
    let mut ends = vec![
        PathEnd {
            terminal_real: 0.0,
            ruin_month: NEVER
        };
        n
    ];
    // One counter per worker thread, always the same one: a counter handed from thread to
    // thread would take its cached counts and held values with it.
    let threads = rayon::current_num_threads().max(1);
    let counters: Vec<Mutex<Option<YearCounter>>> =
        (0..threads).map(|_| Mutex::new(None)).collect();
    ends.par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(chunk, out)| {
            let slot = rayon::current_thread_index().unwrap_or(0) % threads;
            let mut counter = counters[slot]
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let counter = counter.get_or_insert_with(|| YearCounter::new(years));
            by_width!(
                model.assets,
                run_paths_counted(model, options.seed, chunk * CHUNK, out, counter)
            );
        });
    let mut sets = counters
        .into_iter()
        .filter_map(|c| c.into_inner().unwrap_or_else(PoisonError::into_inner))
        .map(YearCounter::finish);
    let mut counts = sets.next().unwrap_or_else(|| YearHistograms::new(years));
    for other in sets {
        counts.merge(&other);
    }
    let mut ruined_in_year = vec![0u32; years];
    for end in &ends {
        if let Some(count) = ruined_in_year.get_mut(end.ruin_month as usize / BLOCK) {
            *count += 1;
        }
    }
    counts.set_zeros(&ruined_in_year);
    let fan_chart = to_fan_chart(counts.percentiles());
    summarise(model, options, &ends, fan_chart, false)
}

#[allow(clippy::cast_possible_truncation)] // years < 100
fn to_fan_chart(percentiles: Vec<Percentiles>) -> Vec<YearPercentiles> {
    percentiles
        .into_iter()
        .enumerate()
        .map(|(y, real_wealth)| YearPercentiles {
            year: y as u32 + 1,
            real_wealth,
        })
        .collect()
}

/// Each year's exact percentiles from `yearly` (year-major within each task of [`CHUNK`]
/// paths). Each column is gathered without its zeros (ruined paths) and selected on its own:
/// one task per year.
fn exact_fan_chart(yearly: &[f64], n: usize, years: usize) -> Vec<YearPercentiles> {
    let percentiles = (0..years)
        .into_par_iter()
        .map(|y| {
            let mut column = Vec::with_capacity(n);
            for (chunk, block) in yearly.chunks(CHUNK * years).enumerate() {
                let count = CHUNK.min(n - chunk * CHUNK);
                column.extend(
                    block[y * count..(y + 1) * count]
                        .iter()
                        .filter(|v| **v > 0.0),
                );
            }
            Percentiles::of_zeros_and(n - column.len(), &mut column)
        })
        .collect();
    to_fan_chart(percentiles)
}

fn summarise(
    model: &Model,
    options: &SimulationOptions,
    ends: &[PathEnd],
    fan_chart: Vec<YearPercentiles>,
    fan_chart_exact: bool,
) -> SimulationResult {
    summarise_ends(
        model,
        options,
        ends.iter().map(|e| (e.ruin_month, e.terminal_real)),
        fan_chart,
        fan_chart_exact,
    )
}

/// The figures every run reports, from each path's ruin month ([`NEVER`] if it survived) and
/// terminal real wealth: shared by the base model and its extensions so both count alike.
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)] // counts ≪ 2^52
pub(super) fn summarise_ends(
    model: &Model,
    options: &SimulationOptions,
    ends: impl ExactSizeIterator<Item = (u32, f64)>,
    fan_chart: Vec<YearPercentiles>,
    fan_chart_exact: bool,
) -> SimulationResult {
    let n = ends.len();
    let nf = n as f64;
    let mut ruined: Vec<u32> = Vec::new();
    let mut terminal: Vec<f64> = Vec::with_capacity(n);
    for (ruin_month, terminal_real) in ends {
        if ruin_month != NEVER {
            ruined.push(ruin_month);
        }
        terminal.push(terminal_real);
    }
    let success = (n - ruined.len()) as f64 / nf;
    let mean = terminal.iter().sum::<f64>() / nf;
    let variance = if n > 1 {
        terminal.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (nf - 1.0)
    } else {
        0.0
    };
    // One pass over the ruined paths, then running totals (not one pass per year).
    let mut ruined_in_year = vec![0usize; model.years() + 1];
    for month in &ruined {
        ruined_in_year[(*month as usize / 12).min(model.years())] += 1;
    }
    let ruin_probability_by_year = ruined_in_year[..model.years()]
        .iter()
        .scan(0usize, |so_far, count| {
            *so_far += count;
            Some(*so_far as f64 / nf)
        })
        .collect();
    let median_shortfall_years = if ruined.is_empty() {
        None
    } else {
        let mut shortfall: Vec<f64> = ruined
            .iter()
            .map(|m| (model.horizon as f64 - f64::from(*m)) / 12.0)
            .collect();
        Some(stats::quantiles(&mut shortfall, [0.5])[0])
    };
    SimulationResult {
        paths: options.paths,
        seed: options.seed,
        success_probability: success,
        success_standard_error: (success * (1.0 - success) / nf).sqrt(),
        terminal_real_wealth: Percentiles::of(&mut terminal),
        terminal_real_wealth_mean: mean,
        terminal_real_wealth_mean_standard_error: (variance / nf).sqrt(),
        fan_chart,
        fan_chart_exact,
        ruin_probability_by_year,
        median_shortfall_years,
    }
}
