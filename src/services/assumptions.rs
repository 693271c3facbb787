//! The plan and the portfolio meet: the plan's asset-class assumptions measured from the
//! holdings' price history ("use my portfolio as my plan's assumptions"), and an optimiser's
//! allocation over symbols turned into the plan's class weights ("apply this allocation").
//!
//! A holding belongs to one of the plan's asset classes; a class's measured figures are those
//! of its holdings held together at their values on the window's last day.

use std::collections::BTreeMap;

use engine::optimise::{
    CorrelationEstimator, ModelAssumptions, TRADING_DAYS_PER_YEAR, model_assumptions,
};
use ndarray::Array2;
use protocol::FieldError;
use protocol::planning::{
    AllocationApplied, ApplyAllocationRequest, AssumptionsCovariance, ClassSource,
    DerivedAssumptions, DerivedAssumptionsQuery, PlanAssumptions, PlanClassWeight,
};
use protocol::simulations::PlanSpec;
use uuid::Uuid;

use super::collect;
use super::optimise::{DEFAULT_WINDOW_MONTHS, MIN_DAYS};
use super::prices::{EARLIEST, LATEST, MAX_ESTIMATE_SYMBOLS, align};
use super::simulations::{plan_or_default, save_plan};
use crate::domain::holding::symbol;
use crate::domain::plan::{asset_classes, to_engine};
use crate::http::error::ApiError;
use crate::state::AppState;
use crate::store::holdings::{self, HoldingRow};
use crate::store::prices::{self as price_store, PriceSource};

/// Years of history under which a measured expected return is flagged as uncertain.
const FEW_YEARS: f64 = 3.0;

/// The held quantity per (class, symbol).
fn holdings_by_class(rows: &[HoldingRow]) -> BTreeMap<(String, String), f64> {
    let mut held = BTreeMap::new();
    for row in rows {
        *held
            .entry((row.asset_class.clone(), row.symbol.clone()))
            .or_insert(0.0) += row.quantity();
    }
    held
}

fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// `spec` with the measured classes' figures and correlations in place of the current ones
/// (`current` is `spec` as the engine reads it), and whether the correlations between measured
/// and kept classes had to be set to 0 to keep the matrix a correlation matrix.
fn with_measured(
    spec: &PlanSpec,
    current: &engine::sim::Plan,
    measured_classes: &[usize],
    measured: &ModelAssumptions,
) -> (PlanSpec, bool) {
    let mut classes = asset_classes(spec);
    let mut correlation = current.correlation.clone();
    for (k, &i) in measured_classes.iter().enumerate() {
        classes[i].mu = measured.mu[k];
        classes[i].sigma = measured.sigma[k];
        for (l, &j) in measured_classes.iter().enumerate() {
            correlation[i][j] = measured.correlation[[k, l]];
        }
    }
    let mut plan = PlanSpec {
        asset_classes: Some(classes),
        weights: Some(current.weights.clone()),
        correlation: Some(correlation.clone()),
        ..spec.clone()
    };
    if measured_classes.len() == current.assets.len() || to_engine(&plan, "").is_ok() {
        return (plan, false);
    }
    // With no correlation between the two groups the matrix is block-diagonal, and both
    // blocks are correlation matrices: the measured one and a principal block of the current.
    for (i, row) in correlation.iter_mut().enumerate() {
        for (j, rho) in row.iter_mut().enumerate() {
            if measured_classes.contains(&i) != measured_classes.contains(&j) {
                *rho = 0.0;
            }
        }
    }
    plan.correlation = Some(correlation);
    (plan, true)
}

