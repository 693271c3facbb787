//! Expected returns and covariances from a table of daily closes, with PyPortfolioOpt's
//! conventions (so that its published results can be checked against ours):
//!
//! - returns are simple returns `p[t] / p[t-1] - 1` (`returns_from_prices`);
//! - the mean is the arithmetic mean times the periods per year
//!   (`mean_historical_return(compounding=False)`);
//! - the EWMA mean is pandas' `ewm(span).mean()` (adjusted weights) at the last row, times the
//!   periods per year (`ema_historical_return(compounding=False)`);
//! - the sample covariance has `ddof = 1` (`sample_cov`);
//! - Ledoit–Wolf shrinks the `ddof = 0` covariance towards `mu·I` (mean variance) with
//!   scikit-learn's `ledoit_wolf` intensity (`CovarianceShrinkage.ledoit_wolf("constant_variance")`);
//! - the EWMA covariance weights the products of the returns' deviations from their plain
//!   means with pandas' adjusted EWMA weights (`exp_cov`).
//!
//! Every annualised figure is the daily one times [`Estimators::periods_per_year`].

use ndarray::{Array1, Array2, ArrayView2};

/// Trading days in a year: the factor that annualises daily means and covariances.
pub const TRADING_DAYS_PER_YEAR: f64 = 252.0;

/// How expected returns are estimated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ReturnEstimator {
    /// The arithmetic mean of the simple returns.
    Mean,
    /// The exponentially weighted mean: weight `(1 - a)^age` with `a = 2 / (span + 1)`.
    Ewma {
        /// Centre of mass `(span - 1) / 2` rows; at least 1.
        span: f64,
    },
}

/// How the covariance is estimated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CovarianceEstimator {
    /// The sample covariance with `ddof = 1`.
    Sample,
    /// Ledoit–Wolf shrinkage towards the constant-variance target.
    LedoitWolf,
    /// The exponentially weighted covariance: weight `(1 - a)^age` with `a = 2 / (span + 1)`.
    Ewma {
        /// Centre of mass `(span - 1) / 2` rows; at least 1.
        span: f64,
    },
}

/// The estimators to run, and the annualisation factor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimators {
    /// The expected-return estimator.
    pub returns: ReturnEstimator,
    /// The covariance estimator.
    pub covariance: CovarianceEstimator,
    /// Rows per year of the price table: 252 for daily closes.
    pub periods_per_year: f64,
}

impl Default for Estimators {
    fn default() -> Self {
        Self {
            returns: ReturnEstimator::Mean,
            covariance: CovarianceEstimator::Sample,
            periods_per_year: TRADING_DAYS_PER_YEAR,
        }
    }
}

/// Annualised estimates, with the returns they came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// The simple returns, `(rows - 1) × assets`: the scenarios of a CVaR optimisation.
    pub returns: Array2<f64>,
    /// Annualised expected return per asset.
    pub expected_returns: Array1<f64>,
    /// Annualised covariance, `assets × assets`.
    pub covariance: Array2<f64>,
    /// The Ledoit–Wolf shrinkage intensity in `[0, 1]`; `None` for other estimators.
    pub shrinkage: Option<f64>,
}

/// Why estimates cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EstimateError {
    /// A table without columns.
    #[error("prices has no columns (assets)")]
    NoAssets,
    /// Too few rows for an estimator.
    #[error("prices has {rows} rows; the {estimator} needs at least {needed}")]
    TooFewRows {
        /// The estimator that needs more rows.
        estimator: &'static str,
        /// Rows given.
        rows: usize,
        /// Rows needed.
        needed: usize,
    },
    /// A price that is not finite and positive.
    #[error("prices[{row}][{column}] is {value}: prices must be finite and greater than 0")]
    BadPrice {
        /// Row (date) index.
        row: usize,
        /// Column (asset) index.
        column: usize,
        /// The offending value.
        value: f64,
    },
    /// A span below 1 or not finite.
    #[error("{field} is {value}: an EWMA span must be finite and at least 1")]
    Span {
        /// `returns.span` or `covariance.span`.
        field: &'static str,
        /// The offending value.
        value: f64,
    },
    /// A basket whose weights are not finite, non-negative and summing to 1.
    #[error("baskets column {0}: weights must be finite, non-negative and sum to 1")]
    Basket(usize),
    /// An annualisation factor that is not finite and positive.
    #[error("periods_per_year is {0}: it must be finite and greater than 0")]
    PeriodsPerYear(f64),
}

