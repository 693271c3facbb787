//! A simulation kept so that "same plan, new starting wealth or new contribution" is answered
//! without drawing a single random number (common random numbers: the answer moves only
//! through the inputs).
//!
//! Before ruin, a path's wealth is linear in the starting wealth W_0 and the monthly
//! contribution c (the spending s stays the plan's): W_t = a_t W_0 + c p_t − s q_t, with
//! a_t = prod_{u<t} g_u > 0 (g the month's gross return times the fee factor) and p_t, q_t the
//! wealth one unit of contribution or spending (in today's money) would have built. Month t
//! ruins the path iff W_t + c u_t − s v_t <= 0 (u_t, v_t the month's inflation-scaled unit
//! flows), i.e. iff W_0 <= β_t − γ_t c with β_t = s (q_t + v_t) / a_t and
//! γ_t = (p_t + u_t) / a_t >= 0. So a path survives iff W_0 exceeds the upper envelope of
//! those T lines in c: a convex, decreasing, piecewise-linear function. Only the lines on that
//! envelope over c >= 0 are kept, typically a handful per path; the terminal wealth of a
//! survivor is a_T W_0 + c p_T − s q_T.
//!
//! Memory: 24 bytes of terminal coefficients, 8 of threshold, 4 of offset and 16 per envelope
//! line per path; [`PreparedSimulation::memory_bytes`] reports the total (68,004 bytes for a
//! 1,000-path P1, in a 120-byte struct).
//!
//! The yearly fan chart (and ruin by year) is opt-in ([`PreparedOptions::fan_chart`]): it
//! needs 16 bytes per path and year plus 8 per path (968,000 bytes more for 1,000 paths of
//! P1's 60 years), because each of the thousands of sessions holding a plan pays for it. How
//! it is answered, and why it needs no more than that, is in `prepared/fan.rs`.

mod fan;

use std::sync::Arc;

use rayon::prelude::*;

use super::explain::SuccessCurve;
use super::kernel::{BLOCK, Returns, by_width};
use super::stats::Percentiles;
use super::{Model, Plan, SimulationError, SimulationOptions, rng};

pub use self::fan::PreparedFanChart;

/// Per-path coefficients of a plan, ready to answer for any starting wealth and contribution.
#[derive(Debug, Clone)]
pub struct PreparedSimulation {
    seed: u64,
    /// The plan's own contribution, used by [`PreparedSimulation::answer`].
    contribution: f64,
    /// Each path's ruin threshold in W_0 at the plan's own contribution, ascending: paths
    /// are stored in this order (an answer does not depend on the paths' order), so the
    /// survivors of a starting wealth are a prefix found by binary search. A live session
    /// answers every tick this way, touching neither the envelope lines nor the ruined
    /// paths. Shared with the [`SuccessCurve`]s handed out, which outlive a replaced plan.
    thresholds: Arc<[f64]>,
    /// Path i's envelope lines are `lines[offsets[i]..offsets[i + 1]]`, as (γ, β).
    offsets: Vec<u32>,
    lines: Vec<(f64, f64)>,
    /// a_T, p_T and s q_T, each divided by (1 + pi)^(T/12): real terminal wealth is
    /// `terminal.0 W_0 + terminal.1 c − terminal.2`.
    terminal: Vec<(f64, f64, f64)>,
    /// The yearly coefficients, only when asked for ([`PreparedOptions::fan_chart`]); boxed
    /// so that plans without them stay a pointer larger.
    fan: Option<Box<fan::FanCoefficients>>,
}

/// What to prepare beyond success and terminal percentiles.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PreparedOptions {
    /// Keep what the yearly fan chart (and ruin by year) needs: 16 bytes per path and year
    /// plus 8 per path, about 16 times the base (968 KB against 60 KB for 1,000 paths of
    /// P1). Off by default because thousands of sessions each hold a prepared plan.
    pub fan_chart: bool,
}

