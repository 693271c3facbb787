//! Wire plans to engine plans, with the documented defaults.

use engine::sim::reference::p1;
use engine::sim::{AssetClass, Extensions, Plan, PlanError};
use protocol::FieldError;
use protocol::simulations::{AssetClassSpec, PlanSpec};

/// Names of the default asset classes: those of the reference plan P1 (`docs/simulation-model.md`), whose
/// assumptions, weights and correlations are the defaults (`engine::sim::reference::p1`).
pub const DEFAULT_ASSET_NAMES: [&str; 3] = ["us_equity", "intl_equity", "bonds"];

/// The plan's asset classes, or the defaults.
#[must_use]
pub fn asset_classes(spec: &PlanSpec) -> Vec<AssetClassSpec> {
    spec.asset_classes.clone().unwrap_or_else(|| {
        DEFAULT_ASSET_NAMES
            .iter()
            .zip(p1().assets)
            .map(|(name, asset)| AssetClassSpec {
                name: (*name).into(),
                mu: asset.mu,
                sigma: asset.sigma,
            })
            .collect()
    })
}

/// The plan of a user who has stored none: the reference plan P1 with the default classes.
#[must_use]
pub fn default_spec() -> PlanSpec {
    let p = p1();
    PlanSpec {
        initial_wealth: p.initial_wealth,
        monthly_contribution: p.monthly_contribution,
        retirement_month: p.retirement_month,
        monthly_spending: p.monthly_spending,
        horizon_months: p.horizon_months,
        annual_inflation: p.annual_inflation,
        annual_fee: p.annual_fee,
        asset_classes: None,
        weights: None,
        correlation: None,
        rebalance_band: None,
        extensions: Default::default(),
    }
}

/// `spec` with a what-if's changes; validate the result with [`to_engine`].
#[must_use]
pub fn with_changes(spec: &PlanSpec, changes: &protocol::live::WhatIfChanges) -> PlanSpec {
    let mut changed = spec.clone();
    if let Some(c) = changes.monthly_contribution {
        changed.monthly_contribution = c;
    }
    if let Some(m) = changes.retirement_month {
        changed.retirement_month = m;
    }
    if let Some(s) = changes.monthly_spending {
        changed.monthly_spending = s;
    }
    if let Some(w) = &changes.weights {
        changed.weights = Some(w.clone());
    }
    changed
}

/// Renames an engine field path to the wire's (`assets[1].mu` → `asset_classes[1].mu`) under
/// `prefix`.
fn wire_field(prefix: &str, engine_field: &str) -> String {
    let field = engine_field.strip_prefix("assets").map_or_else(
        || engine_field.to_owned(),
        |rest| format!("asset_classes{rest}"),
    );
    format!("{prefix}{field}")
}

/// Builds and validates the engine plan. `prefix` is prepended to field names (`plan.`).
///
/// # Errors
/// The first invalid field, named as on the wire.
pub fn to_engine(spec: &PlanSpec, prefix: &str) -> Result<Plan, FieldError> {
    let classes = asset_classes(spec);
    for (i, class) in classes.iter().enumerate() {
        let chars = class.name.trim().chars().count();
        if chars == 0 || chars > 60 || class.name.chars().any(char::is_control) {
            return Err(FieldError::new(
                format!("{prefix}asset_classes[{i}].name"),
                "must be 1 to 60 printable characters",
            ));
        }
    }
    let defaults = spec.asset_classes.is_none();
    let weights = spec
        .weights
        .clone()
        .unwrap_or_else(|| if defaults { p1().weights } else { Vec::new() });
    let correlation = spec.correlation.clone().unwrap_or_else(|| {
        if defaults {
            p1().correlation
        } else {
            // One class needs no correlations; several without any are an error below.
            identity_if_single(classes.len())
        }
    });
    let plan = Plan {
        initial_wealth: spec.initial_wealth,
        monthly_contribution: spec.monthly_contribution,
        retirement_month: spec.retirement_month,
        monthly_spending: spec.monthly_spending,
        horizon_months: spec.horizon_months,
        annual_inflation: spec.annual_inflation,
        annual_fee: spec.annual_fee,
        assets: classes
            .iter()
            .map(|c| AssetClass {
                mu: c.mu,
                sigma: c.sigma,
            })
            .collect(),
        weights: if weights.is_empty() && classes.len() == 1 {
            vec![1.0]
        } else {
            weights
        },
        correlation,
    };
    if spec
        .rebalance_band
        .is_some_and(|b| !(b.is_finite() && (0.0..=1.0).contains(&b)))
    {
        return Err(FieldError::new(
            format!("{prefix}rebalance_band"),
            "must be a number from 0 to 1",
        ));
    }
    if let Some(max) = [
        ("initial_wealth", plan.initial_wealth, 1e12),
        ("monthly_contribution", plan.monthly_contribution, 1e9),
        ("monthly_spending", plan.monthly_spending, 1e9),
    ]
    .into_iter()
    .find(|(_, v, max)| v.is_finite() && v > max)
    {
        return Err(FieldError::new(
            format!("{prefix}{}", max.0),
            format!("must be at most {}", max.2),
        ));
    }
    plan.check().map(|_| plan.clone()).map_err(|e: PlanError| {
        let message = e.to_string();
        let message = message
            .split_once(": ")
            .map_or(message.clone(), |(_, m)| m.to_owned());
        FieldError::new(wire_field(prefix, &e.field()), message)
    })
}

