//! Wire extensions (`PlanSpec.extensions`) to the engine's switches.

use engine::sim::PlanError;
use engine::sim::extended::{
    CashEvent, Cola, Extensions, GlidePoint, Goal, IncomeStream, InflationModel, Priority, Regime,
    RegimeSwitching, ReturnModel, Withdrawal,
};
use protocol::FieldError;
use protocol::extensions::{
    ColaKind, GoalPriority, InflationModelSpec, PlanExtensions, RegimeSpec, ReturnModelSpec,
    WithdrawalSpec,
};

/// A label of 1 to 60 printable characters.
fn label(field: String, name: &str) -> Result<(), FieldError> {
    let chars = name.trim().chars().count();
    if chars == 0 || chars > 60 || name.chars().any(char::is_control) {
        Err(FieldError::new(
            field,
            "must be 1 to 60 printable characters",
        ))
    } else {
        Ok(())
    }
}

/// The engine's switches for `spec`, with `history` standing in for a bootstrap that names
/// none (the caller's holdings', resolved by the service). Values are checked by the engine
/// ([`engine::sim::extended::check`]); here only what the engine does not see: labels, a
/// fixed adjustment's rate, a bootstrap without history.
///
/// # Errors
/// The first field at fault, under `prefix` (`plan.extensions.`).
pub fn to_engine(
    spec: &PlanExtensions,
    prefix: &str,
    history: Option<Vec<Vec<f64>>>,
) -> Result<Extensions, FieldError> {
    for (i, goal) in spec.goals.iter().enumerate() {
        label(format!("{prefix}goals[{i}].name"), &goal.name)?;
    }
    for (i, event) in spec.events.iter().enumerate() {
        label(format!("{prefix}events[{i}].name"), &event.name)?;
    }
    let mut income = Vec::with_capacity(spec.income.len());
    for (i, stream) in spec.income.iter().enumerate() {
        label(format!("{prefix}income[{i}].name"), &stream.name)?;
        let cola = match (stream.cola, stream.cola_rate) {
            (ColaKind::Inflation, None) => Cola::Inflation,
            (ColaKind::None, None) => Cola::None,
            (ColaKind::Fixed, Some(rate)) => Cola::Fixed(rate),
            (ColaKind::Fixed, None) => {
                return Err(FieldError::new(
                    format!("{prefix}income[{i}].cola_rate"),
                    "is required when cola is fixed",
                ));
            }
            (_, Some(_)) => {
                return Err(FieldError::new(
                    format!("{prefix}income[{i}].cola_rate"),
                    "is only for cola fixed",
                ));
            }
        };
        income.push(IncomeStream {
            monthly_amount: stream.monthly_amount,
            start_month: stream.start_month,
            end_month: stream.end_month,
            cola,
        });
    }
    let returns = match &spec.return_model {
        None | Some(ReturnModelSpec::Lognormal) => ReturnModel::Lognormal,
        Some(ReturnModelSpec::StudentT { df }) => ReturnModel::StudentT { df: *df },
        Some(ReturnModelSpec::Bootstrap {
            block_months,
            history: given,
        }) => ReturnModel::Bootstrap {
            history: given.clone().or(history).ok_or_else(|| {
                FieldError::new(
                    format!("{prefix}return_model.history"),
                    "is required here: no price history stands in for it",
                )
            })?,
            block_months: *block_months,
        },
        Some(ReturnModelSpec::RegimeSwitching {
            to_stressed,
            to_calm,
            calm,
            stressed,
        }) => {
            let hardy = RegimeSwitching::hardy_2001();
            let regime = |given: &Option<RegimeSpec>, default: Regime| {
                given.map_or(default, |r| Regime {
                    drift_shift: r.drift_shift,
                    volatility_multiplier: r.volatility_multiplier,
                })
            };
            ReturnModel::RegimeSwitching(RegimeSwitching {
                calm: regime(calm, hardy.calm),
                stressed: regime(stressed, hardy.stressed),
                to_stressed: to_stressed.unwrap_or(hardy.to_stressed),
                to_calm: to_calm.unwrap_or(hardy.to_calm),
            })
        }
    };
    Ok(Extensions {
        goals: spec
            .goals
            .iter()
            .map(|g| Goal {
                amount: g.amount,
                month: g.month,
                priority: match g.priority {
                    GoalPriority::Need => Priority::Need,
                    GoalPriority::Want => Priority::Want,
                    GoalPriority::Wish => Priority::Wish,
                },
            })
            .collect(),
        income,
        events: spec
            .events
            .iter()
            .map(|e| CashEvent {
                month: e.month,
                amount: e.amount,
            })
            .collect(),
        withdrawal: match spec.withdrawal {
            None | Some(WithdrawalSpec::ConstantReal) => Withdrawal::ConstantReal,
            Some(WithdrawalSpec::ConstantPercentage { annual_rate }) => {
                Withdrawal::ConstantPercentage { annual_rate }
            }
            Some(WithdrawalSpec::Vpw { real_return }) => Withdrawal::Vpw { real_return },
            Some(WithdrawalSpec::GuytonKlinger {
                guardrail,
                adjustment,
                protected_final_years,
            }) => Withdrawal::GuytonKlinger {
                guardrail,
                adjustment,
                protected_final_years,
            },
            Some(WithdrawalSpec::FloorCeiling {
                annual_rate,
                floor,
                ceiling,
            }) => Withdrawal::FloorCeiling {
                annual_rate,
                floor,
                ceiling,
            },
        },
        glide_path: spec
            .glide_path
            .iter()
            .map(|p| GlidePoint {
                month: p.month,
                weights: p.weights.clone(),
            })
            .collect(),
        returns,
        inflation: match spec.inflation_model {
            None | Some(InflationModelSpec::Constant) => InflationModel::Constant,
            Some(InflationModelSpec::Stochastic {
                volatility,
                persistence,
                correlation,
            }) => InflationModel::Stochastic {
                volatility,
                persistence,
                correlation,
            },
        },
        spending_floor: spec.spending_floor,
    })
}

