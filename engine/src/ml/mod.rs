//! The success surrogate: a fast estimate of a plan's success probability, to screen many
//! candidate changes before simulating the few that matter. Never an answer on its own.
//!
//! # Layout
//! - [`features`]: a plan's closed-form lognormal approximation and the regressors.
//! - [`sampling`]: training and held-out plans drawn from documented ranges by seed.
//! - [`surrogate`]: the logistic regression (linfa) on path-level outcomes, and prediction.
//! - [`metrics`]: held-out accuracy against 10,000-path runs: mean absolute error and
//!   calibration by decile.
//! - [`train`]: a model file from a seed and a date: sample, fit, evaluate.
//! - [`file`]: the versioned model file with its card, validated on load; [`card`] renders
//!   the card as Markdown.

pub mod card;
pub mod features;
pub mod file;
pub mod metrics;
pub mod sampling;
pub mod surrogate;
pub mod train;

pub use self::features::{FEATURE_NAMES, Features};
pub use self::file::{ModelFile, ModelFileError};
pub use self::sampling::{DEFAULT_RANGES, Ranges, sample_plans};
pub use self::surrogate::{Surrogate, TrainError};
pub use self::train::{TrainingOptions, train};
