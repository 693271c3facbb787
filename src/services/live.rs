//! Live sessions over REST and the WebSocket: who may watch whose plan, the current state,
//! what-ifs and committing them, solving the live plan for a target, and an advisor's
//! clients.

use std::time::Duration;

use actors::live::explain::ExplainError;
use actors::live::registry::{CurrentState, RunExplain, RunSolve, RunWhatIf};
use actors::live::session::SessionSolve;
use actors::live::simulation::{LiveSolveError, Solve, WhatIfError};
use engine::sim::SimulationOptions;
use protocol::FieldError;
use protocol::live::{
    AdvisorClient, Explanation, LiveState, WealthSource, WhatIfAnswer, WhatIfChanges,
};
use protocol::planning::{SolveAnswer, SolveFor};
use protocol::simulations::PlanSpec;
use uuid::Uuid;

use crate::domain::plan::{asset_classes, equity_mask, to_engine, with_changes};
use crate::http::error::ApiError;
use crate::state::AppState;
use crate::store;

fn unavailable(detail: &str) -> ApiError {
    ApiError::Unavailable {
        detail: detail.to_owned(),
        retry_after_secs: 1,
    }
}

/// Succeeds when `viewer` may watch `owner`'s plan: their own, or a client's who granted
/// access. Anything else is 404, exactly as for a user that does not exist.
///
/// # Errors
/// 404 without access; a database failure.
pub async fn authorize_view(state: &AppState, viewer: Uuid, owner: Uuid) -> Result<(), ApiError> {
    if viewer == owner || store::grants::exists(&state.db, owner, viewer).await? {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
}

/// The live state of `owner`'s plan, starting the session if needed.
///
/// # Errors
/// 404 without access; 503 when the first simulation did not finish in time.
pub async fn current(state: &AppState, viewer: Uuid, owner: Uuid) -> Result<LiveState, ApiError> {
    authorize_view(state, viewer, owner).await?;
    state
        .live
        .registry
        .send(CurrentState { owner })
        .await
        .ok()
        .flatten()
        .ok_or_else(|| unavailable("the live simulation is not ready yet"))
}

/// Validates `changes` against `owner`'s plan; fields are named `changes.*`.
async fn changed_spec(
    state: &AppState,
    owner: Uuid,
    changes: &WhatIfChanges,
) -> Result<PlanSpec, ApiError> {
    let spec = with_changes(
        &super::simulations::plan_or_default(state, owner).await?,
        changes,
    );
    to_engine(&spec, "changes.").map_err(|e| {
        // Only the changed fields can be wrong: the stored plan is valid.
        ApiError::Validation(vec![e])
    })?;
    Ok(spec)
}

/// Answers a what-if on `owner`'s plan from the session's random numbers.
///
/// # Errors
/// 404 without access; 422 naming a bad change; 503 while the plan is being prepared.
pub async fn what_if(
    state: &AppState,
    viewer: Uuid,
    owner: Uuid,
    changes: WhatIfChanges,
) -> Result<WhatIfAnswer, ApiError> {
    authorize_view(state, viewer, owner).await?;
    changed_spec(state, owner, &changes).await?;
    let answer = state
        .live
        .registry
        .send(RunWhatIf { owner, changes })
        .await
        .map_err(|_| unavailable("the live sessions are restarting"))?;
    answer.map_err(|e| match e {
        WhatIfError::Invalid { field, message } => {
            ApiError::Validation(vec![FieldError::new(field, message)])
        }
        WhatIfError::Unavailable(message) => unavailable(&message),
    })
}

/// Why `owner`'s live success moved since `since_ms`, from the session's history.
///
/// # Errors
/// 404 without access; 422 naming `since_ms` when it is before the oldest state kept; 503
/// while the first state is computed.
pub async fn explain(
    state: &AppState,
    viewer: Uuid,
    owner: Uuid,
    since_ms: i64,
) -> Result<Explanation, ApiError> {
    authorize_view(state, viewer, owner).await?;
    let answer = state
        .live
        .registry
        .send(RunExplain { owner, since_ms })
        .await
        .map_err(|_| unavailable("the live sessions are restarting"))?;
    answer.map_err(|e| match e {
        ExplainError::TooOld { .. } => {
            ApiError::Validation(vec![FieldError::new("since_ms", e.to_string())])
        }
        ExplainError::Unavailable(message) => unavailable(&message),
    })
}

/// A live solve's answer, with the wealth it started from.
#[derive(Debug, Clone)]
pub struct LiveSolveAnswer {
    /// The live wealth.
    pub starting_wealth: f64,
    /// Where it came from.
    pub wealth_source: WealthSource,
    /// The answer, as `POST /planning/solve` gives it.
    pub answer: SolveAnswer,
}

/// Solves `owner`'s live plan for `target` on the session's paths and seed, from the live
/// wealth, holding a simulation slot as REST solves do.
///
/// # Errors
/// 404 without access; 422 naming `target_success` (bad or out of reach) or
/// `equity_classes`; 503 while the plan is being prepared or just changed.
pub async fn solve(
    state: &AppState,
    viewer: Uuid,
    owner: Uuid,
    lever: SolveFor,
    target: f64,
    equity_classes: Option<Vec<String>>,
) -> Result<LiveSolveAnswer, ApiError> {
    authorize_view(state, viewer, owner).await?;
    super::solve::check_target(target)?;
    let classes = asset_classes(&super::simulations::plan_or_default(state, owner).await?);
    let equity = if lever == SolveFor::EquityShare {
        equity_mask(&classes, equity_classes.as_deref(), "")
            .map_err(|e| ApiError::Validation(vec![e]))?
    } else {
        Vec::new()
    };
    let _slot = state
        .simulation_slots
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("simulation slots")))?;
    let solved = state
        .live
        .registry
        .send(RunSolve {
            owner,
            solve: SessionSolve {
                solve: Solve {
                    lever: super::solve::lever(lever),
                    target,
                    equity: equity.clone(),
                },
                classes: classes.iter().map(|c| c.name.clone()).collect(),
            },
        })
        .await
        .map_err(|_| unavailable("the live sessions are restarting"))?
        .map_err(|e| match e {
            LiveSolveError::Solve(e) => super::solve::refusal(&e),
            LiveSolveError::Unavailable(message) => unavailable(&message),
        })?;
    let options = SimulationOptions {
        paths: solved.paths,
        seed: solved.seed,
        fan_chart: false,
    };
    Ok(LiveSolveAnswer {
        starting_wealth: solved.plan.initial_wealth,
        wealth_source: solved.wealth_source,
        answer: super::solve::answer(
            lever,
            &solved.solution,
            target,
            &options,
            &solved.plan,
            &classes,
            &equity,
        ),
    })
}

