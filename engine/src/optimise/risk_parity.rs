//! Equal risk contributions, long-only: Newton's method on the strictly convex
//! `f(y) = ½ yᵀΣy - (1/n) Σ ln y_i` over `y > 0`, whose minimiser has
//! `y_i (Σy)_i = 1/n` for every asset; `w = y / Σy` then has equal contributions
//! `w_i (Σw)_i`. (Spinu's formulation; unique when Σ is positive definite.)

use ndarray::ArrayView2;

use super::error::OptimiseError;
use super::linalg::{cholesky_solve, mat_vec, psd_cholesky};
use super::status::Status;

/// Newton steps allowed; from the inverse-volatility start it takes about ten.
const MAX_ITERATIONS: u32 = 100;
/// Stop when the squared Newton decrement (twice the predicted decrease of `f`) is below
/// this. Convergence is quadratic (1e-10 is followed by about 1e-20), and rounding keeps the
/// decrement of 20 assets near 1e-19 at the minimiser, so a smaller bound is never met.
const DECREMENT_TOLERANCE: f64 = 1e-18;

/// The equal-risk-contribution weights and the Newton iterations taken.
pub(crate) fn equal_risk(cov: ArrayView2<'_, f64>) -> Result<(Vec<f64>, u32), OptimiseError> {
    let n = cov.nrows();
    let b = 1.0 / n as f64;
    // Start from inverse volatility, scaled so that the budget term balances the variance.
    let mut y: Vec<f64> = (0..n)
        .map(|i| 1.0 / cov[[i, i]].max(f64::MIN_POSITIVE).sqrt())
        .collect();
    let s = (quad(cov, &y)).sqrt().max(f64::MIN_POSITIVE);
    y.iter_mut().for_each(|v| *v /= s);
    let f = |y: &[f64]| 0.5 * quad(cov, y) - b * y.iter().map(|v| v.ln()).sum::<f64>();
    for iteration in 1..=MAX_ITERATIONS {
        let sy = mat_vec(cov, &y);
        let grad: Vec<f64> = (0..n).map(|i| sy[i] - b / y[i]).collect();
        let mut hessian = cov.to_owned();
        for i in 0..n {
            hessian[[i, i]] += b / (y[i] * y[i]);
        }
        // The barrier term makes the Hessian positive definite at every y > 0.
        let l = psd_cholesky(hessian.view(), 0.0).map_err(|_| failure(iteration))?;
        if (0..n).any(|i| l[[i, i]] <= 0.0) {
            return Err(failure(iteration));
        }
        let step = cholesky_solve(l.view(), &grad);
        let decrement: f64 = grad.iter().zip(&step).map(|(g, d)| g * d).sum();
        if decrement < DECREMENT_TOLERANCE {
            let total: f64 = y.iter().sum();
            return Ok((y.iter().map(|v| v / total).collect(), iteration));
        }
        // Damped step: stay inside y > 0, then backtrack on f.
        let mut t = 1.0_f64;
        for i in 0..n {
            if step[i] > 0.0 {
                t = t.min(0.99 * y[i] / step[i]);
            }
        }
        let f0 = f(&y);
        loop {
            let candidate: Vec<f64> = (0..n).map(|i| y[i] - t * step[i]).collect();
            if f(&candidate) <= f0 - 0.25 * t * decrement || t < 1e-12 {
                y = candidate;
                break;
            }
            t *= 0.5;
        }
    }
    Err(failure(MAX_ITERATIONS))
}

fn quad(cov: ArrayView2<'_, f64>, y: &[f64]) -> f64 {
    mat_vec(cov, y).iter().zip(y).map(|(a, b)| a * b).sum()
}

fn failure(iterations: u32) -> OptimiseError {
    OptimiseError::Solver {
        status: Status::NumericalFailure,
        iterations,
    }
}