/// What a prepared simulation answers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PreparedAnswer {
    /// Share of paths never ruined.
    pub success_probability: f64,
    /// sqrt(p (1 - p) / N).
    pub success_standard_error: f64,
    /// Percentiles of real terminal wealth.
    pub terminal_real_wealth: Percentiles,
}

/// What one path leaves for answering.
struct PathCoefficients {
    /// Its upper envelope of ruin lines (γ, β).
    lines: Vec<(f64, f64)>,
    /// a_T, p_T and s q_T in real terms.
    terminal: (f64, f64, f64),
    /// The fan chart's (A_k, x_k) at each whole year (empty unless asked): see [`fan`].
    years: Vec<(f64, f64)>,
    /// p_R / a_R at retirement R (0 without a retirement phase): see [`fan`].
    retired_gamma: f64,
}

/// The upper envelope over c >= 0 of the lines y = β − γ c.
fn upper_envelope(mut lines: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    // A line with no smaller γ and no larger β than another is below it for every c >= 0,
    // so it can go before the sort. Two such others catch nearly all of a path's T lines:
    // the highest at c = 0 and the flattest. Before retirement the lines are (γ_t, 0) with
    // γ_t rising, all under the first; after it γ stays p/a (up to rounding) and only the
    // largest β matters. This took preparing from sorting all T lines (three quarters of
    // its time) to sorting a few.
    if let (Some(&highest), Some(&flattest)) = (
        lines
            .iter()
            .max_by(|x, y| x.1.total_cmp(&y.1).then(y.0.total_cmp(&x.0))),
        lines
            .iter()
            .min_by(|x, y| x.0.total_cmp(&y.0).then(y.1.total_cmp(&x.1))),
    ) {
        let below = |line: &(f64, f64), other: (f64, f64)| {
            line.0 >= other.0 && line.1 <= other.1 && *line != other
        };
        lines.retain(|line| !below(line, highest) && !below(line, flattest));
    }
    // Ascending slope −γ, i.e. descending γ; of equal slopes only the highest matters.
    lines.sort_unstable_by(|x, y| y.0.total_cmp(&x.0).then(y.1.total_cmp(&x.1)));
    lines.dedup_by(|later, kept| later.0 == kept.0);
    // Where line x and line y cross (x has the larger γ).
    let cross = |x: (f64, f64), y: (f64, f64)| (x.1 - y.1) / (x.0 - y.0);
    let mut hull: Vec<(f64, f64)> = Vec::with_capacity(8);
    for line in lines {
        while hull.len() >= 2
            && cross(hull[hull.len() - 2], line)
                <= cross(hull[hull.len() - 2], hull[hull.len() - 1])
        {
            hull.pop();
        }
        hull.push(line);
    }
    // Lines that lead only for c < 0 never matter.
    let first_useful = hull
        .windows(2)
        .take_while(|w| cross(w[0], w[1]) <= 0.0)
        .count();
    hull.drain(..first_useful);
    hull
}

/// Draws path `index` and derives its coefficients; the fan chart's too if `fan_chart`.
fn coefficients<const N: usize>(
    model: &Model,
    retirement: usize,
    spending: f64,
    seed: u64,
    index: u64,
    fan_chart: bool,
) -> PathCoefficients {
    let mut returns = Returns::<N>::new(model, rng::path_stream(seed, index));
    let (mut growth, mut next) = ([0.0; BLOCK], [0.0; BLOCK]);
    returns.next_block(&mut growth);
    let last = model.horizon.div_ceil(BLOCK) - 1;
    let (mut a, mut p, mut q) = (1.0_f64, 0.0_f64, 0.0_f64);
    let mut lines = Vec::with_capacity(model.horizon);
    let mut years = Vec::with_capacity(if fan_chart { model.years() } else { 0 });
    let mut retired_gamma = 0.0;
    for (year, block) in growth_years(model).enumerate() {
        let more = year < last;
        for (month, t) in block.enumerate() {
            // As in `simulate`: the next block is drawn while this one runs.
            if more {
                returns.draw_month(month);
            }
            if t == retirement {
                retired_gamma = p / a;
            }
            let index = model.price_index[t];
            let (u, v) = if t < retirement {
                (index, 0.0)
            } else {
                (0.0, index)
            };
            lines.push(((p + u) / a, spending * (q + v) / a));
            let g = growth[month];
            a *= g;
            p = (p + u) * g;
            q = (q + v) * g;
        }
        let end = (year + 1) * BLOCK;
        if fan_chart && end <= model.horizon {
            // Before retirement no spending has been paid (q = 0) and the slope p/a still
            // moves; after it, p/a stays at retired_gamma and s q/a moves.
            let moving = if end <= retirement {
                p / a
            } else {
                spending * q / a
            };
            years.push((a / model.price_index[end], moving));
        }
        if more {
            returns.finish_block(&mut next);
            std::mem::swap(&mut growth, &mut next);
        }
    }
    let deflator = model.price_index[model.horizon];
    PathCoefficients {
        lines: upper_envelope(lines),
        terminal: (a / deflator, p / deflator, spending * q / deflator),
        years,
        retired_gamma,
    }
}

