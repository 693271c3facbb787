//! Plans and Monte Carlo runs: validation, role limits, the cost bound, running off the async
//! workers, and storing results.

use engine::sim::{
    ExtendedResult, Extensions, Percentiles, SimulationOptions, SimulationResult, simulate,
    simulate_extended,
};
use protocol::auth::Role;
use protocol::extensions::{
    GoalOutcomeView, PlanExtensions, ReturnModelSpec, SpendingView, SpendingYear,
};
use protocol::simulations::{
    FanChartPoint, MAX_SEED, PercentilesView, PlanSpec, SimulationRecord, SimulationRequest,
    SimulationResponse, SimulationSummary,
};
use protocol::{FieldError, Page};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::domain::plan::{check_storable, to_engine, to_engine_extended};
use crate::http::error::ApiError;
use crate::http::extract::Paging;
use crate::state::AppState;
use crate::store::simulations::NewResult;

/// The view of a percentile summary on the wire.
#[must_use]
pub fn percentiles(p: &Percentiles) -> PercentilesView {
    PercentilesView {
        p5: p.p5,
        p25: p.p25,
        p50: p.p50,
        p75: p.p75,
        p95: p.p95,
    }
}

/// The wire summary of an engine result.
#[must_use]
pub fn summary(r: &SimulationResult) -> SimulationSummary {
    SimulationSummary {
        paths: r.paths,
        seed: r.seed,
        engine_version: engine::VERSION.to_owned(),
        success_probability: r.success_probability,
        success_standard_error: r.success_standard_error,
        terminal_real_wealth: percentiles(&r.terminal_real_wealth),
        terminal_real_wealth_mean: r.terminal_real_wealth_mean,
        fan_chart: r
            .fan_chart
            .iter()
            .map(|y| FanChartPoint {
                year: y.year,
                real_wealth: percentiles(&y.real_wealth),
            })
            .collect(),
        ruin_probability_by_year: r.ruin_probability_by_year.clone(),
        median_shortfall_years: r.median_shortfall_years,
        goals: Vec::new(),
        spending: None,
    }
}

/// The caller's stored plan.
///
/// # Errors
/// 404 when the caller has none.
pub async fn stored_plan(state: &AppState, user: Uuid) -> Result<PlanSpec, ApiError> {
    let value = state.db.plan(user).await?.ok_or(ApiError::NotFound)?;
    serde_json::from_value(value)
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("stored plan")))
}

/// The stored plan, or the default one a user without a stored plan is simulated with.
///
/// # Errors
/// Storage failures.
pub async fn plan_or_default(state: &AppState, user: Uuid) -> Result<PlanSpec, ApiError> {
    match stored_plan(state, user).await {
        Err(ApiError::NotFound) => Ok(crate::domain::plan::default_spec()),
        other => other,
    }
}

/// Validates and stores the caller's plan.
///
/// # Errors
/// 422 naming the first invalid field.
pub async fn save_plan(state: &AppState, user: Uuid, plan: PlanSpec) -> Result<PlanSpec, ApiError> {
    check_storable(&plan, "").map_err(|e| ApiError::Validation(vec![e]))?;
    let value = serde_json::to_value(&plan).map_err(|e| ApiError::Internal(e.into()))?;
    state.db.save_plan(user, &value).await?;
    super::live_hooks::plan_changed(state, user);
    Ok(plan)
}

fn path_limit(state: &AppState, role: Role) -> u32 {
    let limits = &state.settings.simulation;
    match role {
        Role::User => limits.max_paths_user,
        Role::Premium | Role::Advisor | Role::Admin => limits.max_paths_premium,
    }
}

/// Checks the path count against the caller's role.
pub(crate) fn check_paths(state: &AppState, user: &AuthUser, paths: u32) -> Result<(), ApiError> {
    if paths == 0 {
        return Err(ApiError::invalid("paths", "must be at least 1"));
    }
    let limit = path_limit(state, user.role);
    if paths > limit {
        return Err(ApiError::Forbidden(format!(
            "the {} role may run at most {limit} paths",
            user.role.as_str()
        )));
    }
    Ok(())
}

/// Refuses up front a request whose estimated run time, over all its plans, exceeds the bound.
pub(crate) fn check_time(
    state: &AppState,
    paths: u32,
    plans: &[engine::sim::Plan],
    field: &str,
) -> Result<(), ApiError> {
    check_time_of(state, paths, plans, false, field)
}

