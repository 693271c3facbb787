//! `/planning/plan` and `/simulations/*`.

use actix_web::{HttpRequest, HttpResponse, web};
use protocol::auth::Scope;
use protocol::planning::{
    AllocationApplied, ApplyAllocationRequest, DerivedAssumptions, DerivedAssumptionsQuery,
};
use protocol::simulations::{PlanSpec, SimulationRecord, SimulationRequest, SimulationResponse};
use protocol::{PageQuery, Problem};

use crate::auth::AuthUser;
use crate::http::error::ApiError;
use crate::http::extract::{Body, Paging};
use crate::services;
use crate::state::AppState;

/// The caller's stored plan.
#[utoipa::path(get, path = "/planning/plan", tag = "simulations", security(("bearer" = ["read:goals"])),
    responses(
        (status = 200, description = "The plan.", body = PlanSpec),
        (status = 404, description = "No plan stored yet.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_plan(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::ReadGoals)?;
    Ok(HttpResponse::Ok().json(services::simulations::stored_plan(&state, user.id).await?))
}

/// Store (replace) the caller's plan; it is validated exactly as a simulation would be.
#[utoipa::path(put, path = "/planning/plan", tag = "simulations", security(("bearer" = ["write:goals"])),
    request_body = PlanSpec,
    responses(
        (status = 200, description = "The stored plan.", body = PlanSpec),
        (status = 422, description = "A field is invalid.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn put_plan(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Body<PlanSpec>,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::WriteGoals)?;
    Ok(HttpResponse::Ok().json(services::simulations::save_plan(&state, user.id, body.0).await?))
}

/// The plan's asset-class assumptions measured from the caller's holdings' price history,
/// beside the current ones: each class's holdings held together at their last values give its
/// expected return, volatility and correlations. Nothing is stored: `PUT` the returned `plan`
/// to `/planning/plan` to accept it.
#[utoipa::path(get, path = "/planning/assumptions/derived", tag = "simulations", security(("bearer" = ["read:goals", "read:portfolio"])),
    params(DerivedAssumptionsQuery),
    responses(
        (status = 200, description = "Current and derived assumptions, and the plan that would carry them.", body = DerivedAssumptions),
        (status = 422, description = "A bad window, or no holding with price history in it.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn derived_assumptions(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::ReadGoals)?;
    user.require(Scope::ReadPortfolio)?;
    let query: DerivedAssumptionsQuery =
        serde_urlencoded::from_str(req.query_string()).map_err(|e| {
            ApiError::malformed(
                "query",
                format!("from, to (YYYY-MM-DD) and covariance (sample or ledoit_wolf): {e}"),
            )
        })?;
    Ok(HttpResponse::Ok().json(services::assumptions::derived(&state, user.id, &query).await?))
}

/// Sets the plan's class weights from an allocation over held symbols (an optimiser result's
/// `weights`): each symbol's weight goes to its holding's class. The live stream re-simulates.
#[utoipa::path(post, path = "/planning/plan/allocation", tag = "simulations", security(("bearer" = ["write:goals", "read:portfolio"])),
    request_body = ApplyAllocationRequest,
    responses(
        (status = 200, description = "The stored plan and its class weights.", body = AllocationApplied),
        (status = 422, description = "A symbol not held or held in two classes, a weight outside 0 to 1, or weights not summing to 1.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn apply_allocation(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Body<ApplyAllocationRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::WriteGoals)?;
    user.require(Scope::ReadPortfolio)?;
    Ok(HttpResponse::Ok()
        .json(services::assumptions::apply_allocation(&state, user.id, body.0).await?))
}

/// Run a Monte Carlo simulation of an inline plan, or of the stored plan when `plan` is
/// omitted. The result is stored with its parameters, seed and engine version.
#[utoipa::path(post, path = "/simulations/monte-carlo", tag = "simulations", security(("bearer" = ["write:simulations"])),
    request_body = SimulationRequest,
    responses(
        (status = 201, description = "The result.", body = SimulationResponse),
        (status = 404, description = "No plan given and none stored.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid, or the run would exceed the server's time bound.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn monte_carlo(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Body<SimulationRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::WriteSimulations)?;
    Ok(HttpResponse::Created()
        .json(services::simulations::monte_carlo(&state, &user, body.0).await?))
}

/// Run one plan under every return model (lognormal, Student-t, bootstrap of history,
/// regime-switching) and with stochastic inflation, on the same paths and seed, and answer
/// them side by side. The plan's goals, income, strategy and glide path apply to every
/// model. Nothing is stored.
#[utoipa::path(post, path = "/simulations/compare-models", tag = "simulations", security(("bearer" = ["write:simulations"])),
    request_body = protocol::extensions::CompareModelsRequest,
    responses(
        (status = 200, description = "Every model's answer (the bootstrap's may say why it could not run).", body = protocol::extensions::CompareModelsResponse),
        (status = 422, description = "A field is invalid, or the runs would exceed the server's time bound.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn compare_models(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Body<protocol::extensions::CompareModelsRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::WriteSimulations)?;
    Ok(HttpResponse::Ok().json(services::compare_models::compare(&state, &user, body.0).await?))
}

/// The caller's stored simulation results, newest first.
#[utoipa::path(get, path = "/simulations/results", tag = "simulations", security(("bearer" = ["read:simulations"])),
    params(PageQuery),
    responses((status = 200, description = "A page of results.", body = protocol::Page<SimulationRecord>)))]
pub async fn results(
    state: web::Data<AppState>,
    user: AuthUser,
    paging: Paging,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::ReadSimulations)?;
    Ok(HttpResponse::Ok().json(services::simulations::results(&state, user.id, paging).await?))
}

/// Simulate a base plan and up to 20 variants on the same random numbers; each variant's
/// difference from the base comes from its changes alone.
#[utoipa::path(post, path = "/simulations/scenarios", tag = "simulations", security(("bearer" = ["write:simulations"])),
    request_body = protocol::simulations::ScenarioRequest,
    responses(
        (status = 201, description = "The base and every variant.", body = protocol::simulations::ScenarioResponse),
        (status = 404, description = "No base given and no plan stored.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid, or the runs would exceed the server's time bound.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn scenarios(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Body<protocol::simulations::ScenarioRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::WriteSimulations)?;
    Ok(HttpResponse::Created().json(services::scenarios::run(&state, &user, body.0).await?))
}

/// The value of one plan input (monthly spending, monthly contribution, retirement month,
/// starting wealth or equity share) at which the plan reaches `target_success`, all other
/// inputs fixed: bisection on common random numbers (for the equity share, whose success is
/// not monotone, a grid first), then a run on fresh ones at the answer. Nothing is stored.
#[utoipa::path(post, path = "/planning/solve", tag = "simulations", security(("bearer" = ["write:simulations"])),
    request_body = protocol::planning::SolveRequest,
    responses(
        (status = 200, description = "The value and what it achieves.", body = protocol::planning::SolveAnswer),
        (status = 403, description = "More paths than the caller's role may run.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad target or plan, equity classes that are not the plan's or cannot move the share (naming `equity_classes`), a search over the server's time bound, or a target no value in range reaches (naming `target_success`, with the best reachable).", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn solve(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Body<protocol::planning::SolveRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::WriteSimulations)?;
    Ok(HttpResponse::Ok().json(services::solve::solve(&state, &user, body.0).await?))
}

/// Every input's answer at once for the same plan, paths and seed (the seed specification's
/// goal optimisation): the highest spending, the lowest contribution, the earliest retirement,
/// the smallest starting wealth and the least equity share that reach `target_success`; an
/// input no value in range moves there says why.
#[utoipa::path(post, path = "/ml/goal-optimization", tag = "simulations", security(("bearer" = ["write:simulations"])),
    request_body = protocol::planning::GoalOptimizationRequest,
    responses(
        (status = 200, description = "One answer per input.", body = protocol::planning::GoalOptimizationResponse),
        (status = 403, description = "More paths than the caller's role may run.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad target or plan, equity classes named that are not the plan's or cannot move the share, or searches over the server's time bound.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn goal_optimization(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Body<protocol::planning::GoalOptimizationRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::WriteSimulations)?;
    Ok(HttpResponse::Ok().json(services::solve::goal_optimization(&state, &user, body.0).await?))
}