/// The months of each block of the horizon.
fn growth_years(model: &Model) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    (0..model.horizon)
        .step_by(BLOCK)
        .map(move |start| start..(start + BLOCK).min(model.horizon))
}

/// Which input a path's ruin threshold is in, the other held.
#[derive(Debug, Clone, Copy)]
enum Bound {
    /// Starting wealth, at this contribution.
    Wealth { contribution: f64 },
    /// Contribution, at this starting wealth.
    Contribution { wealth: f64 },
}

/// Path `index`'s ruin threshold: in starting wealth, the largest of its months' ruin bounds
/// `β_t − γ_t c` (as [`threshold`] finds on the kept envelope, without keeping the lines); in
/// contribution, the largest `(β_t − W_0) / γ_t` (infinite when a month no contribution
/// reaches ruins it). The path survives exactly when the input exceeds it.
fn path_threshold<const N: usize>(
    model: &Model,
    retirement: usize,
    spending: f64,
    bound: Bound,
    seed: u64,
    index: u64,
) -> f64 {
    let mut returns = Returns::<N>::new(model, rng::path_stream(seed, index));
    let (mut growth, mut next) = ([0.0; BLOCK], [0.0; BLOCK]);
    returns.next_block(&mut growth);
    let last = model.horizon.div_ceil(BLOCK) - 1;
    let (mut a, mut p, mut q) = (1.0_f64, 0.0_f64, 0.0_f64);
    let mut highest = f64::NEG_INFINITY;
    for (year, block) in growth_years(model).enumerate() {
        let more = year < last;
        for (month, t) in block.enumerate() {
            if more {
                returns.draw_month(month);
            }
            let index = model.price_index[t];
            let (u, v) = if t < retirement {
                (index, 0.0)
            } else {
                (0.0, index)
            };
            // The same expressions as the kept lines, so the same bits.
            let (gamma, beta) = ((p + u) / a, spending * (q + v) / a);
            highest = highest.max(match bound {
                Bound::Wealth { contribution } => beta - gamma * contribution,
                // Month t spares the path iff W_0 + γ_t c > β_t.
                Bound::Contribution { wealth } if gamma > 0.0 => (beta - wealth) / gamma,
                Bound::Contribution { wealth } if beta >= wealth => f64::INFINITY,
                Bound::Contribution { .. } => f64::NEG_INFINITY,
            });
            let g = growth[month];
            a *= g;
            p = (p + u) * g;
            q = (q + v) * g;
        }
        if more {
            returns.finish_block(&mut next);
            std::mem::swap(&mut growth, &mut next);
        }
    }
    highest
}

/// Every path's ruin threshold in starting wealth at the plan's own contribution, ascending:
/// a path succeeds exactly when it starts with more. The thresholds a [`PreparedSimulation`]
/// keeps, at about the cost of one simulation (it keeps no lines to answer other
/// contributions).
///
/// # Errors
/// An invalid plan or path count.
pub fn ruin_thresholds(
    plan: &Plan,
    options: &SimulationOptions,
) -> Result<Vec<f64>, SimulationError> {
    thresholds(
        plan,
        options,
        Bound::Wealth {
            contribution: sanitise(plan.monthly_contribution),
        },
    )
}