/// `GET /planning/assumptions/derived`.
///
/// # Errors
/// 422 for a bad window, or when no holding has price history in it.
#[allow(clippy::too_many_lines)] // one pass from holdings to a plan, read top to bottom
pub async fn derived(
    state: &AppState,
    owner: Uuid,
    query: &DerivedAssumptionsQuery,
) -> Result<DerivedAssumptions, ApiError> {
    let spec = plan_or_default(state, owner).await?;
    let current_plan = to_engine(&spec, "").map_err(|e| {
        ApiError::Internal(anyhow::anyhow!("a stored plan no longer validates: {e:?}"))
    })?;
    let classes = asset_classes(&spec);
    let (from, to) = (query.from.unwrap_or(EARLIEST), query.to.unwrap_or(LATEST));
    if from > to {
        return Err(ApiError::invalid("from", "must not be after `to`"));
    }

    let mut notes = Vec::new();
    let rows = holdings::list_for_user(&state.db, owner).await?;
    let mut held = holdings_by_class(&rows);
    held.retain(|(class, sym), _| {
        let known = classes.iter().any(|c| c.name == *class);
        if !known {
            notes.push(format!(
                "{sym} is held as {class}, which is not one of the plan's classes: left out"
            ));
        }
        known
    });
    let mut symbols: Vec<String> = held.keys().map(|(_, s)| s.clone()).collect();
    symbols.sort_unstable();
    symbols.dedup();
    // Each held symbol's closes are read once: a symbol without any is left out, the rest
    // aligned on their common days.
    let (mut priced, mut series) = (Vec::new(), Vec::new());
    for name in symbols {
        let closes =
            price_store::history(&state.db, &name, from, to, &PriceSource::HISTORY).await?;
        if closes.is_empty() {
            notes.push(format!(
                "{name} has no price history between {from} and {to}: left out"
            ));
        } else {
            priced.push(name);
            series.push(closes);
        }
    }
    if priced.is_empty() {
        return Err(ApiError::invalid(
            "holdings",
            "none of your holdings has price history in the window: add holdings, or import \
             their prices",
        ));
    }
    if priced.len() > MAX_ESTIMATE_SYMBOLS {
        return Err(ApiError::invalid(
            "holdings",
            format!("at most {MAX_ESTIMATE_SYMBOLS} priced symbols can be measured together"),
        ));
    }
    let mut closes = align(priced, &series, MIN_DAYS)?;
    if query.from.is_none() {
        closes = closes.last_months(DEFAULT_WINDOW_MONTHS, MIN_DAYS)?;
    }
    let last = closes.closes.last().cloned().unwrap_or_default();

    // One basket per class with priced holdings: the holdings' values on the last day.
    let mut sources = Vec::with_capacity(classes.len());
    let mut measured_classes = Vec::new();
    let mut baskets: Vec<Vec<f64>> = Vec::new();
    for class in &classes {
        let mut basket = vec![0.0; closes.symbols.len()];
        let mut members = Vec::new();
        for (j, sym) in closes.symbols.iter().enumerate() {
            if let Some(quantity) = held.get(&(class.name.clone(), sym.clone())) {
                basket[j] = quantity * last[j];
                members.push(sym.clone());
            }
        }
        let total: f64 = basket.iter().sum();
        let derived = total > 0.0 && total.is_finite();
        if derived {
            baskets.push(basket.iter().map(|v| v / total).collect());
            measured_classes.push(sources.len());
        } else {
            notes.push(format!(
                "{} has no priced holdings: its current assumptions are kept",
                class.name
            ));
        }
        sources.push(ClassSource {
            name: class.name.clone(),
            symbols: members,
            derived,
        });
    }
    if measured_classes.is_empty() {
        return Err(ApiError::invalid(
            "holdings",
            "your priced holdings have no value: nothing to measure",
        ));
    }
    let estimator = match query.covariance.unwrap_or_default() {
        AssumptionsCovariance::Sample => CorrelationEstimator::Sample,
        AssumptionsCovariance::LedoitWolf => CorrelationEstimator::LedoitWolf,
    };
    let (days, n_symbols) = (closes.days.len(), closes.symbols.len());
    let prices = Array2::from_shape_fn((days, n_symbols), |(t, j)| closes.closes[t][j]);
    let basket_matrix = Array2::from_shape_fn((n_symbols, baskets.len()), |(j, k)| baskets[k][j]);
    let measured = model_assumptions(
        prices.view(),
        basket_matrix.view(),
        estimator,
        TRADING_DAYS_PER_YEAR,
    )
    .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("model assumptions")))?;

    let (plan, zeroed) = with_measured(&spec, &current_plan, &measured_classes, &measured);
    if zeroed {
        notes.push(
            "the current correlations between measured and kept classes do not fit the \
             measured ones, so they are set to 0"
                .to_owned(),
        );
    }
    to_engine(&plan, "derived.").map_err(|e| ApiError::Validation(vec![e]))?;

    let years = measured.observations as f64 / TRADING_DAYS_PER_YEAR;
    for (k, &i) in measured_classes.iter().enumerate() {
        // The standard error of an annual mean log return over `years` years.
        let error = measured.sigma[k] / years.sqrt();
        notes.push(format!(
            "{}: expected return {} ± {} (one standard error over {years:.1} years)",
            classes[i].name,
            percent(measured.mu[k]),
            percent(error)
        ));
    }
    if years < FEW_YEARS {
        notes.push(format!(
            "fewer than {FEW_YEARS} years of history: expected returns measured over so short a \
             window are very uncertain"
        ));
    }
    Ok(DerivedAssumptions {
        from: closes.days.first().copied().unwrap_or(from),
        to: closes.days.last().copied().unwrap_or(to),
        days: u32::try_from(measured.observations).unwrap_or(u32::MAX),
        covariance: query.covariance.unwrap_or_default(),
        shrinkage: measured.shrinkage,
        current: PlanAssumptions {
            asset_classes: classes,
            correlation: current_plan.correlation,
        },
        derived: PlanAssumptions {
            asset_classes: plan.asset_classes.clone().unwrap_or_default(),
            correlation: plan.correlation.clone().unwrap_or_default(),
        },
        classes: sources,
        plan,
        notes,
    })
}

