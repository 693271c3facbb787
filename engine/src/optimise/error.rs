//! Why an optimisation has no answer: bad input, a named cause of infeasibility, or the
//! solver's own verdict.

use super::status::Status;

/// A family of constraints, as named in an infeasibility diagnosis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintFamily {
    /// The weights sum to 1.
    Budget,
    /// Per-asset bounds.
    AssetBounds,
    /// Group bounds.
    Groups,
    /// The turnover limit.
    Turnover,
    /// The target return of an efficient-return objective.
    TargetReturn,
    /// The target volatility of an efficient-risk objective.
    TargetVolatility,
}

impl std::fmt::Display for ConstraintFamily {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Budget => "weights sum to 1",
            Self::AssetBounds => "asset bounds",
            Self::Groups => "group bounds",
            Self::Turnover => "turnover limit",
            Self::TargetReturn => "target return",
            Self::TargetVolatility => "target volatility",
        })
    }
}

/// Why no portfolio satisfies the constraints.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Infeasibility {
    /// The lower bounds alone sum to more than 1.
    #[error("the lower bounds sum to {sum} > 1 (assets with a positive lower bound: {assets:?})")]
    LowerBoundsAboveOne {
        /// Sum of the lower bounds.
        sum: f64,
        /// Assets whose lower bound is above 0.
        assets: Vec<usize>,
    },
    /// The upper bounds alone sum to less than 1.
    #[error("the upper bounds sum to {sum} < 1 (assets with an upper bound below 1: {assets:?})")]
    UpperBoundsBelowOne {
        /// Sum of the upper bounds.
        sum: f64,
        /// Assets whose upper bound is below 1.
        assets: Vec<usize>,
    },
    /// A group's bounds cannot be met within its members' own bounds.
    #[error(
        "groups[{group}] ({name}) must sum to [{lower}, {upper}] but its members' bounds allow only [{members_lower}, {members_upper}]"
    )]
    GroupConflictsWithAssetBounds {
        /// Index into [`super::Constraints::groups`].
        group: usize,
        /// The group's name.
        name: String,
        /// The group's lower bound.
        lower: f64,
        /// The group's upper bound.
        upper: f64,
        /// Sum of the members' lower bounds.
        members_lower: f64,
        /// Sum of the members' upper bounds.
        members_upper: f64,
    },
    /// The target return is above what any feasible portfolio earns.
    #[error("target return {target} is above the highest achievable return {max_return}")]
    TargetReturnAboveMax {
        /// The requested target.
        target: f64,
        /// The highest expected return under the constraints.
        max_return: f64,
    },
    /// The target volatility is below the least any feasible portfolio has.
    #[error("target volatility {target} is below the minimum-variance volatility {min_volatility}")]
    TargetVolatilityBelowMin {
        /// The requested target.
        target: f64,
        /// The volatility of the minimum-variance portfolio under the constraints.
        min_volatility: f64,
    },
    /// The solver proved infeasibility that the simple checks above do not explain.
    #[error(
        "the solver found no portfolio satisfying: {}; {}",
        list(.families),
        relaxations(*.feasible_without_turnover, *.feasible_without_groups, *.feasible_without_both)
    )]
    Solver {
        /// The constraint families present.
        families: Vec<ConstraintFamily>,
        /// Whether dropping the turnover limit makes it feasible (`None`: no turnover limit).
        feasible_without_turnover: Option<bool>,
        /// Whether dropping the group bounds makes it feasible (`None`: no groups).
        feasible_without_groups: Option<bool>,
        /// Whether dropping both makes it feasible (`None`: not both present).
        feasible_without_both: Option<bool>,
    },
}

