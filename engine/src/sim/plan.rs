//! The inputs of the base model and their validation (Params → `check()` → valid plan).

/// Longest horizon accepted: 100 years.
pub const MAX_HORIZON_MONTHS: u32 = 1200;
/// Largest number of asset classes.
pub const MAX_ASSETS: usize = 32;
/// Tolerance on the sum of the weights.
pub const WEIGHT_SUM_TOLERANCE: f64 = 1e-9;
/// Tolerance on correlation symmetry, unit diagonal and positive semi-definiteness.
pub const CORRELATION_TOLERANCE: f64 = 1e-9;

/// One asset class's return assumptions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AssetClass {
    /// Expected annual arithmetic return (0.07 for 7%); greater than -1.
    pub mu: f64,
    /// Annual volatility of log returns; 0 or more.
    pub sigma: f64,
}

/// A plan in the base model of `docs/simulation-model.md`.
///
/// Cash flows are in today's money and grow with inflation: the contribution is paid in months
/// `0..retirement_month`, the spending withdrawn in months `retirement_month..horizon_months`.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Wealth at the start of month 0.
    pub initial_wealth: f64,
    /// Monthly contribution before retirement, in today's money.
    pub monthly_contribution: f64,
    /// The first month of retirement (equal to the horizon for no retirement phase).
    pub retirement_month: u32,
    /// Monthly spending from retirement on, in today's money.
    pub monthly_spending: f64,
    /// Number of months simulated, T.
    pub horizon_months: u32,
    /// Constant annual inflation, pi.
    pub annual_inflation: f64,
    /// Annual expense ratio, f.
    pub annual_fee: f64,
    /// The asset classes.
    pub assets: Vec<AssetClass>,
    /// Target weights, rebalanced monthly; non-negative, summing to 1.
    pub weights: Vec<f64>,
    /// Correlation matrix of log returns: symmetric, unit diagonal, positive semi-definite.
    pub correlation: Vec<Vec<f64>>,
}

/// A plan the model cannot run, naming the field at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// NaN or infinite.
    #[error("{field}: must be a finite number")]
    NotFinite {
        /// The field.
        field: String,
    },
    /// Outside its allowed range.
    #[error("{field}: {message}")]
    OutOfRange {
        /// The field.
        field: String,
        /// The allowed range.
        message: String,
    },
    /// A list or matrix of the wrong size.
    #[error("{field}: expected {expected} entries, got {actual}")]
    DimensionMismatch {
        /// The field.
        field: String,
        /// The number of asset classes.
        expected: usize,
        /// What was given.
        actual: usize,
    },
    /// Weights that do not sum to 1.
    #[error("weights: must sum to 1, sum to {sum}")]
    WeightsDoNotSumToOne {
        /// Their sum.
        sum: f64,
    },
    /// `correlation[row][col] != correlation[col][row]`.
    #[error("correlation[{row}][{col}]: the matrix must be symmetric")]
    CorrelationNotSymmetric {
        /// Row.
        row: usize,
        /// Column.
        col: usize,
    },
    /// A diagonal entry other than 1.
    #[error("correlation[{index}][{index}]: the diagonal must be 1")]
    CorrelationDiagonalNotOne {
        /// The entry.
        index: usize,
    },
    /// The matrix has a negative eigenvalue.
    #[error("correlation: the matrix must be positive semi-definite")]
    CorrelationNotPositiveSemiDefinite,
}

impl PlanError {
    /// The field at fault, as a path into the plan (`assets[1].sigma`, `correlation[0][2]`).
    #[must_use]
    pub fn field(&self) -> String {
        match self {
            Self::NotFinite { field }
            | Self::OutOfRange { field, .. }
            | Self::DimensionMismatch { field, .. } => field.clone(),
            Self::WeightsDoNotSumToOne { .. } => "weights".into(),
            Self::CorrelationNotSymmetric { row, col } => format!("correlation[{row}][{col}]"),
            Self::CorrelationDiagonalNotOne { index } => format!("correlation[{index}][{index}]"),
            Self::CorrelationNotPositiveSemiDefinite => "correlation".into(),
        }
    }
}

fn finite(field: impl Into<String>, value: f64) -> Result<f64, PlanError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(PlanError::NotFinite {
            field: field.into(),
        })
    }
}

fn range(field: &str, ok: bool, message: &str) -> Result<(), PlanError> {
    if ok {
        Ok(())
    } else {
        Err(PlanError::OutOfRange {
            field: field.into(),
            message: message.into(),
        })
    }
}

