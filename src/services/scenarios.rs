//! `POST /simulations/scenarios`: a base plan and variants on common random numbers.

use engine::sim::SimulationOptions;
use protocol::FieldError;
use protocol::simulations::{
    PlanChanges, PlanSpec, ScenarioOutcome, ScenarioRequest, ScenarioResponse,
};

use super::simulations::{
    check_paths, check_time, choose_seed, run as run_plans, stored_plan, summary,
};
use crate::auth::AuthUser;
use crate::domain::plan::to_engine;
use crate::http::error::ApiError;
use crate::state::AppState;
use crate::store::simulations::NewResult;

/// Most variants per request.
pub const MAX_VARIANTS: usize = 20;

fn apply(base: &PlanSpec, changes: &PlanChanges) -> PlanSpec {
    let mut plan = base.clone();
    if let Some(v) = changes.initial_wealth {
        plan.initial_wealth = v;
    }
    if let Some(v) = changes.monthly_contribution {
        plan.monthly_contribution = v;
    }
    if let Some(v) = changes.retirement_month {
        plan.retirement_month = v;
    }
    if let Some(v) = changes.monthly_spending {
        plan.monthly_spending = v;
    }
    if let Some(v) = changes.annual_fee {
        plan.annual_fee = v;
    }
    if let Some(v) = &changes.weights {
        plan.weights = Some(v.clone());
    }
    plan
}

/// Simulates the base and every variant with one seed and path count.
///
/// # Errors
/// 404 without a base; 422 naming the first bad field (`variants[2].changes.weights`); 403
/// beyond the role's path limit.
pub async fn run(
    state: &AppState,
    user: &AuthUser,
    req: ScenarioRequest,
) -> Result<ScenarioResponse, ApiError> {
    if req.variants.is_empty() || req.variants.len() > MAX_VARIANTS {
        return Err(ApiError::invalid(
            "variants",
            format!("must hold 1 to {MAX_VARIANTS} variants"),
        ));
    }
    let (base_spec, prefix) = match req.base {
        Some(plan) => (plan, "base."),
        None => (stored_plan(state, user.id).await?, ""),
    };
    let invalid = |e: FieldError| ApiError::Validation(vec![e]);
    let base = to_engine(&base_spec, prefix).map_err(invalid)?;
    let mut plans = vec![base];
    for (i, variant) in req.variants.iter().enumerate() {
        let chars = variant.name.trim().chars().count();
        if chars == 0 || chars > 60 || variant.name.chars().any(char::is_control) {
            return Err(ApiError::invalid(
                format!("variants[{i}].name"),
                "must be 1 to 60 printable characters",
            ));
        }
        let spec = apply(&base_spec, &variant.changes);
        plans.push(to_engine(&spec, &format!("variants[{i}].changes.")).map_err(invalid)?);
    }
    let paths = req.paths.unwrap_or(state.settings.simulation.default_paths);
    check_paths(state, user, paths)?;
    check_time(state, paths, &plans, "variants")?;
    let options = SimulationOptions {
        paths,
        seed: choose_seed(req.seed)?,
        fan_chart: false,
    };
    let results = run_plans(state, plans, options).await?;
    let base = summary(&results[0]);
    let variants: Vec<ScenarioOutcome> = req
        .variants
        .iter()
        .zip(&results[1..])
        .map(|(variant, result)| {
            let s = summary(result);
            ScenarioOutcome {
                name: variant.name.trim().to_owned(),
                success_probability_change: s.success_probability - base.success_probability,
                median_terminal_real_wealth_change: s.terminal_real_wealth.p50
                    - base.terminal_real_wealth.p50,
                summary: s,
            }
        })
        .collect();
    let parameters = serde_json::json!({ "base": base_spec, "variants": req.variants, "paths": paths, "seed": options.seed });
    let results_json = serde_json::json!({ "base": base, "variants": variants });
    let id = state
        .db
        .insert_result(NewResult {
            user_id: user.id,
            simulation_type: "scenarios",
            parameters,
            results: results_json,
            success_probability: Some(base.success_probability),
            seed: options.seed,
            engine_version: engine::VERSION,
        })
        .await?;
    Ok(ScenarioResponse { id, base, variants })
}