/// [`ruin_thresholds`] in path order (path `i` is the `i`th of the seed's streams), for
/// comparing two plans path by path on common random numbers: path `i` succeeds exactly
/// when it starts with more than its threshold.
///
/// # Errors
/// An invalid plan or path count.
pub fn ruin_thresholds_by_path(
    plan: &Plan,
    options: &SimulationOptions,
) -> Result<Vec<f64>, SimulationError> {
    unsorted_thresholds(
        plan,
        options,
        Bound::Wealth {
            contribution: sanitise(plan.monthly_contribution),
        },
    )
}

/// Every path's ruin threshold in monthly contribution at the plan's own starting wealth,
/// ascending: a path succeeds exactly when the contribution is larger.
///
/// # Errors
/// An invalid plan or path count.
pub fn contribution_thresholds(
    plan: &Plan,
    options: &SimulationOptions,
) -> Result<Vec<f64>, SimulationError> {
    thresholds(
        plan,
        options,
        Bound::Contribution {
            wealth: sanitise(plan.initial_wealth),
        },
    )
}

fn thresholds(
    plan: &Plan,
    options: &SimulationOptions,
    bound: Bound,
) -> Result<Vec<f64>, SimulationError> {
    let mut thresholds = unsorted_thresholds(plan, options, bound)?;
    thresholds.sort_by(f64::total_cmp);
    Ok(thresholds)
}

fn unsorted_thresholds(
    plan: &Plan,
    options: &SimulationOptions,
    bound: Bound,
) -> Result<Vec<f64>, SimulationError> {
    let model = Model::new(plan)?;
    if options.paths == 0 || options.paths > super::MAX_PATHS {
        return Err(SimulationError::Paths);
    }
    let retirement = plan.retirement_month as usize;
    let thresholds: Vec<f64> = (0..u64::from(options.paths))
        .into_par_iter()
        .map(|index| {
            by_width!(
                model.assets,
                path_threshold(
                    &model,
                    retirement,
                    plan.monthly_spending,
                    bound,
                    options.seed,
                    index
                )
            )
        })
        .collect();
    Ok(thresholds)
}

impl PreparedSimulation {
    /// Draws every path of `plan` once and keeps its coefficients, without the fan chart
    /// (as [`PreparedSimulation::with_options`] with the default [`PreparedOptions`]).
    /// `options.fan_chart` is ignored; the plan's starting wealth and contribution play no
    /// part until asked.
    ///
    /// # Errors
    /// An invalid plan or path count.
    pub fn new(plan: &Plan, options: &SimulationOptions) -> Result<Self, SimulationError> {
        Self::with_options(plan, options, PreparedOptions::default())
    }

    /// As [`PreparedSimulation::new`], keeping what `prepared` asks for too.
    ///
    /// # Errors
    /// An invalid plan or path count.
    pub fn with_options(
        plan: &Plan,
        options: &SimulationOptions,
        prepared: PreparedOptions,
    ) -> Result<Self, SimulationError> {
        let model = Model::new(plan)?;
        if options.paths == 0 || options.paths > super::MAX_PATHS {
            return Err(SimulationError::Paths);
        }
        let retirement = plan.retirement_month as usize;
        let per_path: Vec<PathCoefficients> = (0..u64::from(options.paths))
            .into_par_iter()
            .map(|index| {
                by_width!(
                    model.assets,
                    coefficients(
                        &model,
                        retirement,
                        plan.monthly_spending,
                        options.seed,
                        index,
                        prepared.fan_chart
                    )
                )
            })
            .collect();
        let own = sanitise(plan.monthly_contribution);
        let mut keyed: Vec<(f64, PathCoefficients)> = per_path
            .into_iter()
            .map(|p| (threshold(&p.lines, own), p))
            .collect();
        keyed.sort_by(|x, y| x.0.total_cmp(&y.0));
        let (thresholds, per_path): (Vec<f64>, Vec<PathCoefficients>) = keyed.into_iter().unzip();
        let mut offsets = Vec::with_capacity(per_path.len() + 1);
        let mut lines = Vec::new();
        offsets.push(0);
        for path in &per_path {
            lines.extend_from_slice(&path.lines);
            offsets.push(u32::try_from(lines.len()).unwrap_or(u32::MAX));
        }
        let fan = prepared
            .fan_chart
            .then(|| Box::new(fan::FanCoefficients::new(plan, model.years(), &per_path)));
        Ok(Self {
            seed: options.seed,
            contribution: plan.monthly_contribution,
            thresholds: thresholds.into(),
            offsets,
            lines,
            terminal: per_path.iter().map(|p| p.terminal).collect(),
            fan,
        })
    }

