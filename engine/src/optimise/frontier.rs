//! The efficient frontier: minimum-variance portfolios at evenly spaced target returns, from
//! the minimum-variance portfolio's return up to the highest achievable return. The
//! efficient-return program is built once; only the target's entry of `b` changes between
//! points, so Clarabel keeps its KKT structure (and symbolic factorisation).

use super::error::OptimiseError;
use super::formulate::Families;
use super::portfolio::Portfolio;
use super::{Constraints, Market, Options, finish, max_return, min_variance, validate};
use crate::optimise::error::ConstraintFamily;

/// An efficient frontier.
#[derive(Debug, Clone, PartialEq)]
pub struct Frontier {
    /// The portfolios, by increasing target return; the first is the minimum-variance
    /// portfolio's return, the last the highest achievable.
    pub points: Vec<Portfolio>,
    /// The target return of each point (a point's `expected_return` is at least its target,
    /// up to solver tolerance).
    pub targets: Vec<f64>,
}

/// `points` portfolios along the efficient frontier under `constraints` (at least 1; one
/// point is the minimum-variance portfolio). Sharpe ratios use
/// [`Options::risk_free_rate`].
///
/// # Errors
/// As [`super::optimise`] with [`super::Objective::MinVariance`]; `points == 0` is
/// [`OptimiseError::OutOfRange`].
pub fn frontier(
    market: &Market<'_>,
    constraints: &Constraints,
    options: &Options,
    points: usize,
) -> Result<Frontier, OptimiseError> {
    if points == 0 {
        return Err(OptimiseError::OutOfRange {
            field: "points",
            value: 0.0,
            requirement: "at least 1",
        });
    }
    let (n, factor) = validate::market(market)?;
    let ctx = super::context(market, constraints, options, n, &factor)?;
    let rf = options.risk_free_rate;
    let least = min_variance(&ctx, rf)?;
    if points == 1 {
        let target = least.expected_return;
        return Ok(Frontier {
            points: vec![least],
            targets: vec![target],
        });
    }
    let low = least.expected_return;
    let high = max_return(&ctx)?.max(low);
    let targets: Vec<f64> = (0..points)
        .map(|k| low + (high - low) * k as f64 / (points - 1) as f64)
        .collect();
    let (base, row) = ctx.efficient_return(low, Families::ALL);
    let mut solver = base.program.solver()?;
    let mut b = base.program.rhs();
    let mut out = Vec::with_capacity(points);
    for &target in &targets {
        b[row] = -target;
        solver.update_b(&b).map_err(|_| OptimiseError::Solver {
            status: super::Status::NumericalFailure,
            iterations: 0,
        })?;
        let solved = super::program::run(&mut solver);
        out.push(finish(
            &ctx,
            solved,
            rf,
            Some(ConstraintFamily::TargetReturn),
        )?);
    }
    Ok(Frontier {
        points: out,
        targets,
    })
}
