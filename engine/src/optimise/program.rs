//! A small builder for Clarabel's conic form `min ½xᵀPx + qᵀx  s.t.  Ax + s = b, s ∈ K`,
//! with the rows kept by cone: equalities, then inequalities `aᵀx ≤ b`, then second-order
//! cone blocks. Problems here have at most a few thousand rows, so rows are kept as sparse
//! lists and assembled once.

use clarabel::algebra::CscMatrix;
use clarabel::solver::{
    DefaultSettings, DefaultSettingsBuilder, DefaultSolver, IPSolver, SupportedConeT,
};

use super::error::OptimiseError;
use super::status::Status;

/// One row `Σ coef·x` of `A`, with its `b`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Row {
    pub coefs: Vec<(usize, f64)>,
    pub rhs: f64,
}

/// Where the homogenising variable of the maximum-Sharpe problem is, if any: a right-hand
/// side `b` becomes `b·κ` on the left.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scale {
    One,
    Kappa(usize),
}

impl Row {
    /// `Σ coef·x (rel) rhs·scale`, moved into `Σ coef·x - rhs·κ (rel) 0` when homogenised.
    pub fn scaled(mut coefs: Vec<(usize, f64)>, rhs: f64, scale: Scale) -> Self {
        match scale {
            Scale::One => Self { coefs, rhs },
            Scale::Kappa(k) => {
                if rhs != 0.0 {
                    coefs.push((k, -rhs));
                }
                Self { coefs, rhs: 0.0 }
            }
        }
    }
}

/// A conic program under construction.
#[derive(Debug, Clone, Default)]
pub(crate) struct Program {
    pub vars: usize,
    /// Upper-triangle entries `(row, col, value)` of `P`, row ≤ col.
    pub p: Vec<(usize, usize, f64)>,
    pub q: Vec<f64>,
    pub eq: Vec<Row>,
    pub le: Vec<Row>,
    pub soc: Vec<Vec<Row>>,
}

/// A solved program.
#[derive(Debug, Clone)]
pub(crate) struct Solved {
    pub x: Vec<f64>,
    pub status: Status,
    pub iterations: u32,
}

impl Program {
    /// A program in `vars` variables with no objective and no rows.
    pub fn new(vars: usize) -> Self {
        Self {
            vars,
            q: vec![0.0; vars],
            ..Self::default()
        }
    }

    /// Adds a variable and returns its index.
    pub fn add_var(&mut self) -> usize {
        self.vars += 1;
        self.q.push(0.0);
        self.vars - 1
    }

    /// Index of the first `b` entry of the inequality rows (after the equalities).
    pub fn le_offset(&self) -> usize {
        self.eq.len()
    }

    /// Adds `factor · M` (dense, symmetric) on the block starting at variable `at`.
    pub fn add_quadratic(&mut self, m: ndarray::ArrayView2<'_, f64>, factor: f64, at: usize) {
        let n = m.nrows();
        for j in 0..n {
            for i in 0..=j {
                self.p.push((at + i, at + j, factor * m[[i, j]]));
            }
        }
    }

    /// The right-hand side `b`, in the solver's row order.
    pub fn rhs(&self) -> Vec<f64> {
        self.eq
            .iter()
            .chain(&self.le)
            .chain(self.soc.iter().flatten())
            .map(|r| r.rhs)
            .collect()
    }

    fn assemble(
        &self,
    ) -> (
        CscMatrix<f64>,
        CscMatrix<f64>,
        Vec<f64>,
        Vec<SupportedConeT<f64>>,
    ) {
        let (pi, pj, pv) = triplets(self.p.iter().copied());
        let p = CscMatrix::new_from_triplets(self.vars, self.vars, pi, pj, pv);
        let soc_rows: usize = self.soc.iter().map(Vec::len).sum();
        let m = self.eq.len() + self.le.len() + soc_rows;
        let rows = self
            .eq
            .iter()
            .chain(&self.le)
            .chain(self.soc.iter().flatten());
        let mut entries = Vec::new();
        let mut b = Vec::with_capacity(m);
        for (r, row) in rows.enumerate() {
            entries.extend(row.coefs.iter().map(|&(c, v)| (r, c, v)));
            b.push(row.rhs);
        }
        let (ai, aj, av) = triplets(entries.into_iter());
        let a = CscMatrix::new_from_triplets(m, self.vars, ai, aj, av);
        let mut cones = Vec::new();
        if !self.eq.is_empty() {
            cones.push(SupportedConeT::ZeroConeT(self.eq.len()));
        }
        if !self.le.is_empty() {
            cones.push(SupportedConeT::NonnegativeConeT(self.le.len()));
        }
        for block in &self.soc {
            cones.push(SupportedConeT::SecondOrderConeT(block.len()));
        }
        (p, a, b, cones)
    }

    /// A solver for this program, ready to solve and to take new `b` vectors.
    pub fn solver(&self) -> Result<DefaultSolver<f64>, OptimiseError> {
        let (p, a, b, cones) = self.assemble();
        DefaultSolver::new(&p, &self.q, &a, &b, &cones, settings()).map_err(|_| {
            OptimiseError::Solver {
                status: Status::NumericalFailure,
                iterations: 0,
            }
        })
    }

    /// Builds and solves.
    pub fn solve(&self) -> Result<Solved, OptimiseError> {
        let mut solver = self.solver()?;
        Ok(run(&mut solver))
    }
}

/// Solves with the solver's current data.
pub(crate) fn run(solver: &mut DefaultSolver<f64>) -> Solved {
    solver.solve();
    Solved {
        x: solver.solution.x.clone(),
        status: Status::from_clarabel(solver.solution.status),
        iterations: solver.solution.iterations,
    }
}

/// Gap and feasibility tolerance. Clarabel's default, 1e-8, is a relative accuracy of the
/// objective; near a minimum of a quadratic that leaves the weights accurate to only
/// about its square root (PyPortfolioOpt's weights and ours differed by up to 1e-4 at 1e-8).
const TOLERANCE: f64 = 1e-10;

/// Quiet, and with presolve and zero-dropping off so that `b` can be replaced between
/// solves of one structure (the frontier).
fn settings() -> DefaultSettings<f64> {
    let mut s = DefaultSettingsBuilder::default()
        .verbose(false)
        .presolve_enable(false)
        .input_sparse_dropzeros(false)
        .tol_gap_abs(TOLERANCE)
        .tol_gap_rel(TOLERANCE)
        .tol_feas(TOLERANCE)
        .build()
        .unwrap_or_default();
    // The builder cannot fail with these fields; the fallback only keeps the solver quiet.
    s.verbose = false;
    s
}

/// Splits `(row, col, value)` entries into the three vectors `CscMatrix::new_from_triplets`
/// takes (it sorts them and sums duplicates itself).
fn triplets(
    entries: impl Iterator<Item = (usize, usize, f64)>,
) -> (Vec<usize>, Vec<usize>, Vec<f64>) {
    let mut out: (Vec<usize>, Vec<usize>, Vec<f64>) = (Vec::new(), Vec::new(), Vec::new());
    for (i, j, x) in entries {
        out.0.push(i);
        out.1.push(j);
        out.2.push(x);
    }
    out
}
