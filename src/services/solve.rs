//! Solving a plan for a target success: `POST /planning/solve` (one input) and
//! `POST /ml/goal-optimization` (every input at once), on the engine's
//! [`engine::sim::solve_with`], on the blocking pool under the simulation bound.

use engine::sim::{Extensions, Lever, Plan, SimulationOptions, Solution, SolveError, SolveWith};
use protocol::FieldError;
use protocol::planning::{
    GoalOptimizationRequest, GoalOptimizationResponse, LeverAnswer, SolveAnswer, SolveFor,
    SolveRequest,
};
use protocol::simulations::{AssetClassSpec, PlanSpec};

use super::simulations::{
    check_extended_paths, check_paths, check_time_of, choose_seed, plan_or_default, resolve,
};
use crate::auth::AuthUser;
use crate::domain::plan::{asset_classes, equity_mask, equity_names};
use crate::http::error::ApiError;
use crate::state::AppState;

/// Simulations a search may need, for the up-front time bound: about 40 bisection steps
/// with a simulation each for spending and the retirement month, and the fresh run.
const SIMULATED_STEPS: usize = 42;

/// The engine's lever for a wire one.
#[must_use]
pub fn lever(l: SolveFor) -> Lever {
    match l {
        SolveFor::MonthlySpending => Lever::MonthlySpending,
        SolveFor::MonthlyContribution => Lever::MonthlyContribution,
        SolveFor::RetirementMonth => Lever::RetirementMonth,
        SolveFor::InitialWealth => Lever::InitialWealth,
        SolveFor::EquityShare => Lever::EquityShare,
    }
}

/// Simulations the levers' searches run, at most.
fn runs(levers: &[SolveFor]) -> usize {
    levers
        .iter()
        .map(|l| match l {
            SolveFor::MonthlySpending | SolveFor::RetirementMonth => SIMULATED_STEPS,
            SolveFor::EquityShare => engine::sim::solve::EQUITY_SIMULATIONS as usize,
            // One prepared simulation and the fresh run.
            SolveFor::MonthlyContribution | SolveFor::InitialWealth => 2,
        })
        .sum()
}

/// Checks a target success.
///
/// # Errors
/// 422 naming `target_success` outside (0, 1].
pub fn check_target(target: f64) -> Result<(), ApiError> {
    if target > 0.0 && target <= 1.0 {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "target_success",
            "must be above 0 and at most 1",
        ))
    }
}

/// A request's plan, paths and seed, checked against the caller's limits and the time bound
/// for `levers`, with the plan's classes.
struct Prepared {
    plan: Plan,
    extensions: Extensions,
    classes: Vec<AssetClassSpec>,
    options: SimulationOptions,
}

async fn prepare(
    state: &AppState,
    user: &AuthUser,
    plan: Option<PlanSpec>,
    paths: Option<u32>,
    seed: Option<u64>,
    target: f64,
    levers: &[SolveFor],
) -> Result<Prepared, ApiError> {
    check_target(target)?;
    let (spec, prefix) = match plan {
        Some(plan) => (plan, "plan."),
        None => (plan_or_default(state, user.id).await?, ""),
    };
    let (plan, extensions) = resolve(state, user.id, &spec, prefix).await?;
    let paths = paths.unwrap_or(state.settings.simulation.default_paths);
    check_paths(state, user, paths)?;
    if !extensions.is_base() {
        check_extended_paths(paths)?;
    }
    // The estimate is linear in paths × runs: the whole search as one run of that many paths.
    let runs = u32::try_from(runs(levers)).unwrap_or(u32::MAX);
    check_time_of(
        state,
        paths.saturating_mul(runs),
        std::slice::from_ref(&plan),
        !extensions.is_base(),
        "paths",
    )?;
    let options = SimulationOptions {
        paths,
        seed: choose_seed(seed)?,
        fan_chart: false,
    };
    Ok(Prepared {
        plan,
        extensions,
        classes: asset_classes(&spec),
        options,
    })
}

/// Runs `levers`' searches on the blocking pool, holding one simulation slot; `equity` marks
/// the equity classes (empty when none can be told, which only the equity share needs).
async fn run(
    state: &AppState,
    plan: Plan,
    extensions: Extensions,
    options: SimulationOptions,
    target: f64,
    levers: Vec<SolveFor>,
    equity: Vec<bool>,
) -> Result<Vec<Result<Solution, SolveError>>, ApiError> {
    let _slot = state
        .simulation_slots
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("simulation slots")))?;
    tokio::task::spawn_blocking(move || {
        let with = SolveWith {
            equity: &equity,
            extensions: Some(&extensions),
            ..SolveWith::default()
        };
        levers
            .iter()
            .map(|l| engine::sim::solve_with(&plan, lever(*l), target, &options, with))
            .collect()
    })
    .await
    .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("solve task")))
}

