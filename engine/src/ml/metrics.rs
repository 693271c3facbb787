//! Held-out accuracy: the surrogate's predictions against long simulations of plans it never
//! saw.

use super::surrogate::{Surrogate, simulated_successes};
use crate::sim::{Plan, SimulationError};

/// One group of the calibration table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CalibrationBin {
    /// Plans in the group.
    pub plans: usize,
    /// Their mean predicted success.
    pub predicted: f64,
    /// Their mean simulated success.
    pub simulated: f64,
}

/// How well the surrogate matches the simulations.
#[derive(Debug, Clone, PartialEq)]
pub struct Accuracy {
    /// Plans evaluated.
    pub plans: usize,
    /// Paths per plan of the reference runs.
    pub paths: u32,
    /// Mean absolute error of the predicted probability.
    pub mean_absolute_error: f64,
    /// The largest absolute error.
    pub max_absolute_error: f64,
    /// The mean absolute error over the plans whose simulated success is from 5% to 95%.
    pub mean_absolute_error_uncertain: f64,
    /// Plans whose simulated success is from 5% to 95%.
    pub uncertain_plans: usize,
    /// The plans in ten groups of equal size by predicted success, lowest first.
    pub calibration: Vec<CalibrationBin>,
}

/// Simulates each plan with `paths` paths (seed `seed + index`) and compares.
///
/// # Errors
/// A plan that does not simulate.
pub fn evaluate(
    surrogate: &Surrogate,
    plans: &[Plan],
    paths: u32,
    seed: u64,
) -> Result<Accuracy, SimulationError> {
    let successes = simulated_successes(plans, paths, seed)?;
    let mut pairs = Vec::with_capacity(plans.len());
    for (plan, ok) in plans.iter().zip(successes) {
        let predicted = surrogate.predict(plan)?;
        pairs.push((predicted, f64::from(ok) / f64::from(paths)));
    }
    Ok(accuracy(&mut pairs, paths))
}

/// The accuracy of (predicted, simulated) pairs.
#[allow(clippy::cast_precision_loss)] // plan counts are small
#[must_use]
pub fn accuracy(pairs: &mut [(f64, f64)], paths: u32) -> Accuracy {
    let n = pairs.len();
    let mean = |values: &mut dyn Iterator<Item = f64>| {
        let (sum, count) = values.fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
        if count == 0 { 0.0 } else { sum / count as f64 }
    };
    let errors: Vec<f64> = pairs.iter().map(|(p, s)| (p - s).abs()).collect();
    let uncertain: Vec<f64> = pairs
        .iter()
        .filter(|(_, s)| (0.05..=0.95).contains(s))
        .map(|(p, s)| (p - s).abs())
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let calibration = (0..10)
        .map(|d| {
            let group = &pairs[d * n / 10..(d + 1) * n / 10];
            CalibrationBin {
                plans: group.len(),
                predicted: mean(&mut group.iter().map(|(p, _)| *p)),
                simulated: mean(&mut group.iter().map(|(_, s)| *s)),
            }
        })
        .collect();
    Accuracy {
        plans: n,
        paths,
        mean_absolute_error: mean(&mut errors.iter().copied()),
        max_absolute_error: errors.iter().copied().fold(0.0, f64::max),
        mean_absolute_error_uncertain: mean(&mut uncertain.iter().copied()),
        uncertain_plans: uncertain.len(),
        calibration,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_and_the_deciles_are_those_of_the_pairs() {
        // Prediction i / 20, simulated 0.01 higher for every other one.
        let mut pairs: Vec<(f64, f64)> = (0..20)
            .map(|i| {
                let p = f64::from(i) / 20.0;
                (p, if i % 2 == 0 { p + 0.01 } else { p })
            })
            .collect();
        let a = accuracy(&mut pairs, 100);
        assert!((a.mean_absolute_error - 0.005).abs() < 1e-12);
        assert!((a.max_absolute_error - 0.01).abs() < 1e-12);
        assert_eq!(a.calibration.len(), 10);
        assert!(a.calibration.iter().all(|b| b.plans == 2));
        assert!((a.calibration[3].predicted - 0.325).abs() < 1e-12);
        assert!((a.calibration[3].simulated - 0.33).abs() < 1e-12);
        // Simulated 0.01, 0.05, 0.11, 0.15, …, 0.95: all but the first from 5% to 95%.
        assert_eq!(a.uncertain_plans, 19);
    }
}