impl Plan {
    /// Checks every field; on success returns the lower-triangular factor `L` of the
    /// correlation matrix (`L Lᵀ = correlation`), which the model needs anyway.
    ///
    /// # Errors
    /// The first field at fault, in declaration order.
    pub fn check(&self) -> Result<Vec<Vec<f64>>, PlanError> {
        finite("initial_wealth", self.initial_wealth)?;
        range(
            "initial_wealth",
            self.initial_wealth >= 0.0,
            "must be 0 or more",
        )?;
        finite("monthly_contribution", self.monthly_contribution)?;
        range(
            "monthly_contribution",
            self.monthly_contribution >= 0.0,
            "must be 0 or more",
        )?;
        finite("monthly_spending", self.monthly_spending)?;
        range(
            "monthly_spending",
            self.monthly_spending >= 0.0,
            "must be 0 or more",
        )?;
        range(
            "horizon_months",
            self.horizon_months > 0,
            "must be at least 1",
        )?;
        range(
            "horizon_months",
            self.horizon_months <= MAX_HORIZON_MONTHS,
            "must be at most 1200 (100 years)",
        )?;
        range(
            "retirement_month",
            self.retirement_month <= self.horizon_months,
            "must not be after the horizon",
        )?;
        finite("annual_inflation", self.annual_inflation)?;
        range(
            "annual_inflation",
            (-0.5..=1.0).contains(&self.annual_inflation),
            "must be from -0.5 to 1",
        )?;
        finite("annual_fee", self.annual_fee)?;
        range(
            "annual_fee",
            (0.0..1.0).contains(&self.annual_fee),
            "must be from 0 to less than 1",
        )?;
        let n = self.assets.len();
        range(
            "assets",
            (1..=MAX_ASSETS).contains(&n),
            "must hold 1 to 32 asset classes",
        )?;
        for (i, asset) in self.assets.iter().enumerate() {
            finite(format!("assets[{i}].mu"), asset.mu)?;
            range(
                &format!("assets[{i}].mu"),
                asset.mu > -1.0,
                "must be greater than -1",
            )?;
            finite(format!("assets[{i}].sigma"), asset.sigma)?;
            range(
                &format!("assets[{i}].sigma"),
                (0.0..=5.0).contains(&asset.sigma),
                "must be from 0 to 5",
            )?;
        }
        self.check_weights(n)?;
        cholesky(&self.correlation, n)
    }

    fn check_weights(&self, n: usize) -> Result<(), PlanError> {
        if self.weights.len() != n {
            return Err(PlanError::DimensionMismatch {
                field: "weights".into(),
                expected: n,
                actual: self.weights.len(),
            });
        }
        for (i, w) in self.weights.iter().enumerate() {
            finite(format!("weights[{i}]"), *w)?;
            range(&format!("weights[{i}]"), *w >= 0.0, "must be 0 or more")?;
        }
        let sum: f64 = self.weights.iter().sum();
        if (sum - 1.0).abs() > WEIGHT_SUM_TOLERANCE {
            return Err(PlanError::WeightsDoNotSumToOne { sum });
        }
        Ok(())
    }
}