/// A solution as the wire says it; for the equity share, with the classes counted as equity
/// and the weights at the answer.
#[must_use]
pub fn answer(
    lever: SolveFor,
    s: &Solution,
    target: f64,
    options: &SimulationOptions,
    plan: &Plan,
    classes: &[AssetClassSpec],
    equity: &[bool],
) -> SolveAnswer {
    let equity_share = lever == SolveFor::EquityShare;
    SolveAnswer {
        lever,
        value: s.value,
        target_success: target,
        search_success: s.search_success,
        achieved_success: s.achieved_success,
        standard_error: s.standard_error,
        paths: options.paths,
        seed: options.seed,
        equity_classes: equity_share.then(|| equity_names(classes, equity)),
        weights: equity_share.then(|| engine::sim::equity_weights(&plan.weights, equity, s.value)),
    }
}

/// `POST /planning/solve`.
///
/// # Errors
/// 422 for a bad target, plan or path count, or a target no value in range reaches (naming
/// `target_success`); 403 beyond the role's path limit.
pub async fn solve(
    state: &AppState,
    user: &AuthUser,
    req: SolveRequest,
) -> Result<SolveAnswer, ApiError> {
    let target = req.target_success;
    let Prepared {
        plan,
        extensions,
        classes,
        options,
    } = prepare(
        state,
        user,
        req.plan,
        req.paths,
        req.seed,
        target,
        &[req.lever],
    )
    .await?;
    let equity = if req.lever == SolveFor::EquityShare {
        equity_mask(&classes, req.equity_classes.as_deref(), "")
            .map_err(|e| ApiError::Validation(vec![e]))?
    } else {
        Vec::new()
    };
    let started = std::time::Instant::now();
    let solved = run(
        state,
        plan.clone(),
        extensions,
        options,
        target,
        vec![req.lever],
        equity.clone(),
    )
    .await?
    .pop()
    .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("a solve without an answer")))?;
    // Searches that ran, reached or not; a request refused before the search is not one.
    state
        .metrics
        .solve_seconds
        .observe(started.elapsed().as_secs_f64());
    match solved {
        Ok(s) => Ok(answer(
            req.lever, &s, target, &options, &plan, &classes, &equity,
        )),
        Err(e) => Err(refusal(&e)),
    }
}

/// A solve's error as the API says it: 422 naming the field at fault (`target_success` for a
/// target out of reach).
#[must_use]
pub fn refusal(err: &SolveError) -> ApiError {
    match err {
        SolveError::Simulation(e) => ApiError::invalid(e.field(), e.to_string()),
        SolveError::Extended(e) => ApiError::invalid(e.field(), e.to_string()),
        SolveError::Target(_) | SolveError::Unreachable { .. } => {
            ApiError::invalid("target_success", err.to_string())
        }
        SolveError::EquityClasses(message) => ApiError::Validation(vec![FieldError::new(
            "equity_classes",
            message.strip_prefix("equity_classes: ").unwrap_or(message),
        )]),
    }
}

/// `POST /ml/goal-optimization`: every input's answer for the same plan, paths and seed; an
/// input no value in range moves to the target says why instead.
///
/// # Errors
/// As [`solve`], except that an unreachable input is part of the answer.
pub async fn goal_optimization(
    state: &AppState,
    user: &AuthUser,
    req: GoalOptimizationRequest,
) -> Result<GoalOptimizationResponse, ApiError> {
    let target = req.target_success;
    let levers = SolveFor::ALL.to_vec();
    let Prepared {
        plan,
        extensions,
        classes,
        options,
    } = prepare(state, user, req.plan, req.paths, req.seed, target, &levers).await?;
    // Equity classes the request names must be right; told by name, a plan without both
    // kinds has no equity-share answer and says why there.
    let (equity, no_equity) = match equity_mask(&classes, req.equity_classes.as_deref(), "") {
        Ok(mask) => (mask, None),
        Err(e) if req.equity_classes.is_none() => (Vec::new(), Some(e.message)),
        Err(e) => return Err(ApiError::Validation(vec![e])),
    };
    let searched: Vec<SolveFor> = levers
        .iter()
        .copied()
        .filter(|l| *l != SolveFor::EquityShare || no_equity.is_none())
        .collect();
    let mut answers = run(
        state,
        plan,
        extensions,
        options,
        target,
        searched,
        equity.clone(),
    )
    .await?
    .into_iter();
    let mut out = Vec::with_capacity(levers.len());
    for l in levers {
        let answer = match (&no_equity, l) {
            (Some(why), SolveFor::EquityShare) => {
                out.push(LeverAnswer {
                    lever: l,
                    value: None,
                    achieved_success: None,
                    standard_error: None,
                    unreachable: Some(why.clone()),
                });
                continue;
            }
            _ => answers
                .next()
                .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("a lever without an answer")))?,
        };
        out.push(match answer {
            Ok(s) => LeverAnswer {
                lever: l,
                value: Some(s.value),
                achieved_success: Some(s.achieved_success),
                standard_error: Some(s.standard_error),
                unreachable: None,
            },
            Err(e @ SolveError::Unreachable { .. }) => LeverAnswer {
                lever: l,
                value: None,
                achieved_success: None,
                standard_error: None,
                unreachable: Some(e.to_string()),
            },
            Err(e) => return Err(refusal(&e)),
        });
    }
    Ok(GoalOptimizationResponse {
        target_success: target,
        paths: options.paths,
        seed: options.seed,
        equity_classes: equity_names(&classes, &equity),
        levers: out,
    })
}
