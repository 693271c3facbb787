//! Naming why a problem is infeasible: cheap checks before any solve, and, when the solver
//! still proves infeasibility, re-solves with constraint families dropped.

use super::constraints::Bound;
use super::error::{ConstraintFamily, Infeasibility, OptimiseError};
use super::formulate::{Context, Families};

/// Slack allowed on sums of bounds before they count as conflicting: rounding in inputs
/// such as `0.1 × 10` must not be reported as infeasible.
const SUM_TOLERANCE: f64 = 1e-9;

/// Checks that the bounds can sum to 1 and that each group's bounds meet its members'.
pub(crate) fn precheck(ctx: &Context<'_>) -> Result<(), OptimiseError> {
    let lower: f64 = ctx.bounds.iter().map(|b| b.lower).sum();
    if lower > 1.0 + SUM_TOLERANCE {
        let assets = indices(&ctx.bounds, |b| b.lower > 0.0);
        return Err(OptimiseError::Infeasible(
            Infeasibility::LowerBoundsAboveOne { sum: lower, assets },
        ));
    }
    let upper: f64 = ctx.bounds.iter().map(|b| b.upper).sum();
    if upper < 1.0 - SUM_TOLERANCE {
        let assets = indices(&ctx.bounds, |b| b.upper < 1.0);
        return Err(OptimiseError::Infeasible(
            Infeasibility::UpperBoundsBelowOne { sum: upper, assets },
        ));
    }
    for (group, g) in ctx.constraints.groups.iter().enumerate() {
        let members_lower: f64 = g.assets.iter().map(|&i| ctx.bounds[i].lower).sum();
        let members_upper: f64 = g.assets.iter().map(|&i| ctx.bounds[i].upper).sum();
        if g.lower > members_upper + SUM_TOLERANCE || g.upper < members_lower - SUM_TOLERANCE {
            return Err(OptimiseError::Infeasible(
                Infeasibility::GroupConflictsWithAssetBounds {
                    group,
                    name: g.name.clone(),
                    lower: g.lower,
                    upper: g.upper,
                    members_lower,
                    members_upper,
                },
            ));
        }
    }
    Ok(())
}

fn indices(bounds: &[Bound], pick: impl Fn(&Bound) -> bool) -> Vec<usize> {
    bounds
        .iter()
        .enumerate()
        .filter(|(_, b)| pick(b))
        .map(|(i, _)| i)
        .collect()
}

/// The families present in a problem, for a diagnosis.
fn families(ctx: &Context<'_>, target: Option<ConstraintFamily>) -> Vec<ConstraintFamily> {
    let mut out = vec![ConstraintFamily::Budget, ConstraintFamily::AssetBounds];
    if !ctx.constraints.groups.is_empty() {
        out.push(ConstraintFamily::Groups);
    }
    if ctx.constraints.turnover_limit().is_some() {
        out.push(ConstraintFamily::Turnover);
    }
    out.extend(target);
    out
}

/// The error for a problem the solver proved infeasible: which families it has, and
/// whether dropping the turnover limit, the groups, or both, leaves a feasible portfolio
/// (each tested by a feasibility solve without the objective's own target).
pub(crate) fn diagnose(ctx: &Context<'_>, target: Option<ConstraintFamily>) -> OptimiseError {
    let has_groups = !ctx.constraints.groups.is_empty();
    let has_turnover = ctx.constraints.turnover_limit().is_some();
    let feasible = |families: Families| {
        ctx.feasibility(families)
            .program
            .solve()
            .is_ok_and(|s| s.status.is_solved())
    };
    let without_turnover = has_turnover.then(|| {
        feasible(Families {
            groups: true,
            turnover: false,
        })
    });
    let without_groups = has_groups.then(|| {
        feasible(Families {
            groups: false,
            turnover: true,
        })
    });
    let without_both = (has_groups && has_turnover).then(|| {
        feasible(Families {
            groups: false,
            turnover: false,
        })
    });
    OptimiseError::Infeasible(Infeasibility::Solver {
        families: families(ctx, target),
        feasible_without_turnover: without_turnover,
        feasible_without_groups: without_groups,
        feasible_without_both: without_both,
    })
}
