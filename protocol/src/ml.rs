//! The success surrogate's card (`GET /ml/model`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A sample of simulated plans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ModelSample {
    /// Plans drawn.
    pub plans: u64,
    /// Paths simulated per plan.
    pub paths_per_plan: u32,
    /// The seed the plans were drawn with.
    pub plan_seed: u64,
    /// Plan i was simulated with seed `simulation_seed + i`.
    pub simulation_seed: u64,
}

/// One sampling range of the plans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ModelRange {
    /// The input (`horizon_years`, `equity_sigma`, …; "log-uniform" where drawn so).
    pub name: String,
    /// Lowest value.
    pub low: f64,
    /// Highest value.
    pub high: f64,
}

/// One decile of predicted success.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CalibrationDecile {
    /// Held-out plans in it.
    pub plans: u64,
    /// Their mean predicted success.
    pub predicted: f64,
    /// Their mean simulated success (10,000 paths each).
    pub simulated: f64,
}

/// Held-out accuracy against 10,000-path runs of plans the model never saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ModelMetrics {
    /// Mean absolute error of the success probability.
    pub mean_absolute_error: f64,
    /// The largest absolute error.
    pub max_absolute_error: f64,
    /// Mean absolute error over the plans with simulated success from 5% to 95%.
    pub mean_absolute_error_uncertain: f64,
    /// How many held-out plans those are.
    pub uncertain_plans: u64,
    /// Deciles of predicted success, lowest first.
    pub calibration: Vec<CalibrationDecile>,
}

/// `GET /ml/model`: what the screening model is and how accurate it is. Its predictions are
/// used to choose what to simulate, never shown without a simulation behind them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ModelCard {
    /// The model family.
    pub algorithm: String,
    /// The model file's format and version.
    pub format: String,
    /// The model file's version.
    pub version: u32,
    /// `built-in`, or the model file the server was configured with.
    pub source: String,
    /// The regressors, in the order of the coefficients.
    pub features: Vec<String>,
    /// The intercept.
    pub intercept: f64,
    /// One coefficient per feature.
    pub coefficients: Vec<f64>,
    /// The day it was trained.
    pub trained_on: String,
    /// The training seed.
    pub seed: u64,
    /// The engine version that simulated the plans.
    pub engine_version: String,
    /// The training sample.
    pub training: ModelSample,
    /// The held-out sample.
    pub held_out: ModelSample,
    /// The ranges both samples were drawn from.
    pub ranges: Vec<ModelRange>,
    /// Held-out accuracy.
    pub metrics: ModelMetrics,
}
