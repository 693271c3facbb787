//! Efficient-return portfolios under bounds and the budget alone, from the KKT conditions of a
//! guessed set of weights held at their bounds.
//!
//! With the set `A` of weights at a bound fixed, minimising `wᵀΣw` subject to `1ᵀw = 1` and
//! `μᵀw = t` is a linear system: `2Σ_FF w_F − γ·1 − ν·μ_F = −2Σ_FA w_A` with the two
//! constraints, solved through a Cholesky factor of `Σ_FF` and a 2×2 Schur complement. The
//! answer is the optimum of the inequality-constrained problem exactly when the free weights
//! lie within their bounds, every fixed weight's multiplier `g = 2Σw − γ − νμ` has the sign
//! its bound allows (`g ≥ 0` at a lower bound, `g ≤ 0` at an upper one) and `ν ≥ 0` (the
//! target binds): the KKT conditions, sufficient for this convex problem. When they fail, the
//! offending weights change sides (a free weight past a bound is fixed there, a fixed weight
//! with the wrong sign is freed) and the system is solved again: a primal–dual active-set
//! step. Along a frontier the set from the previous point is nearly always right, so most
//! points cost one small solve instead of an interior-point run.

use super::formulate::Context;
use super::linalg::{cholesky_solve, mat_vec, psd_cholesky};

/// Where a weight is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Free,
    Lower,
    Upper,
}

/// How close to its bound a solver's weight counts as at it.
const AT_BOUND: f64 = 1e-7;
/// Slack allowed on the KKT checks, relative to the size of the gradient: rounding only.
const KKT_SLACK: f64 = 1e-10;
/// Active-set steps before giving up on a point (the caller then solves it).
const MAX_STEPS: usize = 8;

/// The side of each weight of a solution.
pub(crate) fn sides_of(ctx: &Context<'_>, weights: &[f64]) -> Vec<Side> {
    weights
        .iter()
        .zip(&ctx.bounds)
        .map(|(w, b)| {
            if (w - b.lower).abs() <= AT_BOUND {
                Side::Lower
            } else if (b.upper - w).abs() <= AT_BOUND {
                Side::Upper
            } else {
                Side::Free
            }
        })
        .collect()
}

/// The efficient-return portfolio at `target`, starting from `sides` (updated to the answer's
/// sides), or `None` when the steps do not settle or the system is singular.
pub(crate) fn efficient_return(
    ctx: &Context<'_>,
    sides: &mut [Side],
    target: f64,
) -> Option<Vec<f64>> {
    for _ in 0..MAX_STEPS {
        let (weights, gamma, nu) = solve_fixed(ctx, sides, target)?;
        let gradient: Vec<f64> = mat_vec(ctx.cov, &weights)
            .iter()
            .zip(ctx.mu)
            .map(|(s, m)| 2.0 * s - gamma - nu * m)
            .collect();
        let scale = gradient
            .iter()
            .chain([&gamma, &nu])
            .fold(1e-12_f64, |a, g| a.max(g.abs()));
        let slack = KKT_SLACK * scale;
        if nu < -slack {
            return None;
        }
        let mut settled = true;
        for (i, side) in sides.iter_mut().enumerate() {
            let (b, w, g) = (ctx.bounds[i], weights[i], gradient[i]);
            let fixed = b.lower == b.upper;
            let next = match *side {
                Side::Free if w < b.lower - 1e-12 => Side::Lower,
                Side::Free if w > b.upper + 1e-12 => Side::Upper,
                Side::Lower if !fixed && g < -slack => Side::Free,
                Side::Upper if !fixed && g > slack => Side::Free,
                same => same,
            };
            if next != *side {
                *side = next;
                settled = false;
            }
        }
        if settled {
            return Some(weights);
        }
    }
    None
}

/// The weights with `sides` held at their bounds, and the multipliers `γ` (budget) and `ν`
/// (target).
fn solve_fixed(ctx: &Context<'_>, sides: &[Side], target: f64) -> Option<(Vec<f64>, f64, f64)> {
    let n = ctx.n;
    let mut weights = vec![0.0; n];
    let mut free = Vec::with_capacity(n);
    for (i, side) in sides.iter().enumerate() {
        match side {
            Side::Free => free.push(i),
            Side::Lower => weights[i] = ctx.bounds[i].lower,
            Side::Upper => weights[i] = ctx.bounds[i].upper,
        }
    }
    if free.len() < 2 {
        return None;
    }
    let budget = 1.0 - weights.iter().sum::<f64>();
    let reach = target - weights.iter().zip(ctx.mu).map(|(w, m)| w * m).sum::<f64>();
    let f = free.len();
    let h = ndarray::Array2::from_shape_fn((f, f), |(a, b)| 2.0 * ctx.cov[[free[a], free[b]]]);
    let factor = psd_cholesky(h.view(), 1e-12).ok()?;
    if (0..f).any(|i| factor[[i, i]] <= 0.0) {
        return None;
    }
    // c = −2 Σ_FA w_A: what the fixed weights push on the free ones.
    let c: Vec<f64> = free
        .iter()
        .map(|&i| {
            -2.0 * (0..n)
                .filter(|j| sides[*j] != Side::Free)
                .map(|j| ctx.cov[[i, j]] * weights[j])
                .sum::<f64>()
        })
        .collect();
    let ones = vec![1.0; f];
    let mu_f: Vec<f64> = free.iter().map(|&i| ctx.mu[i]).collect();
    let (h_c, h_1, h_mu) = (
        cholesky_solve(factor.view(), &c),
        cholesky_solve(factor.view(), &ones),
        cholesky_solve(factor.view(), &mu_f),
    );
    let d = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
    // [1ᵀH⁻¹1  1ᵀH⁻¹μ; μᵀH⁻¹1  μᵀH⁻¹μ] (γ, ν) = (budget − 1ᵀH⁻¹c, reach − μᵀH⁻¹c)
    let (a11, a12, a22) = (d(&ones, &h_1), d(&ones, &h_mu), d(&mu_f, &h_mu));
    let (r1, r2) = (budget - d(&ones, &h_c), reach - d(&mu_f, &h_c));
    let det = a11 * a22 - a12 * a12;
    // A (numerically) singular system, NaN included: the caller solves this point instead.
    if det.is_nan() || det.abs() <= 1e-14 * (a11 * a22).abs() {
        return None;
    }
    let gamma = (r1 * a22 - a12 * r2) / det;
    let nu = (a11 * r2 - a12 * r1) / det;
    for (k, &i) in free.iter().enumerate() {
        weights[i] = h_c[k] + gamma * h_1[k] + nu * h_mu[k];
    }
    weights
        .iter()
        .all(|w| w.is_finite())
        .then_some((weights, gamma, nu))
}
