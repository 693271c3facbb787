//! The efficient frontier: minimum-variance portfolios at evenly spaced target returns, from
//! the minimum-variance portfolio's return up to the highest achievable return. The
//! efficient-return program is built once; only the target's entry of `b` changes between
//! points, so Clarabel keeps its KKT structure (and symbolic factorisation).
//!
//! Under bounds and the budget alone, most points need no interior-point run: the frontier is
//! walked from the lowest target up, each point found from the KKT system of the previous
//! point's weights at their bounds ([`super::active_set`]), which stays right between the
//! frontier's few turning points; the solver runs only where the active-set steps do not
//! settle. With groups, a turnover limit or costs every point is solved.

use super::Status;
use super::active_set::{self, Side};
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
    /// How many points the interior-point solver ran for; the others came from the KKT
    /// system of the previous point's binding set (their `iterations` are 0).
    pub solved: usize,
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
            solved: 1,
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
    let mut solve = |k: usize| -> Result<Portfolio, OptimiseError> {
        b[row] = -targets[k];
        solver.update_b(&b).map_err(|_| OptimiseError::Solver {
            status: super::Status::NumericalFailure,
            iterations: 0,
        })?;
        finish(
            &ctx,
            super::program::run(&mut solver),
            rf,
            Some(ConstraintFamily::TargetReturn),
        )
    };
    let simple = constraints.groups.is_empty() && constraints.rebalance.is_none();
    let mut out = Vec::with_capacity(points);
    let mut solved = 0;
    let mut sides: Option<Vec<Side>> = None;
    for (k, &target) in targets.iter().enumerate() {
        if let Some(sides) = sides.as_mut()
            && let Some(weights) = active_set::efficient_return(&ctx, sides, target)
        {
            out.push(Portfolio::new(&ctx, weights, rf, Status::Optimal, 0));
            continue;
        }
        let point = solve(k)?;
        solved += 1;
        if simple {
            let mut guess = active_set::sides_of(&ctx, &point.weights);
            // The solver's answer, polished: the same binding set solved exactly.
            let exact = active_set::efficient_return(&ctx, &mut guess, target);
            sides = Some(guess);
            if let Some(weights) = exact {
                let mut polished = Portfolio::new(&ctx, weights, rf, point.status, 0);
                polished.iterations = point.iterations;
                out.push(polished);
                continue;
            }
        }
        out.push(point);
    }
    Ok(Frontier {
        points: out,
        targets,
        solved,
    })
}
