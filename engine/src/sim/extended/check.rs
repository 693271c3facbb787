//! Validation of the extensions, naming the field at fault as a path into the request
//! (`goals[2].month`, `withdrawal.floor`, `return_model.history[14][1]`).

use super::super::plan::PlanError;
use super::super::{Plan, plan::WEIGHT_SUM_TOLERANCE};
use super::{Cola, Extensions, InflationModel, ReturnModel, Withdrawal};

/// The most goals a plan may carry.
pub const MAX_GOALS: usize = 64;
/// The most income streams, events or glide-path points.
pub const MAX_ITEMS: usize = 100;
/// The most months of return history a bootstrap may carry (200 years).
pub const MAX_HISTORY_MONTHS: usize = 2400;

fn fail(field: impl Into<String>, message: &str) -> PlanError {
    PlanError::OutOfRange {
        field: field.into(),
        message: message.into(),
    }
}

/// `value` is finite and `ok`; otherwise the error names `field`.
fn number(field: impl Into<String>, value: f64, ok: bool, message: &str) -> Result<(), PlanError> {
    if !value.is_finite() {
        return Err(PlanError::NotFinite {
            field: field.into(),
        });
    }
    if ok {
        Ok(())
    } else {
        Err(fail(field, message))
    }
}

fn count(field: &str, len: usize, max: usize) -> Result<(), PlanError> {
    if len <= max {
        Ok(())
    } else {
        Err(fail(field, &format!("must hold at most {max} entries")))
    }
}

/// Checks every extension against `plan` (which is checked on its own).
///
/// # Errors
/// The first field at fault.
pub fn extensions(plan: &Plan, ext: &Extensions) -> Result<(), PlanError> {
    let horizon = plan.horizon_months;
    let before_horizon = "must be before the horizon (horizon_months)";
    count("goals", ext.goals.len(), MAX_GOALS)?;
    for (i, goal) in ext.goals.iter().enumerate() {
        number(
            format!("goals[{i}].amount"),
            goal.amount,
            goal.amount >= 0.0,
            "must be 0 or more",
        )?;
        if goal.month >= horizon {
            return Err(fail(format!("goals[{i}].month"), before_horizon));
        }
    }
    count("income", ext.income.len(), MAX_ITEMS)?;
    for (i, stream) in ext.income.iter().enumerate() {
        number(
            format!("income[{i}].monthly_amount"),
            stream.monthly_amount,
            stream.monthly_amount >= 0.0,
            "must be 0 or more",
        )?;
        if stream.start_month >= horizon {
            return Err(fail(format!("income[{i}].start_month"), before_horizon));
        }
        if let Some(end) = stream.end_month
            && (end <= stream.start_month || end > horizon)
        {
            return Err(fail(
                format!("income[{i}].end_month"),
                "must be after start_month and not after the horizon",
            ));
        }
        if let Cola::Fixed(rate) = stream.cola {
            number(
                format!("income[{i}].cola"),
                rate,
                (-0.5..=1.0).contains(&rate),
                "a fixed rate must be from -0.5 to 1",
            )?;
        }
    }
    count("events", ext.events.len(), MAX_ITEMS)?;
    for (i, event) in ext.events.iter().enumerate() {
        number(format!("events[{i}].amount"), event.amount, true, "")?;
        if event.month >= horizon {
            return Err(fail(format!("events[{i}].month"), before_horizon));
        }
    }
    withdrawal(&ext.withdrawal)?;
    glide_path(plan, ext)?;
    return_model(plan, &ext.returns)?;
    if let InflationModel::Stochastic {
        volatility,
        persistence,
        correlation,
    } = ext.inflation
    {
        number(
            "inflation_model.volatility",
            volatility,
            (0.0..=0.5).contains(&volatility),
            "must be from 0 to 0.5",
        )?;
        number(
            "inflation_model.persistence",
            persistence,
            (0.0..1.0).contains(&persistence),
            "must be from 0 to less than 1",
        )?;
        number(
            "inflation_model.correlation",
            correlation,
            (-1.0..=1.0).contains(&correlation),
            "must be from -1 to 1",
        )?;
    }
    if let Some(floor) = ext.spending_floor {
        number("spending_floor", floor, floor >= 0.0, "must be 0 or more")?;
    }
    Ok(())
}