/// Checks the correlation matrix and factors it. Semi-definite matrices (perfectly correlated
/// assets) are allowed: a zero pivot gives a zero column, provided the rest of that column is
/// consistent with it.
#[allow(clippy::needless_range_loop)] // matrix indices read best as indices
fn cholesky(rho: &[Vec<f64>], n: usize) -> Result<Vec<Vec<f64>>, PlanError> {
    if rho.len() != n {
        return Err(PlanError::DimensionMismatch {
            field: "correlation".into(),
            expected: n,
            actual: rho.len(),
        });
    }
    for (i, row) in rho.iter().enumerate() {
        if row.len() != n {
            return Err(PlanError::DimensionMismatch {
                field: format!("correlation[{i}]"),
                expected: n,
                actual: row.len(),
            });
        }
        for (j, v) in row.iter().enumerate() {
            finite(format!("correlation[{i}][{j}]"), *v)?;
            range(
                &format!("correlation[{i}][{j}]"),
                (-1.0..=1.0).contains(v),
                "must be from -1 to 1",
            )?;
        }
    }
    for i in 0..n {
        if (rho[i][i] - 1.0).abs() > CORRELATION_TOLERANCE {
            return Err(PlanError::CorrelationDiagonalNotOne { index: i });
        }
        for j in 0..i {
            if (rho[i][j] - rho[j][i]).abs() > CORRELATION_TOLERANCE {
                return Err(PlanError::CorrelationNotSymmetric { row: i, col: j });
            }
        }
    }
    let mut l = vec![vec![0.0; n]; n];
    for j in 0..n {
        let pivot = rho[j][j] - (0..j).map(|k| l[j][k] * l[j][k]).sum::<f64>();
        if pivot < -CORRELATION_TOLERANCE {
            return Err(PlanError::CorrelationNotPositiveSemiDefinite);
        }
        let diag = if pivot > CORRELATION_TOLERANCE {
            pivot.sqrt()
        } else {
            0.0
        };
        l[j][j] = diag;
        for i in j + 1..n {
            let rest = rho[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>();
            if diag == 0.0 {
                if rest.abs() > 1e-7 {
                    return Err(PlanError::CorrelationNotPositiveSemiDefinite);
                }
            } else {
                l[i][j] = rest / diag;
            }
        }
    }
    Ok(l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::reference::p1;

    fn field_of(plan: &Plan) -> String {
        plan.check().expect_err("invalid").field()
    }

    #[test]
    fn the_factor_reproduces_the_correlation() {
        let plan = p1();
        let l = plan.check().expect("valid");
        for i in 0..3 {
            for j in 0..3 {
                let product: f64 = (0..3).map(|k| l[i][k] * l[j][k]).sum();
                assert!((product - plan.correlation[i][j]).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn perfectly_correlated_assets_are_allowed() {
        let mut plan = p1();
        plan.correlation = vec![
            vec![1.0, 1.0, 0.0],
            vec![1.0, 1.0, 0.0],
            vec![0.0, 0.0, 1.0],
        ];
        assert!(plan.check().is_ok());
    }

    #[test]
    fn each_invalid_input_names_its_field() {
        type Breakage = Box<dyn Fn(&mut Plan)>;
        let cases: Vec<(Breakage, &str)> = vec![
            (Box::new(|p| p.weights = vec![0.5, 0.2, 0.2]), "weights"),
            (Box::new(|p| p.weights = vec![1.2, -0.2, 0.0]), "weights[1]"),
            (Box::new(|p| p.weights = vec![0.5, 0.5]), "weights"),
            (Box::new(|p| p.correlation[0][1] = 0.7), "correlation[1][0]"),
            (Box::new(|p| p.correlation[2][2] = 0.9), "correlation[2][2]"),
            (
                Box::new(|p| {
                    p.correlation = vec![
                        vec![1.0, 0.9, -0.9],
                        vec![0.9, 1.0, 0.9],
                        vec![-0.9, 0.9, 1.0],
                    ]
                }),
                "correlation",
            ),
            (
                Box::new(|p| {
                    p.correlation.pop();
                }),
                "correlation",
            ),
            (Box::new(|p| p.correlation[0][2] = 1.5), "correlation[0][2]"),
            (Box::new(|p| p.assets[1].sigma = -0.1), "assets[1].sigma"),
            (Box::new(|p| p.assets[0].mu = -1.0), "assets[0].mu"),
            (Box::new(|p| p.horizon_months = 0), "horizon_months"),
            (Box::new(|p| p.horizon_months = 1201), "horizon_months"),
            (Box::new(|p| p.retirement_month = 721), "retirement_month"),
            (Box::new(|p| p.initial_wealth = f64::NAN), "initial_wealth"),
            (
                Box::new(|p| p.monthly_spending = f64::INFINITY),
                "monthly_spending",
            ),
            (Box::new(|p| p.assets[2].mu = f64::NAN), "assets[2].mu"),
            (Box::new(|p| p.weights[0] = f64::NAN), "weights[0]"),
            (
                Box::new(|p| p.correlation[1][2] = f64::NAN),
                "correlation[1][2]",
            ),
            (Box::new(|p| p.annual_fee = 1.0), "annual_fee"),
            (
                Box::new(|p| p.annual_inflation = f64::NAN),
                "annual_inflation",
            ),
            (
                Box::new(|p| p.monthly_contribution = -1.0),
                "monthly_contribution",
            ),
            (Box::new(|p| p.assets.clear()), "assets"),
        ];
        for (break_it, field) in cases {
            let mut plan = p1();
            break_it(&mut plan);
            assert_eq!(field_of(&plan), field, "{plan:?}");
        }
    }
}