/// How much longer a path-month takes on the extended month loop than in the base model's
/// kernel (BENCHMARKS.md, "Model extensions").
const EXTENDED_COST_FACTOR: f64 = 4.0;

/// [`check_time`] for plans run on the base kernel or (`extended`) the extended month loop.
#[allow(clippy::cast_precision_loss)] // an estimate
pub(crate) fn check_time_of(
    state: &AppState,
    paths: u32,
    plans: &[engine::sim::Plan],
    extended: bool,
    field: &str,
) -> Result<(), ApiError> {
    let limits = &state.settings.simulation;
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get) as f64;
    let steps: f64 = plans
        .iter()
        .map(|p| f64::from(paths) * f64::from(p.horizon_months) * p.assets.len() as f64)
        .sum();
    let factor = if extended { EXTENDED_COST_FACTOR } else { 1.0 };
    let estimate = factor * steps * limits.ns_per_path_month_asset * 1e-9 / cores;
    if estimate > limits.max_estimated_seconds {
        return Err(ApiError::invalid(
            field,
            format!(
                "this run would take about {estimate:.0} s, over the server's bound of {} s; use fewer paths or a shorter horizon",
                limits.max_estimated_seconds
            ),
        ));
    }
    Ok(())
}

/// Simulates `plans` with `options` on the blocking pool, at most `concurrent_runs` requests
/// at a time, so engine work never runs on an actix worker.
pub(crate) async fn run(
    state: &AppState,
    plans: Vec<engine::sim::Plan>,
    options: SimulationOptions,
) -> Result<Vec<SimulationResult>, ApiError> {
    let _slot = state
        .simulation_slots
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("simulation slots")))?;
    tokio::task::spawn_blocking(move || {
        plans
            .iter()
            .map(|plan| simulate(plan, &options))
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("simulation task")))?
    .map_err(|e| ApiError::invalid(e.field(), e.to_string()))
}

/// Simulates extended plans as [`run`] does base ones.
pub(crate) async fn run_extended(
    state: &AppState,
    jobs: Vec<(engine::sim::Plan, Extensions)>,
    options: SimulationOptions,
) -> Result<Vec<ExtendedResult>, ApiError> {
    let _slot = state
        .simulation_slots
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("simulation slots")))?;
    tokio::task::spawn_blocking(move || {
        jobs.iter()
            .map(|(plan, extensions)| simulate_extended(plan, extensions, &options))
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("simulation task")))?
    .map_err(|e| ApiError::invalid(e.field(), e.to_string()))
}

/// An extended run keeps every path's yearly values: at most
/// [`engine::sim::extended::MAX_EXTENDED_PATHS`] paths.
pub(crate) fn check_extended_paths(paths: u32) -> Result<(), ApiError> {
    let max = engine::sim::extended::MAX_EXTENDED_PATHS;
    if paths > max {
        return Err(ApiError::invalid(
            "paths",
            format!("must be at most {max} for a plan with extensions"),
        ));
    }
    Ok(())
}

/// The engine plan and extensions of `spec`, with the holdings' history for a bootstrap
/// that gives none.
///
/// # Errors
/// 422 naming the first invalid field under `prefix`.
pub(crate) async fn resolve(
    state: &AppState,
    owner: Uuid,
    spec: &PlanSpec,
    prefix: &str,
) -> Result<(engine::sim::Plan, Extensions), ApiError> {
    // The plain plan first, so that its errors come before any history is read.
    to_engine(spec, prefix).map_err(|e: FieldError| ApiError::Validation(vec![e]))?;
    let history = match &spec.extensions.return_model {
        Some(ReturnModelSpec::Bootstrap { history: None, .. }) => Some(
            super::return_history::from_holdings(
                &state.db,
                owner,
                spec,
                &format!("{prefix}extensions.return_model.history"),
            )
            .await?,
        ),
        _ => None,
    };
    to_engine_extended(spec, prefix, history).map_err(|e| ApiError::Validation(vec![e]))
}

