//! The least equity share that reaches a target.
//!
//! Changing the share scales the equity classes' weights together, keeping their mix, and the
//! other classes' together ([`equity_weights`]). Unlike the other levers, success is not
//! monotone in the share: more equity means more drift and more volatility, so a saver short
//! of growth gains from it while a retiree living off a safe portfolio loses, and many plans
//! rise then fall. Bisection over the whole range would assume what is not so. Instead, on
//! common random numbers as for the other levers:
//!
//! 1. a coarse grid, every [`EQUITY_GRID`] (0, 0.1, …, 1), from the least share up, stops at
//!    the first point that reaches the target;
//! 2. the answer is refined by bisection between that point and the grid point before it
//!    (which falls short), in steps of 0.001 (a tenth of a percentage point);
//! 3. when no grid point reaches the target, the best one's neighbourhood (to the grid points
//!    either side) is searched for a narrower peak by golden-section search, and a point found
//!    there that reaches the target is refined as in 2 from the grid point below.
//!
//! What this assumes: success is unimodal in the share (rising, then falling; either part may
//! be empty), which is what drift against volatility gives. Then the shares that reach the
//! target form one interval, the grid either lands in it or brackets its peak, and the answer
//! is that interval's least share, to 0.001, on the search's paths. On a finite set of paths
//! success is a step function with small wiggles, and a plan could have several humps; then
//! the answer still reaches the target on the search's paths (it is an evaluated point) and
//! 0.001 less does not, but a smaller share reaching the target between earlier grid points
//! (inside one 0.1 step) can be missed. The fresh run at the answer reports what it achieves.

use std::collections::HashMap;

use super::success_of;
use super::{Lever, Solution, SolveError, fresh_check, unreachable};
use crate::sim::extended::Extensions;
use crate::sim::{Plan, SimulationOptions};

/// Shares are searched in thousandths: a tenth of a percentage point.
const STEPS: u32 = 1000;
/// The coarse grid's step, in thousandths (0.1).
pub const EQUITY_GRID: u32 = 100;
/// The most simulations an equity-share solve runs, the fresh run included: 11 grid points;
/// when none reaches the target, the peak search's 2 + 9 golden-section steps (0.2 down to
/// 0.003) and at most 5 shares left; 8 bisection steps (at most 0.2 down to 0.001); 1.
pub const EQUITY_SIMULATIONS: u32 = 36;

/// The share of `weights` in the classes `equity` marks.
#[must_use]
pub fn equity_share(weights: &[f64], equity: &[bool]) -> f64 {
    weights
        .iter()
        .zip(equity)
        .filter(|(_, e)| **e)
        .map(|(w, _)| *w)
        .sum()
}

/// `weights` with `share` (0 to 1) in the classes `equity` marks and the rest in the others,
/// each side keeping its classes' relative weights; a side that holds nothing now is shared
/// equally among its classes. `weights` and `equity` have one entry per class.
#[must_use]
pub fn equity_weights(weights: &[f64], equity: &[bool], share: f64) -> Vec<f64> {
    let share = share.clamp(0.0, 1.0);
    let held = equity_share(weights, equity);
    let rest: f64 = weights
        .iter()
        .zip(equity)
        .filter(|(_, e)| !**e)
        .map(|(w, _)| *w)
        .sum();
    let count = |kind: bool| equity.iter().filter(|e| **e == kind).count();
    let (equities, others) = (count(true), count(false));
    weights
        .iter()
        .zip(equity)
        .map(|(w, is_equity)| {
            let (part, side_total, side_count) = if *is_equity {
                (share, held, equities)
            } else {
                (1.0 - share, rest, others)
            };
            if side_total > 0.0 {
                part * w / side_total
            } else {
                // Counts are at most 32.
                #[allow(clippy::cast_precision_loss)]
                let even = part / side_count as f64;
                even
            }
        })
        .collect()
}

/// Success at each share (in thousandths) tried, on the search's paths.
struct Evaluations<'a> {
    plan: Plan,
    extensions: Option<&'a Extensions>,
    base: &'a [f64],
    equity: &'a [bool],
    options: &'a SimulationOptions,
    seen: HashMap<u32, f64>,
    /// The best share tried and its success.
    best: (u32, f64),
}

