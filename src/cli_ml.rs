//! `glidepath ml train`: the success surrogate's model file and card, from a seed.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use engine::ml::card::to_markdown;
use engine::ml::train::{DEFAULT_HELD_OUT_PLANS, DEFAULT_PATHS_PER_PLAN, DEFAULT_PLANS};
use engine::ml::{DEFAULT_RANGES, TrainingOptions, train};

/// What `ml train` was asked for.
#[derive(Debug, Clone)]
pub struct TrainArgs {
    /// The seed.
    pub seed: u64,
    /// Training plans.
    pub plans: usize,
    /// Paths per training plan.
    pub paths_per_plan: u32,
    /// Held-out plans.
    pub held_out_plans: usize,
    /// The model file to write.
    pub out: PathBuf,
    /// The model card to write.
    pub card: PathBuf,
    /// The day the card shows; today (UTC) when omitted.
    pub date: Option<chrono::NaiveDate>,
}

/// The defaults of `glidepath ml train`, shared with the clap definitions.
pub const DEFAULT_SEED: u64 = 20_261_207;
/// The default model file.
pub const DEFAULT_OUT: &str = "models/success.json";
/// The default model card.
pub const DEFAULT_CARD: &str = "models/success-card.md";
/// Training plans by default.
pub const PLANS: usize = DEFAULT_PLANS;
/// Paths per training plan by default.
pub const PATHS_PER_PLAN: u32 = DEFAULT_PATHS_PER_PLAN;
/// Held-out plans by default.
pub const HELD_OUT_PLANS: usize = DEFAULT_HELD_OUT_PLANS;

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// Trains, writes the model file and the card, and returns what to print.
///
/// # Errors
/// A training failure or a file that cannot be written.
pub fn run(args: &TrainArgs) -> anyhow::Result<String> {
    let trained_on = args
        .date
        .unwrap_or_else(|| chrono::Utc::now().date_naive())
        .to_string();
    let started = Instant::now();
    let file = train(&TrainingOptions {
        seed: args.seed,
        plans: args.plans,
        paths_per_plan: args.paths_per_plan,
        held_out_plans: args.held_out_plans,
        ranges: DEFAULT_RANGES,
        trained_on,
    })?;
    let took = started.elapsed();
    write(&args.out, &file.to_json())?;
    write(&args.card, &to_markdown(&file))?;
    let m = &file.card.metrics;
    Ok(format!(
        "trained on {} plans × {} paths (seed {}) in {:.1} s; held-out mean absolute error {:.4} \
         over {} plans at {} paths (largest {:.4}); wrote {} and {}",
        args.plans,
        args.paths_per_plan,
        args.seed,
        took.as_secs_f64(),
        m.mean_absolute_error,
        file.card.held_out.plans,
        file.card.held_out.paths_per_plan,
        m.max_absolute_error,
        args.out.display(),
        args.card.display()
    ))
}
