//! A simulation kept so that "same plan, new starting wealth" is answered without drawing a
//! single random number (common random numbers: the answer moves only through the input).
//!
//! Before ruin, a path's wealth is affine in the starting wealth: W_t = a_t W_0 + b_t with
//! a_t = prod_{s<t} g_s > 0 (g the month's gross return times the fee factor) and b_t the
//! wealth the cash flows alone would build. Month t ruins the path iff
//! a_t W_0 + b_t + flow_t <= 0, i.e. iff W_0 <= -(b_t + flow_t) / a_t. So each path has one
//! threshold, the largest of those bounds: above it the path never ruins and ends at
//! a_T W_0 + b_T; at or below it the path is ruined and ends at 0.
//!
//! Memory: three `f64` per path, 24 KB for a 1,000-path plan.

use rayon::prelude::*;

use super::kernel::{BLOCK, Returns, by_width};
use super::stats::Percentiles;
use super::{Model, Plan, SimulationError, SimulationOptions, rng};

/// Per-path coefficients of a plan, ready to answer for any starting wealth.
#[derive(Debug, Clone)]
pub struct PreparedSimulation {
    seed: u64,
    /// Starting wealth at or below which the path is ruined.
    threshold: Vec<f64>,
    /// a_T / (1 + pi)^(T/12): real terminal wealth per unit of starting wealth.
    slope: Vec<f64>,
    /// b_T / (1 + pi)^(T/12): real terminal wealth with no starting wealth (ignoring ruin).
    intercept: Vec<f64>,
}

/// What a prepared simulation answers for a starting wealth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PreparedAnswer {
    /// Share of paths never ruined.
    pub success_probability: f64,
    /// sqrt(p (1 - p) / N).
    pub success_standard_error: f64,
    /// Percentiles of real terminal wealth.
    pub terminal_real_wealth: Percentiles,
}

fn coefficients<const N: usize>(model: &Model, seed: u64, index: u64) -> (f64, f64, f64) {
    let mut returns = Returns::<N>::new(model, rng::path_stream(seed, index));
    let (mut growth, mut next) = ([0.0; BLOCK], [0.0; BLOCK]);
    returns.next_block(&mut growth);
    let last = model.horizon.div_ceil(BLOCK) - 1;
    let (mut a, mut b) = (1.0_f64, 0.0_f64);
    let mut threshold = f64::NEG_INFINITY;
    for (year, flows) in model.flows.chunks(BLOCK).enumerate() {
        let more = year < last;
        for (month, (flow, g)) in flows.iter().zip(&growth).enumerate() {
            // As in `simulate`: the next block is drawn while this one runs.
            if more {
                returns.draw_month(month);
            }
            threshold = threshold.max(-(b + flow) / a);
            a *= g;
            b = (b + flow) * g;
        }
        if more {
            returns.finish_block(&mut next);
            std::mem::swap(&mut growth, &mut next);
        }
    }
    let deflator = model.price_index[model.horizon];
    (threshold, a / deflator, b / deflator)
}

impl PreparedSimulation {
    /// Draws every path of `plan` once and keeps its coefficients. `options.fan_chart` is
    /// ignored; the plan's own starting wealth plays no part.
    ///
    /// # Errors
    /// An invalid plan or path count.
    pub fn new(plan: &Plan, options: &SimulationOptions) -> Result<Self, SimulationError> {
        let model = Model::new(plan)?;
        if options.paths == 0 || options.paths > super::MAX_PATHS {
            return Err(SimulationError::Paths);
        }
        let coefficients: Vec<(f64, f64, f64)> = (0..u64::from(options.paths))
            .into_par_iter()
            .map(|index| by_width!(model.assets, coefficients(&model, options.seed, index)))
            .collect();
        Ok(Self {
            seed: options.seed,
            threshold: coefficients.iter().map(|c| c.0).collect(),
            slope: coefficients.iter().map(|c| c.1).collect(),
            intercept: coefficients.iter().map(|c| c.2).collect(),
        })
    }

    /// The seed the paths were drawn with.
    #[must_use]
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Number of paths.
    #[must_use]
    pub fn paths(&self) -> usize {
        self.threshold.len()
    }

    /// Bytes held per path.
    pub const BYTES_PER_PATH: usize = 3 * std::mem::size_of::<f64>();

    /// Success probability and terminal percentiles if the plan started with
    /// `initial_wealth`; equal (up to rounding) to a fresh [`super::simulate`] with the same
    /// seed and that starting wealth. `scratch` is reused between calls to avoid allocating.
    #[allow(clippy::cast_precision_loss)] // path counts are far below 2^52
    pub fn answer(&self, initial_wealth: f64, scratch: &mut Vec<f64>) -> PreparedAnswer {
        scratch.clear();
        let mut survivors = 0usize;
        for ((threshold, slope), intercept) in
            self.threshold.iter().zip(&self.slope).zip(&self.intercept)
        {
            if initial_wealth > *threshold {
                survivors += 1;
                scratch.push(slope * initial_wealth + intercept);
            } else {
                scratch.push(0.0);
            }
        }
        let n = self.paths() as f64;
        let p = survivors as f64 / n;
        PreparedAnswer {
            success_probability: p,
            success_standard_error: (p * (1.0 - p) / n).sqrt(),
            terminal_real_wealth: Percentiles::of(scratch),
        }
    }
}
