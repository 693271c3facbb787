//! Risk need: the return the plan needs to reach its target success, found by the solver's
//! equity lever ([`crate::sim::solve`]): the least equity share reaching the target on the
//! plan's paths, and the expected return of the portfolio at that share.

use crate::sim::extended::Extensions;
use crate::sim::{
    Lever, Plan, SimulationOptions, SolveError, SolveWith, equity_share, equity_weights, solve_with,
};

/// A plan's risk need.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Need {
    /// The success probability to reach.
    pub threshold: f64,
    /// The plan's own equity share.
    pub current_equity_share: f64,
    /// The expected annual return of the plan's own weights.
    pub current_return: f64,
    /// The least equity share reaching the threshold; `None` when no share does.
    pub equity_share: Option<f64>,
    /// The expected annual return at `equity_share`: the return the plan needs.
    pub required_return: Option<f64>,
    /// The success at `equity_share` on the search's paths, or, when no share reaches the
    /// threshold, the best success any share gave.
    pub success: f64,
    /// The success at `equity_share` on fresh paths (seed + 1).
    pub achieved_success: Option<f64>,
    /// When no share reaches the threshold: the share that came closest.
    pub best_share: Option<f64>,
}

/// The expected annual (arithmetic) return of `plan`'s classes held at `weights`, before fees
/// and inflation.
#[must_use]
pub fn expected_return(plan: &Plan, weights: &[f64]) -> f64 {
    plan.assets.iter().zip(weights).map(|(a, w)| a.mu * w).sum()
}

/// `plan`'s need on `options`' paths and seed; `equity` marks its equity classes.
///
/// # Errors
/// A threshold outside (0, 1], an invalid plan, extension or path count, or equity classes
/// that cannot move the share (as the solver says).
pub fn need(
    plan: &Plan,
    extensions: Option<&Extensions>,
    equity: &[bool],
    threshold: f64,
    options: &SimulationOptions,
) -> Result<Need, SolveError> {
    let with = SolveWith {
        equity,
        extensions,
        ..SolveWith::default()
    };
    let current_equity_share = equity_share(&plan.weights, equity);
    let current_return = expected_return(plan, &plan.weights);
    match solve_with(plan, Lever::EquityShare, threshold, options, with) {
        Ok(s) => Ok(Need {
            threshold,
            current_equity_share,
            current_return,
            equity_share: Some(s.value),
            required_return: Some(expected_return(
                plan,
                &equity_weights(&plan.weights, equity, s.value),
            )),
            success: s.search_success,
            achieved_success: Some(s.achieved_success),
            best_share: None,
        }),
        Err(SolveError::Unreachable {
            limit_value, best, ..
        }) => Ok(Need {
            threshold,
            current_equity_share,
            current_return,
            equity_share: None,
            required_return: None,
            success: best,
            achieved_success: None,
            best_share: Some(limit_value),
        }),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::reference::p1;

    #[test]
    fn the_need_is_the_solvers_equity_share_and_its_return() {
        let plan = p1();
        let options = SimulationOptions {
            paths: 400,
            seed: 5,
            fan_chart: false,
        };
        let equity = [true, true, false];
        let n = need(&plan, None, &equity, 0.5, &options).expect("valid");
        let solved = solve_with(
            &plan,
            Lever::EquityShare,
            0.5,
            &options,
            SolveWith {
                equity: &equity,
                ..SolveWith::default()
            },
        )
        .expect("reachable");
        assert_eq!(n.equity_share, Some(solved.value));
        // P1 holds 80% equity with 0.07/0.065 and 20% bonds at 0.03.
        assert!((n.current_equity_share - 0.8).abs() < 1e-12);
        assert!((n.current_return - (0.6 * 0.07 + 0.2 * 0.065 + 0.2 * 0.03)).abs() < 1e-12);
        // At share s the equities keep their 3:1 mix: 0.75·0.07 + 0.25·0.065 per unit.
        let s = solved.value;
        let expected = s * (0.75 * 0.07 + 0.25 * 0.065) + (1.0 - s) * 0.03;
        assert!((n.required_return.expect("reachable") - expected).abs() < 1e-12);
    }

    #[test]
    fn an_unreachable_target_is_an_answer_not_an_error() {
        let mut plan = p1();
        plan.monthly_spending = 50_000.0;
        let options = SimulationOptions {
            paths: 200,
            seed: 5,
            fan_chart: false,
        };
        let n = need(&plan, None, &[true, true, false], 0.9, &options).expect("answered");
        assert_eq!(n.equity_share, None);
        assert!(n.best_share.is_some() && n.success < 0.9);
    }
}
