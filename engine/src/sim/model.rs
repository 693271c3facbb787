//! The plan turned into per-month constants (spec: "Returns", "Fees and inflation").

use super::plan::{Plan, PlanError};

/// Everything the month loop needs, precomputed once per plan.
#[derive(Debug, Clone)]
pub struct Model {
    /// Number of asset classes.
    pub assets: usize,
    /// m_i = (ln(1 + mu_i) - sigma_i² / 2) / 12.
    pub drift: Vec<f64>,
    /// Lower-triangular factor of S = rho_ij sigma_i sigma_j / 12, row-major n×n.
    pub factor: Vec<f64>,
    /// Target weights.
    pub weights: Vec<f64>,
    /// (1 - f)^(1/12).
    pub fee_factor: f64,
    /// W_0.
    pub initial_wealth: f64,
    /// Net nominal cash flow of month t (contribution minus withdrawal, inflation-scaled).
    pub flows: Vec<f64>,
    /// (1 + pi)^(t/12) for t = 0..=T: divides nominal wealth into today's money.
    pub price_index: Vec<f64>,
    /// T.
    pub horizon: usize,
}

impl Model {
    /// Validates the plan and precomputes its constants.
    ///
    /// # Errors
    /// The plan's first invalid field.
    pub fn new(plan: &Plan) -> Result<Self, PlanError> {
        let rho_factor = plan.check()?;
        let n = plan.assets.len();
        let monthly_sd: Vec<f64> = plan.assets.iter().map(|a| a.sigma / 12f64.sqrt()).collect();
        let mut factor = vec![0.0; n * n];
        for i in 0..n {
            for k in 0..=i {
                // L_S = diag(sigma / sqrt 12) · L_rho, so L_S L_Sᵀ = S.
                factor[i * n + k] = monthly_sd[i] * rho_factor[i][k];
            }
        }
        let horizon = plan.horizon_months as usize;
        let price_index: Vec<f64> = (0..=horizon)
            .map(|t| (1.0 + plan.annual_inflation).powf(t as f64 / 12.0))
            .collect();
        let retirement = plan.retirement_month as usize;
        let flows = (0..horizon)
            .map(|t| {
                let today = if t < retirement {
                    plan.monthly_contribution
                } else {
                    -plan.monthly_spending
                };
                today * price_index[t]
            })
            .collect();
        Ok(Self {
            assets: n,
            drift: plan
                .assets
                .iter()
                .map(|a| ((1.0 + a.mu).ln() - a.sigma * a.sigma / 2.0) / 12.0)
                .collect(),
            factor,
            weights: plan.weights.clone(),
            fee_factor: (1.0 - plan.annual_fee).powf(1.0 / 12.0),
            initial_wealth: plan.initial_wealth,
            flows,
            price_index,
            horizon,
        })
    }

    /// Number of whole years in the horizon: the points of the fan chart.
    #[must_use]
    pub fn years(&self) -> usize {
        self.horizon / 12
    }

    /// The month's gross portfolio return G = sum_i w_i exp(x_i), x = m + L z.
    #[inline]
    #[must_use]
    pub fn gross_return(&self, z: &[f64]) -> f64 {
        let n = self.assets;
        let mut g = 0.0;
        for i in 0..n {
            let row = &self.factor[i * n..i * n + i + 1];
            let mut x = self.drift[i];
            for (l, zk) in row.iter().zip(z) {
                x += l * zk;
            }
            g += self.weights[i] * x.exp();
        }
        g
    }
}