/// An engine error about an extension, named as on the wire under `prefix`
/// (`income[0].cola` is the wire's `cola_rate`).
#[must_use]
pub fn wire_error(prefix: &str, error: &PlanError) -> FieldError {
    let field = error.field();
    let field = match field.strip_suffix(".cola") {
        Some(stream) => format!("{stream}.cola_rate"),
        None => field,
    };
    let message = error.to_string();
    let message = message
        .split_once(": ")
        .map_or(message.clone(), |(_, m)| m.to_owned());
    FieldError::new(format!("{prefix}{field}"), message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::extensions::IncomeStreamSpec;

    #[test]
    fn an_empty_spec_is_the_base_model() {
        let ext = to_engine(&PlanExtensions::default(), "", None).expect("valid");
        assert!(ext.is_base());
    }

    #[test]
    fn a_fixed_cola_needs_its_rate_and_only_it_takes_one() {
        let stream = |cola, cola_rate| PlanExtensions {
            income: vec![IncomeStreamSpec {
                name: "pension".into(),
                monthly_amount: 1_000.0,
                start_month: 12,
                end_month: None,
                cola,
                cola_rate,
            }],
            ..PlanExtensions::default()
        };
        let field = |spec| {
            to_engine(&spec, "plan.extensions.", None)
                .expect_err("refused")
                .field
        };
        assert_eq!(
            field(stream(ColaKind::Fixed, None)),
            "plan.extensions.income[0].cola_rate"
        );
        assert_eq!(
            field(stream(ColaKind::None, Some(0.02))),
            "plan.extensions.income[0].cola_rate"
        );
        let ext = to_engine(&stream(ColaKind::Fixed, Some(0.02)), "", None).expect("valid");
        assert_eq!(ext.income[0].cola, Cola::Fixed(0.02));
    }

    #[test]
    fn a_bootstrap_without_history_takes_the_one_given() {
        let spec = PlanExtensions {
            return_model: Some(ReturnModelSpec::Bootstrap {
                block_months: 6,
                history: None,
            }),
            ..PlanExtensions::default()
        };
        let refused = to_engine(&spec, "", None).expect_err("no history");
        assert_eq!(refused.field, "return_model.history");
        let ext = to_engine(&spec, "", Some(vec![vec![0.01]; 24])).expect("valid");
        assert!(matches!(
            ext.returns,
            ReturnModel::Bootstrap {
                block_months: 6,
                ..
            }
        ));
    }
}