/// Stores `changes` on the caller's own plan (the session reloads it).
///
/// # Errors
/// 422 naming a bad change.
pub async fn commit(state: &AppState, user: Uuid, changes: &WhatIfChanges) -> Result<(), ApiError> {
    let spec = changed_spec(state, user, changes).await?;
    super::simulations::save_plan(state, user, spec).await?;
    Ok(())
}

/// An advisor's clients with their live success probabilities (absent for a client whose
/// plan could not be simulated within a few seconds).
///
/// # Errors
/// A database failure.
pub async fn clients(state: &AppState, advisor: Uuid) -> Result<Vec<AdvisorClient>, ApiError> {
    let rows = store::grants::list_clients(&state.db, advisor).await?;
    let lookups = rows.iter().map(|row| {
        let registry = state.live.registry.clone();
        let owner = row.client_id;
        async move {
            let ask = registry.send(CurrentState { owner });
            tokio::time::timeout(Duration::from_secs(5), ask)
                .await
                .ok()
                .and_then(Result::ok)
                .flatten()
                .map(|s| s.simulation.success_probability)
        }
    });
    let probabilities = futures_util::future::join_all(lookups).await;
    Ok(rows
        .into_iter()
        .zip(probabilities)
        .map(|(row, success_probability)| AdvisorClient {
            user_id: row.client_id,
            email: row.email,
            granted_at: row.granted_at,
            success_probability,
        })
        .collect())
}