fn withdrawal(strategy: &Withdrawal) -> Result<(), PlanError> {
    let rate = |value: f64| {
        number(
            "withdrawal.annual_rate",
            value,
            value > 0.0 && value <= 1.0,
            "must be above 0 and at most 1",
        )
    };
    match *strategy {
        Withdrawal::ConstantReal => Ok(()),
        Withdrawal::ConstantPercentage { annual_rate } => rate(annual_rate),
        Withdrawal::Vpw { real_return } => number(
            "withdrawal.real_return",
            real_return,
            real_return > -0.5 && real_return <= 0.5,
            "must be above -0.5 and at most 0.5",
        ),
        Withdrawal::GuytonKlinger {
            guardrail,
            adjustment,
            protected_final_years,
        } => {
            number(
                "withdrawal.guardrail",
                guardrail,
                guardrail > 0.0 && guardrail < 1.0,
                "must be above 0 and below 1",
            )?;
            number(
                "withdrawal.adjustment",
                adjustment,
                adjustment > 0.0 && adjustment < 1.0,
                "must be above 0 and below 1",
            )?;
            if protected_final_years > 100 {
                return Err(fail(
                    "withdrawal.protected_final_years",
                    "must be at most 100",
                ));
            }
            Ok(())
        }
        Withdrawal::FloorCeiling {
            annual_rate,
            floor,
            ceiling,
        } => {
            rate(annual_rate)?;
            number("withdrawal.floor", floor, floor >= 0.0, "must be 0 or more")?;
            number(
                "withdrawal.ceiling",
                ceiling,
                ceiling >= floor && ceiling <= 100.0,
                "must be at least the floor and at most 100",
            )
        }
    }
}

fn weights(field: &str, weights: &[f64], n: usize) -> Result<(), PlanError> {
    if weights.len() != n {
        return Err(PlanError::DimensionMismatch {
            field: field.into(),
            expected: n,
            actual: weights.len(),
        });
    }
    for (i, w) in weights.iter().enumerate() {
        number(format!("{field}[{i}]"), *w, *w >= 0.0, "must be 0 or more")?;
    }
    let sum: f64 = weights.iter().sum();
    if (sum - 1.0).abs() > WEIGHT_SUM_TOLERANCE {
        return Err(fail(field, &format!("must sum to 1, sum to {sum}")));
    }
    Ok(())
}

fn glide_path(plan: &Plan, ext: &Extensions) -> Result<(), PlanError> {
    count("glide_path", ext.glide_path.len(), MAX_ITEMS)?;
    let mut previous: Option<u32> = None;
    for (i, point) in ext.glide_path.iter().enumerate() {
        if point.month > plan.horizon_months || previous.is_some_and(|p| point.month <= p) {
            return Err(fail(
                format!("glide_path[{i}].month"),
                "must increase from point to point and not pass the horizon",
            ));
        }
        previous = Some(point.month);
        weights(
            &format!("glide_path[{i}].weights"),
            &point.weights,
            plan.assets.len(),
        )?;
    }
    Ok(())
}

fn return_model(plan: &Plan, model: &ReturnModel) -> Result<(), PlanError> {
    match model {
        ReturnModel::Lognormal => Ok(()),
        ReturnModel::StudentT { df } => number(
            "return_model.df",
            *df,
            *df > 2.0 && *df <= 1e9,
            "must be above 2 (for a finite variance) and at most 1e9",
        ),
        ReturnModel::Bootstrap {
            history,
            block_months,
        } => {
            if history.len() < 12 || history.len() > MAX_HISTORY_MONTHS {
                return Err(fail(
                    "return_model.history",
                    "must hold 12 to 2400 months of returns",
                ));
            }
            for (m, row) in history.iter().enumerate() {
                if row.len() != plan.assets.len() {
                    return Err(PlanError::DimensionMismatch {
                        field: format!("return_model.history[{m}]"),
                        expected: plan.assets.len(),
                        actual: row.len(),
                    });
                }
                for (i, v) in row.iter().enumerate() {
                    number(
                        format!("return_model.history[{m}][{i}]"),
                        *v,
                        v.abs() <= 5.0,
                        "a monthly log return must be from -5 to 5",
                    )?;
                }
            }
            if *block_months == 0 || *block_months as usize > history.len() {
                return Err(fail(
                    "return_model.block_months",
                    "must be at least 1 and at most the months of history",
                ));
            }
            Ok(())
        }
        ReturnModel::RegimeSwitching(r) => {
            for (field, p) in [
                ("return_model.to_stressed", r.to_stressed),
                ("return_model.to_calm", r.to_calm),
            ] {
                number(field, p, (0.0..=1.0).contains(&p), "must be from 0 to 1")?;
            }
            for (name, regime) in [("calm", r.calm), ("stressed", r.stressed)] {
                number(
                    format!("return_model.{name}.drift_shift"),
                    regime.drift_shift,
                    regime.drift_shift.abs() <= 10.0,
                    "must be from -10 to 10",
                )?;
                number(
                    format!("return_model.{name}.volatility_multiplier"),
                    regime.volatility_multiplier,
                    (0.0..=10.0).contains(&regime.volatility_multiplier),
                    "must be from 0 to 10",
                )?;
            }
            Ok(())
        }
    }
}
