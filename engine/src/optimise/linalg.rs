//! The few dense linear-algebra pieces the optimiser needs on matrices of a few dozen rows:
//! a Cholesky factor that tolerates positive semi-definite input, and solves with it.

use ndarray::{Array2, ArrayView1, ArrayView2};

/// Lower-triangular `L` with `L Lᵀ = a` for a symmetric positive semi-definite `a`.
///
/// A pivot at or below `tolerance` (relative to the largest diagonal entry) leaves its
/// column zero: for a PSD matrix that column is a linear combination of the earlier ones,
/// so the factor stays exact up to rounding. Returns `Err(k)` when pivot `k` is below
/// `-tolerance`, i.e. the leading `(k+1)×(k+1)` block has a negative eigenvalue beyond
/// tolerance.
pub(crate) fn psd_cholesky(a: ArrayView2<'_, f64>, tolerance: f64) -> Result<Array2<f64>, usize> {
    let n = a.nrows();
    let scale = (0..n)
        .map(|i| a[[i, i]].abs())
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let tol = tolerance * scale;
    let mut l = Array2::<f64>::zeros((n, n));
    for j in 0..n {
        let mut d = a[[j, j]];
        for k in 0..j {
            d -= l[[j, k]] * l[[j, k]];
        }
        if d < -tol {
            return Err(j);
        }
        if d <= tol {
            // A (numerically) dependent column: the remaining entries of a PSD matrix in this
            // column must be (numerically) explained by the earlier columns already.
            for i in (j + 1)..n {
                let mut s = a[[i, j]];
                for k in 0..j {
                    s -= l[[i, k]] * l[[j, k]];
                }
                if s.abs() > tol.sqrt() * scale.sqrt() {
                    return Err(j);
                }
            }
            continue;
        }
        let root = d.sqrt();
        l[[j, j]] = root;
        for i in (j + 1)..n {
            let mut s = a[[i, j]];
            for k in 0..j {
                s -= l[[i, k]] * l[[j, k]];
            }
            l[[i, j]] = s / root;
        }
    }
    Ok(l)
}

/// Solves `L Lᵀ x = b` for a lower-triangular `L` with a non-zero diagonal.
pub(crate) fn cholesky_solve(l: ArrayView2<'_, f64>, b: &[f64]) -> Vec<f64> {
    let n = b.len();
    let mut y = b.to_vec();
    for i in 0..n {
        let mut s = y[i];
        for k in 0..i {
            s -= l[[i, k]] * y[k];
        }
        y[i] = s / l[[i, i]];
    }
    for i in (0..n).rev() {
        let mut s = y[i];
        for k in (i + 1)..n {
            s -= l[[k, i]] * y[k];
        }
        y[i] = s / l[[i, i]];
    }
    y
}

/// `a x` for a square `a`.
pub(crate) fn mat_vec(a: ArrayView2<'_, f64>, x: &[f64]) -> Vec<f64> {
    a.rows()
        .into_iter()
        .map(|row| row.iter().zip(x).map(|(r, v)| r * v).sum())
        .collect()
}

/// `xᵀ a x`.
pub(crate) fn quad_form(a: ArrayView2<'_, f64>, x: &[f64]) -> f64 {
    mat_vec(a, x).iter().zip(x).map(|(ax, v)| ax * v).sum()
}

/// `aᵀ x` for two slices of one length.
pub(crate) fn dot(a: ArrayView1<'_, f64>, x: &[f64]) -> f64 {
    a.iter().zip(x).map(|(p, q)| p * q).sum()
}