    /// Whether it was prepared with the fan chart.
    #[must_use]
    pub fn has_fan_chart(&self) -> bool {
        self.fan.is_some()
    }

    /// Frees the fan chart's coefficients (most of the memory of a plan prepared with them);
    /// the other answers stay exactly as they were. Getting them back means preparing again.
    pub fn drop_fan_chart(&mut self) {
        self.fan = None;
    }

    /// The seed the paths were drawn with.
    #[must_use]
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Number of paths.
    #[must_use]
    pub fn paths(&self) -> usize {
        self.terminal.len()
    }

    /// Survivors as a function of starting wealth at the plan's own contribution: what
    /// explaining a change needs of this plan once it is replaced. Shares the thresholds
    /// (no copy); they are freed with the last holder.
    #[must_use]
    pub fn success_curve(&self) -> SuccessCurve {
        SuccessCurve::from_sorted(self.thresholds.clone())
    }

    /// Every path's ruin threshold in starting wealth at the plan's own contribution,
    /// ascending: bit for bit [`ruin_thresholds`] of the plan, path count and seed it was
    /// prepared from, without drawing again.
    #[must_use]
    pub fn wealth_thresholds(&self) -> &[f64] {
        &self.thresholds
    }

    /// Every path's ruin threshold in monthly contribution when starting with
    /// `initial_wealth`, ascending: a path survives exactly when the contribution is larger.
    /// [`contribution_thresholds`] of the plan with that starting wealth, read from the kept
    /// envelope lines rather than from every month again (a few lines a path, microseconds
    /// for a live session's 1,000 paths). Where the two could differ is only below 0 (the
    /// envelope keeps the lines that lead for contributions of 0 or more, so a path that
    /// survives without any contribution may get another negative threshold), or by a
    /// rounding step where two months' lines cross the starting wealth at the same
    /// contribution; no contribution a search tries is judged differently otherwise.
    #[must_use]
    pub fn contribution_thresholds(&self, initial_wealth: f64) -> Vec<f64> {
        let wealth = sanitise(initial_wealth);
        let mut thresholds: Vec<f64> = (0..self.paths())
            .map(|path| {
                self.lines[self.offsets[path] as usize..self.offsets[path + 1] as usize]
                    .iter()
                    .fold(f64::NEG_INFINITY, |highest, (gamma, beta)| {
                        // As `path_threshold`: month t spares the path iff W_0 + γ_t c > β_t.
                        highest.max(if *gamma > 0.0 {
                            (beta - wealth) / gamma
                        } else if *beta >= wealth {
                            f64::INFINITY
                        } else {
                            f64::NEG_INFINITY
                        })
                    })
            })
            .collect();
        thresholds.sort_by(f64::total_cmp);
        thresholds
    }

