//! Checks of the market inputs before any solve: lengths, finiteness, symmetry and positive
//! semi-definiteness of the covariance.

use super::Market;
use super::error::OptimiseError;
use super::linalg::psd_cholesky;
use ndarray::Array2;

/// Relative tolerance of the symmetry check (against the largest |entry|).
const SYMMETRY_TOLERANCE: f64 = 1e-10;
/// Relative tolerance of the PSD check (against the largest variance): an eigenvalue of
/// `-1e-10 × max variance` is rounding, one below is an input error.
pub(crate) const PSD_TOLERANCE: f64 = 1e-10;

/// Validates `market` and returns the number of assets and a Cholesky factor `L` of the
/// covariance (`L Lᵀ = Σ`, columns of dependent assets zero).
pub(crate) fn market(market: &Market<'_>) -> Result<(usize, Array2<f64>), OptimiseError> {
    let mu = market.expected_returns;
    let n = mu.len();
    if n == 0 {
        return Err(OptimiseError::NoAssets);
    }
    for (index, &value) in mu.iter().enumerate() {
        if !value.is_finite() {
            return Err(OptimiseError::NotFinite {
                field: "expected_returns",
                index,
                value,
            });
        }
    }
    let cov = market.covariance;
    if cov.nrows() != n || cov.ncols() != n {
        return Err(OptimiseError::Length {
            field: "covariance",
            expected: n,
            actual: if cov.nrows() == n {
                cov.ncols()
            } else {
                cov.nrows()
            },
        });
    }
    let mut scale = 0.0_f64;
    for ((row, column), &value) in cov.indexed_iter() {
        if !value.is_finite() {
            return Err(OptimiseError::MatrixNotFinite {
                field: "covariance",
                row,
                column,
                value,
            });
        }
        scale = scale.max(value.abs());
    }
    for row in 0..n {
        for column in (row + 1)..n {
            let (upper, lower) = (cov[[row, column]], cov[[column, row]]);
            if (upper - lower).abs() > SYMMETRY_TOLERANCE * scale {
                return Err(OptimiseError::NotSymmetric {
                    row,
                    column,
                    upper,
                    lower,
                });
            }
        }
    }
    let factor = psd_cholesky(cov, PSD_TOLERANCE).map_err(|index| {
        OptimiseError::NotPositiveSemiDefinite {
            index,
            size: index + 1,
        }
    })?;
    if let Some(s) = market.scenarios {
        if s.ncols() != n {
            return Err(OptimiseError::ScenarioColumns {
                expected: n,
                actual: s.ncols(),
            });
        }
        for ((row, column), &value) in s.indexed_iter() {
            if !value.is_finite() {
                return Err(OptimiseError::MatrixNotFinite {
                    field: "scenarios",
                    row,
                    column,
                    value,
                });
            }
        }
    }
    Ok((n, factor))
}

/// Checks a scalar is finite (and, with `positive`, above 0).
pub(crate) fn scalar(
    field: &'static str,
    value: f64,
    requirement: &'static str,
    ok: impl Fn(f64) -> bool,
) -> Result<(), OptimiseError> {
    if value.is_finite() && ok(value) {
        Ok(())
    } else {
        Err(OptimiseError::OutOfRange {
            field,
            value,
            requirement,
        })
    }
}