/// The engine plan and its extensions, both validated. `history` stands in for a bootstrap
/// without its own (see [`super::plan_extensions::to_engine`]).
///
/// # Errors
/// The first invalid field, named as on the wire under `prefix`.
pub fn to_engine_extended(
    spec: &PlanSpec,
    prefix: &str,
    history: Option<Vec<Vec<f64>>>,
) -> Result<(Plan, Extensions), FieldError> {
    let plan = to_engine(spec, prefix)?;
    let under = format!("{prefix}extensions.");
    let extensions = super::plan_extensions::to_engine(&spec.extensions, &under, history)?;
    engine::sim::extended::check::extensions(&plan, &extensions)
        .map_err(|e| super::plan_extensions::wire_error(&under, &e))?;
    Ok((plan, extensions))
}

/// Validates `spec` as it would be stored: a bootstrap without history is fine here (the
/// holdings' history is read when it runs).
///
/// # Errors
/// The first invalid field, named as on the wire under `prefix`.
pub fn check_storable(spec: &PlanSpec, prefix: &str) -> Result<Plan, FieldError> {
    let stand_in = match &spec.extensions.return_model {
        // As long as any block length the schema allows, so that only a given history
        // can make `block_months` too long.
        Some(protocol::extensions::ReturnModelSpec::Bootstrap { history: None, .. }) => Some(vec![
                vec![0.0; asset_classes(spec).len()];
                engine::sim::extended::check::MAX_HISTORY_MONTHS
            ]),
        _ => None,
    };
    to_engine_extended(spec, prefix, stand_in).map(|(plan, _)| plan)
}

/// Whether a class counts as equity when a request does not name the equity classes: its
/// name contains `equity`, `equities` or `stock`, in any case (`us_equity`, `EM Equities`,
/// `stocks`).
/// Anything else (bonds, cash, real estate, gold…) is not.
#[must_use]
pub fn is_equity_name(name: &str) -> bool {
    let name = name.to_lowercase();
    ["equity", "equities", "stock"]
        .iter()
        .any(|word| name.contains(word))
}

/// Which of `classes` are equity: those `named` (names as in the plan; the field is
/// `{prefix}equity_classes`), or by [`is_equity_name`]. The equity share moves only when at
/// least one class is equity and one is not.
///
/// # Errors
/// A name that is not one of the plan's classes (`equity_classes[i]`), or no class or every
/// class equity (`equity_classes`).
pub fn equity_mask(
    classes: &[AssetClassSpec],
    named: Option<&[String]>,
    prefix: &str,
) -> Result<Vec<bool>, FieldError> {
    let field = format!("{prefix}equity_classes");
    let mask = match named {
        Some(names) => {
            let mut mask = vec![false; classes.len()];
            for (i, name) in names.iter().enumerate() {
                let mut found = false;
                for (slot, class) in mask.iter_mut().zip(classes) {
                    if class.name == *name {
                        *slot = true;
                        found = true;
                    }
                }
                if !found {
                    return Err(FieldError::new(
                        format!("{field}[{i}]"),
                        "is not the name of one of the plan's asset classes",
                    ));
                }
            }
            mask
        }
        None => classes.iter().map(|c| is_equity_name(&c.name)).collect(),
    };
    let how = if named.is_some() {
        "the classes named"
    } else {
        "by name (containing \"equity\", \"equities\" or \"stock\"), the plan's classes"
    };
    if !mask.contains(&true) {
        return Err(FieldError::new(
            field,
            format!("{how} include no equity class: name the equity classes"),
        ));
    }
    if !mask.contains(&false) {
        return Err(FieldError::new(
            field,
            format!("{how} are all equity, so the equity share cannot move"),
        ));
    }
    Ok(mask)
}