fn list(families: &[ConstraintFamily]) -> String {
    families
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn relaxations(turnover: Option<bool>, groups: Option<bool>, both: Option<bool>) -> String {
    let mut parts = Vec::new();
    let say = |what: &str, feasible: bool| {
        format!(
            "without the {what} it is {}",
            if feasible {
                "feasible"
            } else {
                "still infeasible"
            }
        )
    };
    if let Some(f) = turnover {
        parts.push(say("turnover limit", f));
    }
    if let Some(f) = groups {
        parts.push(say("group bounds", f));
    }
    if let Some(f) = both {
        parts.push(say("turnover limit and group bounds", f));
    }
    if parts.is_empty() {
        "no constraint family can be dropped to test".into()
    } else {
        parts.join("; ")
    }
}

/// Why an optimisation returned no portfolio.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OptimiseError {
    /// No assets at all.
    #[error("expected_returns is empty: there are no assets")]
    NoAssets,
    /// A vector or matrix of the wrong length.
    #[error("{field} has {actual} entries per dimension; expected {expected} (one per asset)")]
    Length {
        /// The field.
        field: &'static str,
        /// Expected length.
        expected: usize,
        /// Actual length.
        actual: usize,
    },
    /// A value that is not finite.
    #[error("{field}[{index}] is {value}, not a finite number")]
    NotFinite {
        /// The field.
        field: &'static str,
        /// The index in it.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A matrix entry that is not finite.
    #[error("{field}[{row}][{column}] is {value}, not a finite number")]
    MatrixNotFinite {
        /// The field.
        field: &'static str,
        /// Row index.
        row: usize,
        /// Column index.
        column: usize,
        /// The value.
        value: f64,
    },
    /// A scenario table whose width is not the number of assets.
    #[error("scenarios has {actual} columns; expected {expected} (one per asset)")]
    ScenarioColumns {
        /// Assets.
        expected: usize,
        /// Columns given.
        actual: usize,
    },
    /// An asymmetric covariance.
    #[error(
        "covariance[{row}][{column}] = {upper} but covariance[{column}][{row}] = {lower}: not symmetric"
    )]
    NotSymmetric {
        /// Row index.
        row: usize,
        /// Column index.
        column: usize,
        /// `covariance[row][column]`.
        upper: f64,
        /// `covariance[column][row]`.
        lower: f64,
    },
    /// A covariance with a negative eigenvalue beyond rounding.
    #[error(
        "covariance is not positive semi-definite: its leading {size}×{size} block (up to asset {index}) has a negative eigenvalue beyond tolerance"
    )]
    NotPositiveSemiDefinite {
        /// The asset whose pivot failed.
        index: usize,
        /// `index + 1`.
        size: usize,
    },
    /// An asset bound with `lower > upper`; `index` is `None` for uniform bounds.
    #[error("bounds{}: lower {lower} is above upper {upper}", index.map(|i| format!("[{i}]")).unwrap_or_default())]
    BoundsReversed {
        /// The asset, or `None` for uniform bounds.
        index: Option<usize>,
        /// Its lower bound.
        lower: f64,
        /// Its upper bound.
        upper: f64,
    },
    /// A malformed group.
    #[error("groups[{group}] ({name}) {problem}")]
    Group {
        /// Index into the groups.
        group: usize,
        /// Its name.
        name: String,
        /// What is wrong.
        problem: String,
    },
    /// A scalar parameter out of its range.
    #[error("{field} is {value}; it must be {requirement}")]
    OutOfRange {
        /// The field.
        field: &'static str,
        /// The value.
        value: f64,
        /// The range it must be in.
        requirement: &'static str,
    },
    /// Minimum CVaR without scenarios.
    #[error("the minimum-CVaR objective needs return scenarios (market.scenarios)")]
    MissingScenarios,
    /// An objective that does not take a constraint.
    #[error("{objective} does not support {constraint}")]
    Unsupported {
        /// The objective.
        objective: &'static str,
        /// The constraint it cannot take.
        constraint: &'static str,
    },
    /// No portfolio satisfies the constraints.
    #[error("infeasible: {0}")]
    Infeasible(Infeasibility),
    /// Maximum Sharpe with no feasible portfolio earning more than the risk-free rate: the
    /// ratio has no positive maximum.
    #[error(
        "no portfolio's expected return exceeds the risk-free rate {risk_free_rate} (the highest achievable, net of costs, is {max_return})"
    )]
    NoReturnAboveRiskFree {
        /// The risk-free rate.
        risk_free_rate: f64,
        /// The highest feasible expected return, net of transaction costs.
        max_return: f64,
    },
    /// The solver stopped without a usable answer.
    #[error("the solver stopped without a solution: {status} after {iterations} iterations")]
    Solver {
        /// What it reported.
        status: Status,
        /// Iterations run.
        iterations: u32,
    },
}
