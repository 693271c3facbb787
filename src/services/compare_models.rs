//! `POST /simulations/compare-models`: one plan under every return model (and with
//! stochastic inflation), on the same paths and seed, side by side.

use engine::sim::SimulationOptions;
use engine::sim::extended::{Extensions, InflationModel, RegimeSwitching, ReturnModel};
use protocol::extensions::{
    CompareModelsRequest, CompareModelsResponse, ComparedModel, InflationModelSpec, ModelOutcome,
    ReturnModelSpec,
};
use protocol::simulations::PlanSpec;

use super::simulations::{
    check_extended_paths, check_paths, check_time_of, choose_seed, extended_summary,
    plan_or_default, resolve, run_extended,
};
use crate::auth::AuthUser;
use crate::domain::plan::to_engine_extended;
use crate::http::error::ApiError;
use crate::state::AppState;

/// Degrees of freedom of the Student-t when the request names none: tails like monthly
/// equity returns'.
const DEFAULT_DF: f64 = 5.0;
/// The bootstrap's block when the request names none: a year keeps a year's momentum.
const DEFAULT_BLOCK: u32 = 12;

/// The plan's spec with its return and inflation models set to the base model's, so that
/// the plan itself validates whatever model it names.
fn base_models(spec: &PlanSpec) -> PlanSpec {
    let mut plan = spec.clone();
    plan.extensions.return_model = None;
    plan.extensions.inflation_model = None;
    plan
}

/// Runs the comparison.
///
/// # Errors
/// 422 naming an invalid field or an over-budget run; 403 beyond the role's path limit.
pub async fn compare(
    state: &AppState,
    user: &AuthUser,
    req: CompareModelsRequest,
) -> Result<CompareModelsResponse, ApiError> {
    let (spec, prefix) = match req.plan {
        Some(plan) => (plan, "plan."),
        None => (plan_or_default(state, user.id).await?, ""),
    };
    let (plan, own) = to_engine_extended(&base_models(&spec), prefix, None)
        .map_err(|e| ApiError::Validation(vec![e]))?;
    let paths = req.paths.unwrap_or(state.settings.simulation.default_paths);
    check_extended_paths(paths)?;
    check_paths(state, user, paths.saturating_mul(5))?;
    let df = req.student_t_df.unwrap_or(DEFAULT_DF);
    if !(df.is_finite() && df > 2.0 && df <= 1e9) {
        return Err(ApiError::invalid(
            "student_t_df",
            "must be above 2 (for a finite variance) and at most 1e9",
        ));
    }
    let block_months = req.block_months.unwrap_or(DEFAULT_BLOCK);
    // Checked here too: without any history the bootstrap never runs to check it.
    if !(1..=2400).contains(&block_months) {
        return Err(ApiError::invalid("block_months", "must be from 1 to 2400"));
    }
    // The plan's own bootstrap history, else the holdings'; without either the bootstrap is
    // reported unavailable rather than failing the rest.
    let given = match &spec.extensions.return_model {
        Some(ReturnModelSpec::Bootstrap {
            history: Some(history),
            ..
        }) => Some(history.clone()),
        _ => None,
    };
    let history = match given {
        Some(history) => Ok((history, "the plan's history")),
        None => {
            let mut with_bootstrap = spec.clone();
            with_bootstrap.extensions.return_model = Some(ReturnModelSpec::Bootstrap {
                block_months,
                history: None,
            });
            match resolve(state, user.id, &with_bootstrap, prefix).await {
                Ok((_, ext)) => match ext.returns {
                    ReturnModel::Bootstrap { history, .. } => Ok((history, "your holdings")),
                    _ => Err("no history".to_owned()),
                },
                Err(ApiError::Validation(errors)) => Err(errors
                    .first()
                    .map_or_else(|| "no history".to_owned(), |e| e.message.clone())),
                Err(other) => return Err(other),
            }
        }
    };
    let inflation = match spec.extensions.inflation_model {
        Some(InflationModelSpec::Stochastic {
            volatility,
            persistence,
            correlation,
        }) => InflationModel::Stochastic {
            volatility,
            persistence,
            correlation,
        },
        _ => InflationModel::Stochastic {
            volatility: 0.015,
            persistence: 0.97,
            correlation: -0.1,
        },
    };
    let with = |returns: ReturnModel, inflation: InflationModel| Extensions {
        returns,
        inflation,
        ..own.clone()
    };
    let mut runs: Vec<(ComparedModel, String, Extensions)> = vec![
        (
            ComparedModel::Lognormal,
            "Normal monthly log returns with the plan's drift, volatility and correlations, \
             constant inflation: the base model."
                .into(),
            with(ReturnModel::Lognormal, InflationModel::Constant),
        ),
        (
            ComparedModel::StudentT,
            format!(
                "Student-t monthly log returns with {df} degrees of freedom: the same drift \
                 and volatility, fatter tails."
            ),
            with(ReturnModel::StudentT { df }, InflationModel::Constant),
        ),
    ];
    let mut unavailable = None;
    match &history {
        Ok((months, source)) => runs.push((
            ComparedModel::Bootstrap,
            format!(
                "Blocks of {block_months} consecutive months drawn from {source} ({} months \
                 of history); the plan's drift and volatility are not used.",
                months.len()
            ),
            with(
                ReturnModel::Bootstrap {
                    history: months.clone(),
                    block_months,
                },
                InflationModel::Constant,
            ),
        )),
        Err(why) => unavailable = Some(why.clone()),
    }
    let regimes = RegimeSwitching::hardy_2001();
    runs.push((
        ComparedModel::RegimeSwitching,
        format!(
            "Calm and stressed regimes (Hardy 2001), {:.0}% of months stressed in the long \
             run, standardised to the plan's drift and volatility.",
            100.0 * regimes.stressed_share()
        ),
        with(
            ReturnModel::RegimeSwitching(regimes),
            InflationModel::Constant,
        ),
    ));
    runs.push((
        ComparedModel::StochasticInflation,
        "Normal returns; inflation wanders around the plan's rate, correlated with the first \
         class's returns."
            .into(),
        with(ReturnModel::Lognormal, inflation),
    ));
    let plans: Vec<_> = runs.iter().map(|_| plan.clone()).collect();
    check_time_of(state, paths, &plans, true, "paths")?;
    let options = SimulationOptions {
        paths,
        seed: choose_seed(req.seed)?,
        fan_chart: false,
    };
    let jobs = runs
        .iter()
        .map(|(_, _, ext)| (plan.clone(), ext.clone()))
        .collect();
    let results = run_extended(state, jobs, options).await?;
    let mut models: Vec<ModelOutcome> = runs
        .into_iter()
        .zip(results)
        .map(|((model, description, _), result)| {
            let mut summary = extended_summary(&result, &spec.extensions);
            summary.fan_chart.clear();
            ModelOutcome {
                model,
                description,
                summary: Some(summary),
                unavailable: None,
            }
        })
        .collect();
    if let Some(why) = unavailable {
        models.insert(
            2,
            ModelOutcome {
                model: ComparedModel::Bootstrap,
                description: "Blocks of consecutive months of history.".into(),
                summary: None,
                unavailable: Some(why),
            },
        );
    }
    Ok(CompareModelsResponse {
        paths,
        seed: options.seed,
        models,
    })
}