/// `POST /planning/plan/allocation`: stores the plan with class weights summed from `req`'s
/// symbol weights; the live session re-simulates as after any plan change.
///
/// # Errors
/// 422 naming `weights` or `weights.SYM`: a symbol not held (its class is unknown) or held in
/// two classes, a weight outside 0 to 1, weights not summing to 1.
pub async fn apply_allocation(
    state: &AppState,
    owner: Uuid,
    req: ApplyAllocationRequest,
) -> Result<AllocationApplied, ApiError> {
    let spec = plan_or_default(state, owner).await?;
    let classes = asset_classes(&spec);
    let rows = holdings::list_for_user(&state.db, owner).await?;
    let mut class_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in &rows {
        let entry = class_of.entry(row.symbol.clone()).or_default();
        if !entry.contains(&row.asset_class) {
            entry.push(row.asset_class.clone());
        }
    }

    let mut errors = Vec::new();
    if req.weights.is_empty() {
        errors.push(FieldError::new("weights", "give at least one symbol"));
    }
    let mut weights = vec![0.0; classes.len()];
    let mut total = 0.0;
    for (raw, weight) in &req.weights {
        let field = format!("weights.{raw}");
        if !(weight.is_finite() && (0.0..=1.0).contains(weight)) {
            errors.push(FieldError::new(field, "must be a number from 0 to 1"));
            continue;
        }
        total += weight;
        let name = match symbol(&field, raw) {
            Ok(name) => name,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        match class_of.get(&name).map(Vec::as_slice) {
            None if *weight == 0.0 => {}
            None => errors.push(FieldError::new(
                field,
                "is not held: its asset class is unknown",
            )),
            Some([class]) => match classes.iter().position(|c| c.name == *class) {
                Some(i) => weights[i] += weight,
                None => errors.push(FieldError::new(
                    field,
                    format!("is held as {class}, which is not one of the plan's classes"),
                )),
            },
            Some(several) => errors.push(FieldError::new(
                field,
                format!(
                    "is held in several classes ({}): its weight cannot be split",
                    several.join(", ")
                ),
            )),
        }
    }
    if errors.is_empty() && (total - 1.0).abs() > 1e-6 {
        errors.push(FieldError::new(
            "weights",
            format!("must sum to 1 (they sum to {total})"),
        ));
    }
    collect(errors)?;
    // Within the tolerance above, scale so the plan's weights sum to 1 exactly as it checks.
    let sum: f64 = weights.iter().sum();
    let weights: Vec<f64> = weights.iter().map(|w| w / sum).collect();
    let plan = save_plan(
        state,
        owner,
        PlanSpec {
            weights: Some(weights.clone()),
            ..spec
        },
    )
    .await?;
    Ok(AllocationApplied {
        plan,
        class_weights: classes
            .into_iter()
            .zip(weights)
            .map(|(c, weight)| PlanClassWeight {
                name: c.name,
                weight,
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use ndarray::{Array1, array};

    use protocol::simulations::AssetClassSpec;

    use super::*;
    use crate::domain::plan::default_spec;

    fn spec_with(correlation: Vec<Vec<f64>>) -> PlanSpec {
        let class = |name: &str| AssetClassSpec {
            name: name.into(),
            mu: 0.05,
            sigma: 0.1,
        };
        PlanSpec {
            asset_classes: Some(vec![class("a"), class("b"), class("c")]),
            weights: Some(vec![0.4, 0.4, 0.2]),
            correlation: Some(correlation),
            ..default_spec()
        }
    }

    fn measured(rho: f64) -> ModelAssumptions {
        ModelAssumptions {
            mu: Array1::from(vec![0.08, 0.02]),
            sigma: Array1::from(vec![0.2, 0.04]),
            correlation: array![[1.0, rho], [rho, 1.0]],
            shrinkage: None,
            observations: 1000,
        }
    }

    #[test]
    fn kept_classes_keep_their_figures_and_fitting_correlations() {
        let spec = spec_with(vec![
            vec![1.0, 0.5, 0.3],
            vec![0.5, 1.0, 0.3],
            vec![0.3, 0.3, 1.0],
        ]);
        let current = to_engine(&spec, "").expect("valid");
        let (plan, zeroed) = with_measured(&spec, &current, &[0, 1], &measured(0.2));
        assert!(!zeroed);
        let classes = plan.asset_classes.clone().expect("classes");
        assert_eq!((classes[0].mu, classes[0].sigma), (0.08, 0.2));
        assert_eq!((classes[1].mu, classes[1].sigma), (0.02, 0.04));
        assert_eq!((classes[2].mu, classes[2].sigma), (0.05, 0.1));
        assert_eq!(
            plan.correlation,
            Some(vec![
                vec![1.0, 0.2, 0.3],
                vec![0.2, 1.0, 0.3],
                vec![0.3, 0.3, 1.0]
            ])
        );
        assert_eq!(plan.weights, Some(vec![0.4, 0.4, 0.2]));
        assert!(to_engine(&plan, "").is_ok());
    }

    #[test]
    fn correlations_that_no_longer_fit_are_set_to_none() {
        // a and c, b and c move together now; measured, a and b move against each other: no
        // correlation matrix has all three.
        let spec = spec_with(vec![
            vec![1.0, 0.9, 0.9],
            vec![0.9, 1.0, 0.9],
            vec![0.9, 0.9, 1.0],
        ]);
        let current = to_engine(&spec, "").expect("valid");
        let (plan, zeroed) = with_measured(&spec, &current, &[0, 1], &measured(-0.9));
        assert!(zeroed);
        assert_eq!(
            plan.correlation,
            Some(vec![
                vec![1.0, -0.9, 0.0],
                vec![-0.9, 1.0, 0.0],
                vec![0.0, 0.0, 1.0]
            ])
        );
        assert!(to_engine(&plan, "").is_ok());
    }
}