impl Evaluations<'_> {
    fn success(&mut self, k: u32) -> Result<f64, SolveError> {
        if let Some(s) = self.seen.get(&k) {
            return Ok(*s);
        }
        self.plan.weights = equity_weights(self.base, self.equity, share(k));
        let s = success_of(&self.plan, self.extensions, self.options)?.0;
        self.seen.insert(k, s);
        if s > self.best.1 {
            self.best = (k, s);
        }
        Ok(s)
    }

    fn count(&self) -> u32 {
        u32::try_from(self.seen.len()).unwrap_or(u32::MAX)
    }
}

fn share(k: u32) -> f64 {
    f64::from(k) / f64::from(STEPS)
}

/// The least equity share of `plan` reaching `target` on `options`' paths, then checked on
/// fresh ones.
pub(super) fn solve(
    plan: &Plan,
    extensions: Option<&Extensions>,
    equity: &[bool],
    target: f64,
    options: &SimulationOptions,
) -> Result<Solution, SolveError> {
    plan.check().map_err(crate::sim::SimulationError::from)?;
    if extensions.is_some_and(|e| !e.glide_path.is_empty()) {
        return Err(SolveError::EquityClasses(
            "equity_classes: the plan's glide path sets its weights month by month, so there is no one equity share to solve for",
        ));
    }
    if equity.len() != plan.weights.len() {
        return Err(SolveError::EquityClasses(
            "equity_classes: one flag per asset class is needed",
        ));
    }
    if !equity.iter().any(|e| *e) || equity.iter().all(|e| *e) {
        return Err(SolveError::EquityClasses(
            "equity_classes: at least one asset class must be equity and one not, or the share cannot move",
        ));
    }
    let mut at = Evaluations {
        plan: plan.clone(),
        extensions,
        base: &plan.weights,
        equity,
        options,
        seen: HashMap::new(),
        best: (0, f64::NEG_INFINITY),
    };
    // `bad` falls short, `good` reaches the target; the answer is in (bad, good].
    let mut bracket = None;
    let mut previous = None;
    for k in (0..=STEPS).step_by(EQUITY_GRID as usize) {
        if at.success(k)? >= target {
            bracket = Some((previous, k));
            break;
        }
        previous = Some(k);
    }
    if bracket.is_none() {
        bracket = peak(&mut at, target)?;
    }
    let Some((bad, mut good)) = bracket else {
        let (k, best) = at.best;
        return Err(unreachable(Lever::EquityShare, target, share(k), 1.0, best));
    };
    if let Some(mut bad) = bad {
        while good - bad > 1 {
            let middle = bad + (good - bad) / 2;
            if at.success(middle)? >= target {
                good = middle;
            } else {
                bad = middle;
            }
        }
    }
    let search_success = at.success(good)?;
    let evaluations = at.count();
    let mut fresh = plan.clone();
    fresh.weights = equity_weights(&plan.weights, equity, share(good));
    fresh_check(
        &fresh,
        extensions,
        Lever::EquityShare,
        share(good),
        search_success,
        evaluations,
        options,
    )
}

/// When no grid point reaches the target: a golden-section search for the peak between the
/// grid points either side of the best one, stopping at the first share that reaches the
/// target. Returns the bracket: the grid point below (which fell short, as every grid point
/// did) and that share.
fn peak(at: &mut Evaluations<'_>, target: f64) -> Result<Option<(Option<u32>, u32)>, SolveError> {
    let centre = at.best.0;
    let (low, high) = (
        centre.saturating_sub(EQUITY_GRID),
        (centre + EQUITY_GRID).min(STEPS),
    );
    let ratio = (5.0_f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (f64::from(low), f64::from(high));
    let point = |x: f64| {
        // x is within [0, 1000].
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let k = x.round() as u32;
        k
    };
    let mut x1 = b - ratio * (b - a);
    let mut x2 = a + ratio * (b - a);
    let (mut f1, mut f2) = (at.success(point(x1))?, at.success(point(x2))?);
    while b - a > 3.0 {
        for (x, f) in [(x1, f1), (x2, f2)] {
            if f >= target {
                return Ok(Some((Some(low), point(x))));
            }
        }
        if f1 >= f2 {
            (b, x2, f2) = (x2, x1, f1);
            x1 = b - ratio * (b - a);
            f1 = at.success(point(x1))?;
        } else {
            (a, x1, f1) = (x1, x2, f2);
            x2 = a + ratio * (b - a);
            f2 = at.success(point(x2))?;
        }
    }
    for k in point(a.floor())..=point(b.ceil()) {
        if at.success(k)? >= target {
            return Ok(Some((Some(low), k)));
        }
    }
    Ok(None)
}