    /// Bytes held for the paths' coefficients, the fan chart's included.
    #[must_use]
    pub fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        self.offsets.len() * size_of::<u32>()
            + self.thresholds.len() * size_of::<f64>()
            + self.lines.len() * size_of::<(f64, f64)>()
            + self.terminal.len() * size_of::<(f64, f64, f64)>()
            + self.fan.as_ref().map_or(0, |fan| fan.memory_bytes())
    }

    /// Success probability and terminal percentiles if the plan started with
    /// `initial_wealth` (keeping its contribution); equal (up to rounding) to a fresh
    /// [`super::simulate`] with the same seed and that starting wealth. `scratch` is reused
    /// between calls to avoid allocating.
    pub fn answer(&self, initial_wealth: f64, scratch: &mut Vec<f64>) -> PreparedAnswer {
        self.answer_with(initial_wealth, self.contribution, scratch)
    }

    /// As [`PreparedSimulation::answer`], with a new monthly contribution (today's money) too.
    /// Inputs the plan would refuse (negative or not finite) count as 0.
    #[allow(clippy::cast_precision_loss)] // path counts are far below 2^52
    pub fn answer_with(
        &self,
        initial_wealth: f64,
        contribution: f64,
        scratch: &mut Vec<f64>,
    ) -> PreparedAnswer {
        let (wealth, c) = (sanitise(initial_wealth), sanitise(contribution));
        scratch.clear();
        let terminal = |(slope, per_contribution, spent): &(f64, f64, f64)| {
            slope * wealth + per_contribution * c - spent
        };
        if c.to_bits() == sanitise(self.contribution).to_bits() {
            let survivors = self.thresholds.partition_point(|t| *t < wealth);
            scratch.extend(self.terminal[..survivors].iter().map(terminal));
        } else {
            for (path, coefficients) in self.terminal.iter().enumerate() {
                let lines =
                    &self.lines[self.offsets[path] as usize..self.offsets[path + 1] as usize];
                if wealth > threshold(lines, c) {
                    scratch.push(terminal(coefficients));
                }
            }
        }
        let survivors = scratch.len();
        let ruined = self.paths() - survivors;
        // Ruined paths end at 0 and need no selection; the survivors' values are found by
        // bucketing (bit for bit what selecting among all N would give). A survivor whose
        // rounded terminal value is not positive would break that method's premise, so
        // then all N values are selected the plain way.
        let terminal_real_wealth = if scratch.iter().all(|v| *v > 0.0 && v.is_finite()) {
            Percentiles::of_zeros_and(ruined, scratch)
        } else {
            scratch.resize(self.paths(), 0.0);
            Percentiles::of(scratch)
        };
        let n = self.paths() as f64;
        let p = survivors as f64 / n;
        PreparedAnswer {
            success_probability: p,
            success_standard_error: (p * (1.0 - p) / n).sqrt(),
            terminal_real_wealth,
        }
    }
}

/// The starting wealth at or below which a path with envelope `lines` is ruined, with
/// contribution `c`.
fn threshold(lines: &[(f64, f64)], c: f64) -> f64 {
    lines.iter().fold(f64::NEG_INFINITY, |m, (gamma, beta)| {
        m.max(beta - gamma * c)
    })
}

