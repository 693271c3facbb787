//! Limits on Monte Carlo runs.

use std::num::NonZeroUsize;

use serde::Deserialize;

/// Limits on Monte Carlo runs.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimulationSettings {
    /// Paths when the request does not say.
    pub default_paths: u32,
    /// Most paths for the `user` role.
    pub max_paths_user: u32,
    /// Most paths for `premium`, `advisor` and `admin`.
    pub max_paths_premium: u32,
    /// Runs whose estimated duration exceeds this many seconds are refused up front.
    pub max_estimated_seconds: f64,
    /// The cost model behind the estimate: nanoseconds per path, month and asset class on
    /// one core (measured: see BENCHMARKS.md).
    pub ns_per_path_month_asset: f64,
    /// Simulations running at once; further requests wait.
    pub concurrent_runs: NonZeroUsize,
    /// Most paths × years a fan chart may hold (8 bytes each, kept until the run ends).
    pub max_fan_chart_values: u64,
}

impl Default for SimulationSettings {
    fn default() -> Self {
        Self {
            default_paths: 10_000,
            max_paths_user: 100_000,
            max_paths_premium: 1_000_000,
            max_estimated_seconds: 30.0,
            ns_per_path_month_asset: 5.0,
            concurrent_runs: const { NonZeroUsize::new(2).expect("not zero") },
            max_fan_chart_values: 25_000_000,
        }
    }
}