/// Runs `estimators` on `prices` (rows = dates ascending, columns = assets).
///
/// # Errors
/// See [`EstimateError`]: no columns, too few rows (2 for the means, 3 for a covariance),
/// a price that is not finite and positive, a bad span or annualisation factor.
pub fn estimate(
    prices: ArrayView2<'_, f64>,
    estimators: &Estimators,
) -> Result<Estimate, EstimateError> {
    let periods = estimators.periods_per_year;
    if !(periods.is_finite() && periods > 0.0) {
        return Err(EstimateError::PeriodsPerYear(periods));
    }
    let rows = prices.nrows();
    let (cov_name, cov_rows) = match estimators.covariance {
        CovarianceEstimator::Sample => ("sample covariance", 3),
        CovarianceEstimator::LedoitWolf => ("Ledoit-Wolf covariance", 3),
        CovarianceEstimator::Ewma { .. } => ("EWMA covariance", 3),
    };
    if prices.ncols() > 0 && rows < cov_rows {
        return Err(EstimateError::TooFewRows {
            estimator: cov_name,
            rows,
            needed: cov_rows,
        });
    }
    let returns = simple_returns(prices)?;
    let columns = Columns::new(returns.view());
    let expected_returns = match estimators.returns {
        ReturnEstimator::Mean => columns.means() * periods,
        ReturnEstimator::Ewma { span } => {
            let decay = decay("returns.span", span)?;
            Array1::from_iter(
                columns
                    .data
                    .iter()
                    .map(|c| ewma_last(c.iter().copied(), decay)),
            ) * periods
        }
    };
    let (covariance, shrinkage) = match estimators.covariance {
        CovarianceEstimator::Sample => (columns.centred().sample_covariance() * periods, None),
        CovarianceEstimator::LedoitWolf => {
            let (cov, s) = columns.centred().ledoit_wolf();
            (cov * periods, Some(s))
        }
        CovarianceEstimator::Ewma { span } => {
            let decay = decay("covariance.span", span)?;
            (columns.centred().ewma_covariance(decay) * periods, None)
        }
    };
    Ok(Estimate {
        returns,
        expected_returns,
        covariance,
        shrinkage,
    })
}

/// Daily simple returns `p[t] / p[t-1] - 1`, `(rows - 1) × assets`.
///
/// # Errors
/// No columns, fewer than 2 rows, or a price that is not finite and positive.
pub fn simple_returns(prices: ArrayView2<'_, f64>) -> Result<Array2<f64>, EstimateError> {
    let (rows, cols) = prices.dim();
    if cols == 0 {
        return Err(EstimateError::NoAssets);
    }
    if rows < 2 {
        return Err(EstimateError::TooFewRows {
            estimator: "returns",
            rows,
            needed: 2,
        });
    }
    for ((row, column), &value) in prices.indexed_iter() {
        if !(value.is_finite() && value > 0.0) {
            return Err(EstimateError::BadPrice { row, column, value });
        }
    }
    Ok(Array2::from_shape_fn((rows - 1, cols), |(t, j)| {
        prices[[t + 1, j]] / prices[[t, j]] - 1.0
    }))
}

/// The one-period weight kept per row of age: `1 - 2 / (span + 1)`.
fn decay(field: &'static str, span: f64) -> Result<f64, EstimateError> {
    if !(span.is_finite() && span >= 1.0) {
        return Err(EstimateError::Span { field, value: span });
    }
    Ok(1.0 - 2.0 / (span + 1.0))
}