/// What the plan would refuse (negative or not finite) counts as 0.
pub(crate) fn sanitise(amount: f64) -> f64 {
    if amount.is_finite() {
        amount.max(0.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ruin_thresholds_are_the_prepared_ones() {
        let mut plan = crate::sim::reference::p1();
        for retirement in [0, 200, 360, 720] {
            plan.retirement_month = retirement;
            let options = SimulationOptions {
                paths: 500,
                seed: 17,
                fan_chart: false,
            };
            let prepared = PreparedSimulation::new(&plan, &options).unwrap();
            assert_eq!(
                super::ruin_thresholds(&plan, &options).unwrap(),
                &*prepared.thresholds,
                "retirement {retirement}"
            );
            // In contribution: a path survives iff c exceeds its threshold, as the prepared
            // envelope answers (checked at the thresholds' own values and between them).
            let by_c = super::contribution_thresholds(&plan, &options).unwrap();
            let mut scratch = Vec::new();
            for k in [0, 100, 250, 400, 499] {
                for c in [by_c[k] - 1e-6, by_c[k] + 1e-6] {
                    if !c.is_finite() || c < 0.0 {
                        continue;
                    }
                    let survivors = by_c.partition_point(|t| *t < c);
                    let answer = prepared.answer_with(plan.initial_wealth, c, &mut scratch);
                    assert_eq!(
                        answer.success_probability,
                        survivors as f64 / 500.0,
                        "retirement {retirement}, c {c}"
                    );
                }
            }
        }
    }

    use super::*;

    #[test]
    fn contribution_thresholds_from_the_envelope_are_those_of_every_month() {
        let mut plan = crate::sim::reference::p1();
        let options = SimulationOptions {
            paths: 500,
            seed: 23,
            fan_chart: false,
        };
        for retirement in [0, 200, 360, 720] {
            plan.retirement_month = retirement;
            let prepared = PreparedSimulation::new(&plan, &options).unwrap();
            for wealth in [0.0, 90_000.0, 250_000.0, 1e6] {
                plan.initial_wealth = wealth;
                let every_month = super::contribution_thresholds(&plan, &options).unwrap();
                let envelope = prepared.contribution_thresholds(wealth);
                // Below 0 they may differ (see the method); from 0 on, bit for bit.
                let negative = |t: &[f64]| t.partition_point(|x| *x < 0.0);
                let n = negative(&every_month);
                assert_eq!(n, negative(&envelope), "retirement {retirement}, {wealth}");
                assert_eq!(
                    every_month[n..],
                    envelope[n..],
                    "retirement {retirement}, {wealth}"
                );
            }
        }
    }

    #[test]
    fn the_threshold_order_answers_exactly_as_the_envelope_lines_do() {
        let plan = crate::sim::reference::p1();
        let options = SimulationOptions {
            paths: 1000,
            seed: 11,
            fan_chart: false,
        };
        let prepared = PreparedSimulation::new(&plan, &options).unwrap();
        assert!(prepared.thresholds.windows(2).all(|w| w[0] <= w[1]));
        let mut scratch = Vec::new();
        for wealth in [
            0.0, 1.0, 50_000.0, 180_000.0, 250_000.0, 400_000.0, 5e6, 1e9,
        ] {
            // Every path judged by its own lines, as for any other contribution.
            let c = plan.monthly_contribution;
            let mut all: Vec<f64> = (0..prepared.paths())
                .map(|i| {
                    let lines = &prepared.lines
                        [prepared.offsets[i] as usize..prepared.offsets[i + 1] as usize];
                    let (slope, per_c, spent) = prepared.terminal[i];
                    if wealth > threshold(lines, c) {
                        slope * wealth + per_c * c - spent
                    } else {
                        0.0
                    }
                })
                .collect();
            let survivors = all.iter().filter(|v| **v > 0.0).count();
            let fast = prepared.answer(wealth, &mut scratch);
            #[allow(clippy::cast_precision_loss)]
            let p = survivors as f64 / 1000.0;
            assert_eq!(fast.success_probability, p, "wealth {wealth}");
            assert_eq!(
                fast.terminal_real_wealth,
                Percentiles::of(&mut all),
                "wealth {wealth}"
            );
        }
    }

    #[test]
    fn the_envelope_keeps_exactly_the_lines_that_lead_somewhere_at_c_at_least_0() {
        // Lines (γ, β) meaning y = β − γ c. (2, 3) is always below (2, 10); (100, −50) never
        // leads for c >= 0; the others each lead on some interval.
        let lines = vec![
            (2.0, 10.0),
            (1.0, 5.0),
            (0.5, 1.0),
            (2.0, 3.0),
            (10.0, 20.0),
            (100.0, -50.0),
        ];
        let hull = upper_envelope(lines.clone());
        for c in [0.0, 0.3, 1.0, 2.0, 4.9, 5.1, 7.0, 9.0, 100.0] {
            let brute = lines
                .iter()
                .fold(f64::NEG_INFINITY, |m, (g, b)| m.max(b - g * c));
            let fast = hull
                .iter()
                .fold(f64::NEG_INFINITY, |m, (g, b)| m.max(b - g * c));
            assert_eq!(brute, fast, "c = {c}");
        }
        assert!(!hull.contains(&(2.0, 3.0)));
        assert!(!hull.contains(&(100.0, -50.0)));
    }
}