/// The names of the classes `mask` marks.
#[must_use]
pub fn equity_names(classes: &[AssetClassSpec], mask: &[bool]) -> Vec<String> {
    classes
        .iter()
        .zip(mask)
        .filter(|(_, e)| **e)
        .map(|(c, _)| c.name.clone())
        .collect()
}

fn identity_if_single(n: usize) -> Vec<Vec<f64>> {
    if n == 1 { vec![vec![1.0]] } else { Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> PlanSpec {
        serde_json::from_value(serde_json::json!({
            "initial_wealth": 250000, "monthly_contribution": 1500, "retirement_month": 360,
            "monthly_spending": 5000, "horizon_months": 720
        }))
        .expect("spec")
    }

    #[test]
    fn the_default_spec_is_p1() {
        assert_eq!(to_engine(&default_spec(), "").expect("valid"), p1());
    }

    #[test]
    fn defaults_are_the_reference_plan() {
        let plan = to_engine(&spec(), "").expect("valid");
        assert_eq!(plan.weights, [0.6, 0.2, 0.2]);
        assert_eq!(
            plan.assets[1],
            AssetClass {
                mu: 0.065,
                sigma: 0.18
            }
        );
        assert_eq!(plan.annual_inflation, 0.025);
        assert_eq!(plan.annual_fee, 0.002);
    }

    fn classes(names: &[&str]) -> Vec<AssetClassSpec> {
        names
            .iter()
            .map(|n| AssetClassSpec {
                name: (*n).into(),
                mu: 0.05,
                sigma: 0.1,
            })
            .collect()
    }

    #[test]
    fn equity_classes_are_named_or_told_by_their_names() {
        let defaults = asset_classes(&spec());
        assert_eq!(
            equity_mask(&defaults, None, "").expect("equity by name"),
            [true, true, false]
        );
        let own = classes(&["World Stocks", "EM EQUITIES", "gold", "Bonds"]);
        assert_eq!(
            equity_mask(&own, None, "").expect("equity by name"),
            [true, true, false, false]
        );
        let named = ["gold".to_owned(), "World Stocks".to_owned()];
        assert_eq!(
            equity_mask(&own, Some(&named), "").expect("named"),
            [true, false, true, false]
        );
        let unknown = ["gold".to_owned(), "silver".to_owned()];
        assert_eq!(
            equity_mask(&own, Some(&unknown), "")
                .expect_err("unknown")
                .field,
            "equity_classes[1]"
        );
        for (names, named) in [
            (&["bonds", "cash"][..], None),
            (&["us_equity", "stocks"], None),
            (&["a", "b"], Some(vec![])),
            (&["a", "b"], Some(vec!["a".to_owned(), "b".to_owned()])),
        ] {
            let err = equity_mask(&classes(names), named.as_deref(), "x.").expect_err("no move");
            assert_eq!(err.field, "x.equity_classes", "{names:?}");
        }
        assert_eq!(
            equity_names(&own, &[true, false, true, false]),
            ["World Stocks", "gold"]
        );
    }

    #[test]
    fn errors_name_wire_fields() {
        let mut s = spec();
        s.asset_classes = Some(vec![AssetClassSpec {
            name: "a".into(),
            mu: 0.05,
            sigma: -1.0,
        }]);
        assert_eq!(
            to_engine(&s, "plan.").expect_err("invalid").field,
            "plan.asset_classes[0].sigma"
        );
        let mut s = spec();
        s.weights = Some(vec![0.5, 0.5, 0.5]);
        assert_eq!(
            to_engine(&s, "plan.").expect_err("invalid").field,
            "plan.weights"
        );
        let mut s = spec();
        s.asset_classes = Some(vec![
            AssetClassSpec {
                name: "a".into(),
                mu: 0.05,
                sigma: 0.1,
            },
            AssetClassSpec {
                name: "b".into(),
                mu: 0.05,
                sigma: 0.1,
            },
        ]);
        s.weights = Some(vec![0.5, 0.5]);
        assert_eq!(
            to_engine(&s, "").expect_err("no correlation").field,
            "correlation"
        );
    }
}