/// pandas' adjusted EWMA mean at the last element: `Σ (1-a)^age x / Σ (1-a)^age`.
fn ewma_last(values: impl Iterator<Item = f64>, decay: f64) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for x in values {
        num = num * decay + x;
        den = den * decay + 1.0;
    }
    num / den
}

/// The returns stored column by column, so that every pairwise product runs on contiguous
/// memory.
pub(super) struct Columns {
    pub(super) data: Vec<Vec<f64>>,
}

impl Columns {
    pub(super) fn new(returns: ArrayView2<'_, f64>) -> Self {
        Self {
            data: returns.columns().into_iter().map(|c| c.to_vec()).collect(),
        }
    }

    pub(super) fn rows(&self) -> usize {
        self.data.first().map_or(0, Vec::len)
    }

    pub(super) fn means(&self) -> Array1<f64> {
        let t = self.rows() as f64;
        Array1::from_iter(self.data.iter().map(|c| c.iter().sum::<f64>() / t))
    }

    pub(super) fn centred(&self) -> Self {
        let means = self.means();
        Self {
            data: self
                .data
                .iter()
                .zip(&means)
                .map(|(c, m)| c.iter().map(|x| x - m).collect())
                .collect(),
        }
    }

    /// `Xᵀ X` of centred columns (upper and lower triangle filled).
    fn cross_products(&self) -> Array2<f64> {
        let n = self.data.len();
        let mut out = Array2::zeros((n, n));
        for i in 0..n {
            for j in i..n {
                let s: f64 = self.data[i]
                    .iter()
                    .zip(&self.data[j])
                    .map(|(a, b)| a * b)
                    .sum();
                out[[i, j]] = s;
                out[[j, i]] = s;
            }
        }
        out
    }

    pub(super) fn sample_covariance(&self) -> Array2<f64> {
        self.cross_products() / (self.rows() as f64 - 1.0)
    }

    /// scikit-learn's `ledoit_wolf` on centred data: the shrunk `ddof = 0` covariance and
    /// the shrinkage intensity.
    pub(super) fn ledoit_wolf(&self) -> (Array2<f64>, f64) {
        let n_samples = self.rows() as f64;
        let p = self.data.len();
        let n_features = p as f64;
        let emp_cov = self.cross_products() / n_samples;
        if p == 1 {
            return (emp_cov, 0.0);
        }
        let trace: f64 = (0..p).map(|i| emp_cov[[i, i]]).sum();
        let mu = trace / n_features;
        // Σ_ij Σ_t x_ti² x_tj² = Σ_t (Σ_i x_ti²)²
        let beta_sum: f64 = (0..self.rows())
            .map(|t| {
                let s: f64 = self.data.iter().map(|c| c[t] * c[t]).sum();
                s * s
            })
            .sum();
        // Σ_ij (Xᵀ X)_ij² / n²  =  Σ_ij emp_cov_ij²
        let delta_sum: f64 = emp_cov.iter().map(|v| v * v).sum();
        let beta = (beta_sum / n_samples - delta_sum) / (n_features * n_samples);
        let delta = (delta_sum - 2.0 * mu * trace + n_features * mu * mu) / n_features;
        let beta = beta.min(delta);
        let shrinkage = if beta == 0.0 { 0.0 } else { beta / delta };
        let mut shrunk = emp_cov * (1.0 - shrinkage);
        for i in 0..p {
            shrunk[[i, i]] += shrinkage * mu;
        }
        (shrunk, shrinkage)
    }

    /// pandas' adjusted EWMA of the products of centred columns, at the last row.
    fn ewma_covariance(&self, decay: f64) -> Array2<f64> {
        let n = self.data.len();
        let mut out = Array2::zeros((n, n));
        for i in 0..n {
            for j in i..n {
                let v = ewma_last(
                    self.data[i].iter().zip(&self.data[j]).map(|(a, b)| a * b),
                    decay,
                );
                out[[i, j]] = v;
                out[[j, i]] = v;
            }
        }
        out
    }
}
