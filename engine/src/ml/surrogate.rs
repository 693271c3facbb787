//! The success surrogate: a logistic regression (linfa) of each simulated path's success on
//! its plan's features.

use linfa::prelude::*;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2};
use rayon::prelude::*;

use super::features::{FEATURE_COUNT, Features};
use crate::sim::{Plan, PlanError, SimulationError, SimulationOptions, simulate};

/// A fitted surrogate: P(success) = 1 / (1 + exp(−(intercept + coefficients · regressors))).
#[derive(Debug, Clone, PartialEq)]
pub struct Surrogate {
    /// The intercept.
    pub intercept: f64,
    /// One coefficient per regressor, in the order of `features::FEATURE_NAMES`.
    pub coefficients: [f64; FEATURE_COUNT],
}

/// Why training failed.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A sampled plan did not simulate (the ranges allow an invalid plan).
    #[error("simulating a training plan: {0}")]
    Simulation(#[from] SimulationError),
    /// A plan's features could not be computed.
    #[error("features of a training plan: {0}")]
    Plan(#[from] PlanError),
    /// The regression did not fit (every path succeeded, or none did).
    #[error("fitting the logistic regression: {0}")]
    Fit(String),
}

/// Each plan's successful paths out of `paths`, simulated with seed `seed + index`.
///
/// # Errors
/// A plan that does not simulate.
pub fn simulated_successes(
    plans: &[Plan],
    paths: u32,
    seed: u64,
) -> Result<Vec<u32>, SimulationError> {
    plans
        .par_iter()
        .enumerate()
        .map(|(i, plan)| {
            let options = SimulationOptions {
                paths,
                seed: seed.wrapping_add(i as u64),
                fan_chart: false,
            };
            let result = simulate(plan, &options)?;
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // a share of paths
            Ok((result.success_probability * f64::from(paths)).round() as u32)
        })
        .collect()
}

impl Surrogate {
    /// Fits the surrogate to `plans`, each simulated with `paths` paths: one row per path,
    /// its success as the label and its plan's regressors as the features (the maximum
    /// likelihood fit to the plans' binomial counts).
    ///
    /// # Errors
    /// A plan that does not simulate, or a sample whose paths all end alike.
    pub fn train(plans: &[Plan], paths: u32, seed: u64) -> Result<Self, TrainError> {
        let successes = simulated_successes(plans, paths, seed)?;
        let rows = plans.len() * paths as usize;
        let mut x = Array2::<f64>::zeros((rows, FEATURE_COUNT));
        let mut y = Array1::<bool>::from_elem(rows, false);
        for (p, (plan, ok)) in plans.iter().zip(&successes).enumerate() {
            let regressors = Features::of(plan)?.regressors();
            for k in 0..paths as usize {
                let row = p * paths as usize + k;
                for (j, v) in regressors.iter().enumerate() {
                    x[[row, j]] = *v;
                }
                y[row] = k < *ok as usize;
            }
        }
        let fitted = LogisticRegression::default()
            .alpha(1e-3)
            .max_iterations(1_000)
            // The loss is summed over every path row: a gradient norm of 0.01 leaves the
            // coefficients where a 1e-4 stop puts them to 7 digits, in a third of the time.
            .gradient_tolerance(1e-2)
            .fit(&Dataset::new(x, y))
            .map_err(|e| TrainError::Fit(e.to_string()))?;
        // linfa's positive class is the more frequent label; ours is success.
        let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
        let mut coefficients = [0.0; FEATURE_COUNT];
        for (c, v) in coefficients.iter_mut().zip(fitted.params()) {
            *c = sign * v;
        }
        Ok(Self {
            intercept: sign * fitted.intercept(),
            coefficients,
        })
    }

    /// The predicted success probability of features already computed.
    #[must_use]
    pub fn predict_features(&self, features: &Features) -> f64 {
        let t = self.intercept
            + self
                .coefficients
                .iter()
                .zip(features.regressors())
                .map(|(c, x)| c * x)
                .sum::<f64>();
        1.0 / (1.0 + (-t).exp())
    }

    /// The predicted success probability of `plan`: a screen, never an answer on its own.
    ///
    /// # Errors
    /// The plan's first invalid field.
    pub fn predict(&self, plan: &Plan) -> Result<f64, PlanError> {
        Ok(self.predict_features(&Features::of(plan)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ml::sampling::{DEFAULT_RANGES, sample_plans};
    use crate::sim::reference::p1;

    #[test]
    fn a_fitted_surrogate_predicts_more_success_for_richer_plans() {
        let plans = sample_plans(&DEFAULT_RANGES, 21, 200);
        let surrogate = Surrogate::train(&plans, 50, 22).expect("fits");
        let mut plan = p1();
        let mut last = 0.0;
        for wealth in [0.0, 100_000.0, 250_000.0, 500_000.0, 1_000_000.0] {
            plan.initial_wealth = wealth;
            let p = surrogate.predict(&plan).expect("valid");
            assert!((0.0..=1.0).contains(&p));
            assert!(p > last, "{p} at {wealth} not above {last}");
            last = p;
        }
        assert!(last > 0.8, "a million is nearly enough: {last}");
    }

    #[test]
    fn training_is_a_function_of_the_plans_and_the_seed() {
        let plans = sample_plans(&DEFAULT_RANGES, 23, 60);
        let a = Surrogate::train(&plans, 30, 1).expect("fits");
        assert_eq!(a, Surrogate::train(&plans, 30, 1).expect("fits"));
        assert_ne!(a, Surrogate::train(&plans, 30, 2).expect("fits"));
    }
}
