//! The conic programs behind each objective. Variables are laid out as `w` (one per asset),
//! then `t ≥ |w - w0|` (one per asset, only with a turnover limit or costs), then whatever
//! the objective adds (κ of maximum Sharpe; α and the scenario excesses of CVaR).

use ndarray::{Array2, ArrayView1, ArrayView2};

use super::constraints::{Bound, Constraints};
use super::program::{Program, Row, Scale};

/// Everything a formulation reads, validated.
pub(crate) struct Context<'a> {
    pub n: usize,
    pub mu: ArrayView1<'a, f64>,
    pub cov: ArrayView2<'a, f64>,
    /// `L` with `L Lᵀ = Σ`.
    pub factor: &'a Array2<f64>,
    pub bounds: Vec<Bound>,
    pub constraints: &'a Constraints,
}

/// Which constraint families to include: all of them, or with some dropped to diagnose an
/// infeasibility.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Families {
    pub groups: bool,
    pub turnover: bool,
}

impl Families {
    pub const ALL: Self = Self {
        groups: true,
        turnover: true,
    };
}

/// A program in the weights (and trades), with its portfolio constraints.
pub(crate) struct Base {
    pub program: Program,
    /// Index of the first trade variable `t`, if present.
    pub trades: Option<usize>,
}

impl Context<'_> {
    /// A program whose first variables are the weights (or `y = κw` when `kappa`), with
    /// the trade variables when needed, and every portfolio constraint of `families`.
    pub fn base(&self, families: Families, kappa: bool) -> (Base, Scale) {
        let n = self.n;
        let trades = self.constraints.needs_trades();
        let mut program = Program::new(if trades { 2 * n } else { n });
        let scale = if kappa {
            Scale::Kappa(program.add_var())
        } else {
            Scale::One
        };
        let trades = trades.then_some(n);
        // Σ w = 1
        program
            .eq
            .push(Row::scaled((0..n).map(|i| (i, 1.0)).collect(), 1.0, scale));
        for (i, b) in self.bounds.iter().enumerate() {
            program
                .le
                .push(Row::scaled(vec![(i, -1.0)], -b.lower, scale));
            program.le.push(Row::scaled(vec![(i, 1.0)], b.upper, scale));
        }
        if families.groups {
            for g in &self.constraints.groups {
                if g.lower.is_finite() {
                    let coefs = g.assets.iter().map(|&i| (i, -1.0)).collect();
                    program.le.push(Row::scaled(coefs, -g.lower, scale));
                }
                if g.upper.is_finite() {
                    let coefs = g.assets.iter().map(|&i| (i, 1.0)).collect();
                    program.le.push(Row::scaled(coefs, g.upper, scale));
                }
            }
        }
        if let (Some(t), Some(r)) = (trades, &self.constraints.rebalance) {
            for (i, &w0) in r.current_weights.iter().enumerate() {
                // t ≥ w - w0 and t ≥ w0 - w
                program
                    .le
                    .push(Row::scaled(vec![(i, 1.0), (t + i, -1.0)], w0, scale));
                program
                    .le
                    .push(Row::scaled(vec![(i, -1.0), (t + i, -1.0)], -w0, scale));
            }
            if let (true, Some(limit)) = (families.turnover, r.turnover_limit) {
                program.le.push(Row::scaled(
                    (t..t + n).map(|j| (j, 1.0)).collect(),
                    limit,
                    scale,
                ));
            }
        }
        (Base { program, trades }, scale)
    }

    /// Adds the cost `c·Σt` to the objective.
    fn charge_costs(&self, base: &mut Base) {
        let c = self.constraints.cost_rate();
        if let Some(t) = base.trades {
            for j in t..t + self.n {
                base.program.q[j] += c;
            }
        }
    }

    /// `min wᵀΣw + c·Σ|w - w0|`.
    pub fn min_variance(&self, families: Families) -> Base {
        let (mut base, _) = self.base(families, false);
        base.program.add_quadratic(self.cov, 2.0, 0);
        self.charge_costs(&mut base);
        base
    }

    /// Minimum variance with `μᵀw ≥ target`; returns the program and the index in `b` of
    /// the target's row, whose right-hand side is `-target`.
    pub fn efficient_return(&self, target: f64, families: Families) -> (Base, usize) {
        let mut base = self.min_variance(families);
        let row = base.program.le_offset() + base.program.le.len();
        let coefs = (0..self.n).map(|i| (i, -self.mu[i])).collect();
        base.program.le.push(Row {
            coefs,
            rhs: -target,
        });
        (base, row)
    }

    /// `max μᵀw - c·Σ|w - w0|` subject to `wᵀΣw ≤ target²`, the variance bound as the
    /// second-order cone `‖Lᵀw‖ ≤ target`.
    pub fn efficient_risk(&self, target: f64, families: Families) -> Base {
        let (mut base, _) = self.base(families, false);
        for i in 0..self.n {
            base.program.q[i] = -self.mu[i];
        }
        self.charge_costs(&mut base);
        let mut block = vec![Row {
            coefs: Vec::new(),
            rhs: target,
        }];
        for k in 0..self.n {
            let coefs: Vec<(usize, f64)> = (k..self.n)
                .filter(|&i| self.factor[[i, k]] != 0.0)
                .map(|i| (i, -self.factor[[i, k]]))
                .collect();
            block.push(Row { coefs, rhs: 0.0 });
        }
        base.program.soc.push(block);
        base
    }

    /// `max μᵀw - (δ/2) wᵀΣw - c·Σ|w - w0|`.
    pub fn quadratic_utility(&self, risk_aversion: f64, families: Families) -> Base {
        let (mut base, _) = self.base(families, false);
        base.program.add_quadratic(self.cov, risk_aversion, 0);
        for i in 0..self.n {
            base.program.q[i] = -self.mu[i];
        }
        self.charge_costs(&mut base);
        base
    }

    /// `max μᵀw`, net of costs when `net`: the highest achievable return.
    pub fn max_return(&self, net: bool, families: Families) -> Base {
        let (mut base, _) = self.base(families, false);
        for i in 0..self.n {
            base.program.q[i] = -self.mu[i];
        }
        if net {
            self.charge_costs(&mut base);
        }
        base
    }

    /// Any feasible point: no objective.
    pub fn feasibility(&self, families: Families) -> Base {
        self.base(families, false).0
    }

    /// The homogenised maximum-Sharpe program (PyPortfolioOpt's `max_sharpe`): variables
    /// `y = κw` and `κ ≥ 0`; `min yᵀΣy` subject to `(μ - r)ᵀy = 1`, `Σy = κ` and every
    /// bound scaled by κ. With costs the normalisation is `(μ - r)ᵀy - c·Σt ≥ 1` with
    /// `t ≥ |y - κw0|`: the net Sharpe ratio, still exact.
    /// Returns the program and κ's index.
    pub fn max_sharpe(&self, risk_free_rate: f64, families: Families) -> (Base, usize) {
        // `base` adds κ right after the weights and trades.
        let kappa = if self.constraints.needs_trades() {
            2 * self.n
        } else {
            self.n
        };
        let (mut base, _) = self.base(families, true);
        base.program.add_quadratic(self.cov, 2.0, 0);
        let mut coefs: Vec<(usize, f64)> = (0..self.n)
            .map(|i| (i, self.mu[i] - risk_free_rate))
            .collect();
        let c = self.constraints.cost_rate();
        match base.trades {
            Some(t) if c > 0.0 => {
                for c_i in &mut coefs {
                    c_i.1 = -c_i.1;
                }
                coefs.extend((t..t + self.n).map(|j| (j, c)));
                base.program.le.push(Row { coefs, rhs: -1.0 });
            }
            _ => base.program.eq.push(Row { coefs, rhs: 1.0 }),
        }
        base.program.le.push(Row {
            coefs: vec![(kappa, -1.0)],
            rhs: 0.0,
        });
        (base, kappa)
    }

    /// Rockafellar–Uryasev minimum CVaR (PyPortfolioOpt's `EfficientCVaR.min_cvar`):
    /// `min α + Σu / (T(1-β)) + c·Σ|w - w0|` subject to `u ≥ 0`, `u_s ≥ -r_sᵀw - α`.
    /// Returns the program and α's index.
    pub fn min_cvar(
        &self,
        scenarios: ArrayView2<'_, f64>,
        beta: f64,
        families: Families,
    ) -> (Base, usize) {
        let (mut base, _) = self.base(families, false);
        self.charge_costs(&mut base);
        let p = &mut base.program;
        let alpha = p.add_var();
        p.q[alpha] = 1.0;
        let t_count = scenarios.nrows();
        let weight = 1.0 / (t_count as f64 * (1.0 - beta));
        for r in scenarios.rows() {
            let u = p.add_var();
            p.q[u] = weight;
            p.le.push(Row {
                coefs: vec![(u, -1.0)],
                rhs: 0.0,
            });
            let mut coefs: Vec<(usize, f64)> = r
                .iter()
                .enumerate()
                .filter(|(_, v)| **v != 0.0)
                .map(|(i, v)| (i, -v))
                .collect();
            coefs.push((alpha, -1.0));
            coefs.push((u, -1.0));
            p.le.push(Row { coefs, rhs: 0.0 });
        }
        (base, alpha)
    }
}
