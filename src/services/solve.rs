//! Solving a plan for a target success: `POST /planning/solve` (one input) and
//! `POST /ml/goal-optimization` (every input at once), on the engine's
//! [`engine::sim::solve`], on the blocking pool under the simulation bound.

use engine::sim::{Lever, Plan, SimulationOptions, Solution, SolveError};
use protocol::planning::{
    GoalOptimizationRequest, GoalOptimizationResponse, LeverAnswer, SolveAnswer, SolveFor,
    SolveRequest,
};
use protocol::simulations::PlanSpec;

use super::simulations::{check_paths, check_time, choose_seed, plan_or_default};
use crate::auth::AuthUser;
use crate::domain::plan::to_engine;
use crate::http::error::ApiError;
use crate::state::AppState;

/// Simulations a search may need, for the up-front time bound: about 40 bisection steps
/// with a simulation each for spending and the retirement month, and the fresh run.
const SIMULATED_STEPS: usize = 42;

fn lever(l: SolveFor) -> Lever {
    match l {
        SolveFor::MonthlySpending => Lever::MonthlySpending,
        SolveFor::MonthlyContribution => Lever::MonthlyContribution,
        SolveFor::RetirementMonth => Lever::RetirementMonth,
        SolveFor::InitialWealth => Lever::InitialWealth,
    }
}

/// Simulations the levers' searches run, at most.
fn runs(levers: &[SolveFor]) -> usize {
    levers
        .iter()
        .map(|l| match l {
            SolveFor::MonthlySpending | SolveFor::RetirementMonth => SIMULATED_STEPS,
            // One prepared simulation and the fresh run.
            SolveFor::MonthlyContribution | SolveFor::InitialWealth => 2,
        })
        .sum()
}

/// The plan, paths and seed of a request, checked against the caller's limits and the time
/// bound for `levers`.
async fn prepare(
    state: &AppState,
    user: &AuthUser,
    plan: Option<PlanSpec>,
    paths: Option<u32>,
    seed: Option<u64>,
    target: f64,
    levers: &[SolveFor],
) -> Result<(Plan, SimulationOptions), ApiError> {
    if !(target > 0.0 && target <= 1.0) {
        return Err(ApiError::invalid(
            "target_success",
            "must be above 0 and at most 1",
        ));
    }
    let (spec, prefix) = match plan {
        Some(plan) => (plan, "plan."),
        None => (plan_or_default(state, user.id).await?, ""),
    };
    let plan = to_engine(&spec, prefix).map_err(|e| ApiError::Validation(vec![e]))?;
    let paths = paths.unwrap_or(state.settings.simulation.default_paths);
    check_paths(state, user, paths)?;
    // The estimate is linear in paths × runs: the whole search as one run of that many paths.
    let runs = u32::try_from(runs(levers)).unwrap_or(u32::MAX);
    check_time(
        state,
        paths.saturating_mul(runs),
        std::slice::from_ref(&plan),
        "paths",
    )?;
    let options = SimulationOptions {
        paths,
        seed: choose_seed(seed)?,
        fan_chart: false,
    };
    Ok((plan, options))
}

/// Runs `levers`' searches on the blocking pool, holding one simulation slot.
async fn run(
    state: &AppState,
    plan: Plan,
    options: SimulationOptions,
    target: f64,
    levers: Vec<SolveFor>,
) -> Result<Vec<Result<Solution, SolveError>>, ApiError> {
    let _slot = state
        .simulation_slots
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("simulation slots")))?;
    tokio::task::spawn_blocking(move || {
        levers
            .iter()
            .map(|l| engine::sim::solve(&plan, lever(*l), target, &options))
            .collect()
    })
    .await
    .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("solve task")))
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
    let (plan, options) = prepare(
        state,
        user,
        req.plan,
        req.paths,
        req.seed,
        target,
        &[req.lever],
    )
    .await?;
    let answer = run(state, plan, options, target, vec![req.lever])
        .await?
        .pop()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("a solve without an answer")))?;
    match answer {
        Ok(s) => Ok(SolveAnswer {
            lever: req.lever,
            value: s.value,
            target_success: target,
            search_success: s.search_success,
            achieved_success: s.achieved_success,
            standard_error: s.standard_error,
            paths: options.paths,
            seed: options.seed,
        }),
        Err(e) => Err(refusal(&e)),
    }
}

fn refusal(err: &SolveError) -> ApiError {
    match err {
        SolveError::Simulation(e) => ApiError::invalid(e.field(), e.to_string()),
        SolveError::Target(_) | SolveError::Unreachable { .. } => {
            ApiError::invalid("target_success", err.to_string())
        }
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
    let (plan, options) =
        prepare(state, user, req.plan, req.paths, req.seed, target, &levers).await?;
    let answers = run(state, plan, options, target, levers.clone()).await?;
    let mut out = Vec::with_capacity(levers.len());
    for (l, answer) in levers.into_iter().zip(answers) {
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
        levers: out,
    })
}
