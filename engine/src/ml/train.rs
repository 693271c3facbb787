//! Training a model file from a seed: the training sample, the fit, the held-out
//! evaluation and the card, all fixed by the seed and the date given.

use super::file::{ALGORITHM, Card, Metrics, ModelFile, RangeRow, Sample};
use super::metrics::evaluate;
use super::sampling::{Ranges, sample_plans};
use super::surrogate::{Surrogate, TrainError};

/// Paths per plan of the held-out reference runs.
pub const HELD_OUT_PATHS: u32 = 10_000;

/// What to train on.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingOptions {
    /// Everything else derives from it.
    pub seed: u64,
    /// Training plans.
    pub plans: usize,
    /// Paths per training plan.
    pub paths_per_plan: u32,
    /// Held-out plans, each simulated with [`HELD_OUT_PATHS`] paths.
    pub held_out_plans: usize,
    /// Where plans are drawn from.
    pub ranges: Ranges,
    /// The day, as the card shows it.
    pub trained_on: String,
}

/// The default training: about 20 s of CPU in release, 11 s on 2 idle cores (BENCHMARKS.md).
pub const DEFAULT_PLANS: usize = 2_000;
/// Paths per training plan by default.
pub const DEFAULT_PATHS_PER_PLAN: u32 = 200;
/// Held-out plans by default.
pub const DEFAULT_HELD_OUT_PLANS: usize = 500;

/// The samples' seeds: the training and held-out plans come from unrelated streams, and the
/// simulation seeds of their plans (`simulation_seed + i`) are 2^32 apart, so no plan or path
/// stream is shared between them.
#[must_use]
pub fn samples(options: &TrainingOptions) -> (Sample, Sample) {
    let seed = options.seed;
    (
        Sample {
            plans: options.plans,
            paths_per_plan: options.paths_per_plan,
            plan_seed: seed,
            simulation_seed: seed.wrapping_add(1 << 32),
        },
        Sample {
            plans: options.held_out_plans,
            paths_per_plan: HELD_OUT_PATHS,
            plan_seed: seed.wrapping_add(1 << 33),
            simulation_seed: seed.wrapping_add(3 << 32),
        },
    )
}

/// Trains the surrogate and measures it on held-out plans.
///
/// # Errors
/// A sampled plan that does not simulate, or a sample whose paths all end alike.
pub fn train(options: &TrainingOptions) -> Result<ModelFile, TrainError> {
    let (training, held_out) = samples(options);
    let plans = sample_plans(&options.ranges, training.plan_seed, training.plans);
    let surrogate = Surrogate::train(&plans, training.paths_per_plan, training.simulation_seed)?;
    let held_out_plans = sample_plans(&options.ranges, held_out.plan_seed, held_out.plans);
    let accuracy = evaluate(
        &surrogate,
        &held_out_plans,
        held_out.paths_per_plan,
        held_out.simulation_seed,
    )?;
    let card = Card {
        algorithm: ALGORITHM.into(),
        trained_on: options.trained_on.clone(),
        seed: options.seed,
        engine_version: crate::VERSION.into(),
        training,
        held_out,
        ranges: options
            .ranges
            .rows()
            .into_iter()
            .map(|(name, low, high)| RangeRow {
                name: name.into(),
                low,
                high,
            })
            .collect(),
        metrics: Metrics::from(&accuracy),
    };
    Ok(ModelFile::new(&surrogate, card))
}