/// The wire summary of an extended result, naming `spec`'s goals.
#[must_use]
pub fn extended_summary(r: &ExtendedResult, spec: &PlanExtensions) -> SimulationSummary {
    let mut wire = summary(&r.base);
    wire.goals = spec
        .goals
        .iter()
        .zip(&r.goals)
        .map(|(goal, outcome)| GoalOutcomeView {
            name: goal.name.clone(),
            month: goal.month,
            priority: goal.priority,
            probability: outcome.probability,
            standard_error: outcome.standard_error,
        })
        .collect();
    wire.spending = r.spending.as_ref().map(|s| SpendingView {
        by_year: s
            .by_year
            .iter()
            .map(|y| SpendingYear {
                year: y.year,
                real_spending: percentiles(&y.real_spending),
            })
            .collect(),
        floor: s.floor,
        share_of_years_below_floor: s.share_of_years_below_floor,
        paths_with_a_year_below_floor: s.paths_with_a_year_below_floor,
    });
    wire
}

pub(crate) fn choose_seed(seed: Option<u64>) -> Result<u64, ApiError> {
    match seed {
        Some(s) if s > MAX_SEED => Err(ApiError::invalid(
            "seed",
            format!("must be at most {MAX_SEED}"),
        )),
        Some(s) => Ok(s),
        None => Ok(rand::random::<u64>() & MAX_SEED),
    }
}

/// `POST /simulations/monte-carlo`: runs an inline or the stored plan and stores the result.
///
/// # Errors
/// 404 without an inline or stored plan; 422 for invalid fields or an over-budget run; 403
/// beyond the role's path limit.
pub async fn monte_carlo(
    state: &AppState,
    user: &AuthUser,
    req: SimulationRequest,
) -> Result<SimulationResponse, ApiError> {
    let (spec, prefix) = match req.plan {
        Some(plan) => (plan, "plan."),
        None => (stored_plan(state, user.id).await?, ""),
    };
    let (plan, extensions) = resolve(state, user.id, &spec, prefix).await?;
    let paths = req.paths.unwrap_or(state.settings.simulation.default_paths);
    check_paths(state, user, paths)?;
    if !extensions.is_base() {
        check_extended_paths(paths)?;
    }
    check_time_of(
        state,
        paths,
        std::slice::from_ref(&plan),
        !extensions.is_base(),
        "paths",
    )?;
    let options = SimulationOptions {
        paths,
        seed: choose_seed(req.seed)?,
        fan_chart: req.fan_chart.unwrap_or(true),
    };
    // The fan chart keeps every path's yearly wealth until the run ends.
    let fan_values = u64::from(paths) * u64::from(plan.horizon_months / 12);
    if options.fan_chart && fan_values > state.settings.simulation.max_fan_chart_values {
        return Err(ApiError::invalid(
            "fan_chart",
            format!(
                "a fan chart of {paths} paths over {} years is too large; ask for fewer paths or set fan_chart to false",
                plan.horizon_months / 12
            ),
        ));
    }
    let started = std::time::Instant::now();
    let summary = if extensions.is_base() {
        summary(&run(state, vec![plan], options).await?[0])
    } else {
        let result = run_extended(state, vec![(plan, extensions)], options).await?;
        extended_summary(&result[0], &spec.extensions)
    };
    // Only runs that answered: a refusal's duration says nothing about the engine.
    state
        .metrics
        .simulation_seconds
        .with_label_values(&["monte_carlo"])
        .observe(started.elapsed().as_secs_f64());
    let parameters = serde_json::json!({
        "plan": spec, "paths": paths, "seed": options.seed, "fan_chart": options.fan_chart,
    });
    let id = state
        .db
        .insert_result(NewResult {
            user_id: user.id,
            simulation_type: "monte_carlo",
            parameters,
            results: serde_json::to_value(&summary).map_err(|e| ApiError::Internal(e.into()))?,
            success_probability: Some(summary.success_probability),
            seed: options.seed,
            engine_version: engine::VERSION,
        })
        .await?;
    Ok(SimulationResponse { id, summary })
}

/// `GET /simulations/results`: the caller's own results, newest first.
///
/// # Errors
/// Storage failures.
pub async fn results(
    state: &AppState,
    user: Uuid,
    paging: Paging,
) -> Result<Page<SimulationRecord>, ApiError> {
    let (rows, total) = state
        .db
        .list_results(user, paging.limit, paging.offset)
        .await?;
    Ok(Page {
        items: rows
            .into_iter()
            .map(|r| SimulationRecord {
                id: r.id,
                simulation_type: r.simulation_type,
                created_at: r.created_at,
                parameters: r.parameters.0,
                results: r.results.0,
            })
            .collect(),
        total,
        limit: paging.limit,
        offset: paging.offset,
    })
}
