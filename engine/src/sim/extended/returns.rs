//! The month's gross return under each return model, and the month's inflation.

use rand::RngExt;
use rand_distr::{ChiSquared, Distribution};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::super::Model;
use super::super::exp::exp_in_place;
use super::super::kernel::{BLOCK, Returns};
use super::super::normal;
use super::super::plan::{MAX_ASSETS, PlanError};
use super::{InflationModel, ReturnModel};

/// A regime's returns relative to the plan's assumptions, in units of each class's monthly
/// volatility: log return = m_i + sd_i · (`drift_shift` + `volatility_multiplier` · z_i).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Regime {
    /// Added to the drift, in monthly standard deviations.
    pub drift_shift: f64,
    /// Multiplies the volatility.
    pub volatility_multiplier: f64,
}

/// Two regimes and the monthly chances of leaving each. Every asset class shares the
/// regime (crises hit everything at once).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RegimeSwitching {
    /// Calm.
    pub calm: Regime,
    /// Stressed.
    pub stressed: Regime,
    /// Chance per month of going from calm to stressed.
    pub to_stressed: f64,
    /// Chance per month of going from stressed to calm.
    pub to_calm: f64,
}

impl RegimeSwitching {
    /// The shape of Hardy's two-regime lognormal model fitted to monthly TSE 300 total
    /// returns, 1956–1999 (M. R. Hardy, "A Regime-Switching Model of Long-Term Stock
    /// Returns", North American Actuarial Journal 5(2), 2001, Table 3): regime 1 mean
    /// 0.0123, sd 0.0347; regime 2 mean −0.0157, sd 0.0778; p12 = 0.0371, p21 = 0.2101.
    ///
    /// Hardy's means and volatilities are those of one Canadian index, so they are not used
    /// as they stand: they are standardised by the stationary mixture's own mean and
    /// volatility. The plan's drift and volatility then stay each class's long-run ones
    /// (the mixture has mean shift 0 and variance 1 in those units), and the model adds only
    /// what regimes bring: calm stretches, clustered crises, fat tails.
    #[must_use]
    pub fn hardy_2001() -> Self {
        let (mean1, sd1, mean2, sd2) = (0.0123_f64, 0.0347_f64, -0.0157_f64, 0.0778_f64);
        let (p12, p21) = (0.0371, 0.2101);
        let calm_share = p21 / (p12 + p21);
        let stressed_share = 1.0 - calm_share;
        let mean = calm_share * mean1 + stressed_share * mean2;
        let variance = calm_share * (sd1 * sd1 + (mean1 - mean).powi(2))
            + stressed_share * (sd2 * sd2 + (mean2 - mean).powi(2));
        let sd = variance.sqrt();
        Self {
            calm: Regime {
                drift_shift: (mean1 - mean) / sd,
                volatility_multiplier: sd1 / sd,
            },
            stressed: Regime {
                drift_shift: (mean2 - mean) / sd,
                volatility_multiplier: sd2 / sd,
            },
            to_stressed: p12,
            to_calm: p21,
        }
    }

    /// The long-run share of months spent stressed.
    #[must_use]
    pub fn stressed_share(&self) -> f64 {
        let leave = self.to_stressed + self.to_calm;
        if leave > 0.0 {
            self.to_stressed / leave
        } else {
            0.0
        }
    }
}

impl Default for RegimeSwitching {
    fn default() -> Self {
        Self::hardy_2001()
    }
}

/// A return model ready to draw: what does not change from path to path.
#[derive(Debug, Clone)]
pub(super) enum Prepared {
    Lognormal,
    StudentT {
        chi: ChiSquared<f64>,
        df: f64,
    },
    Bootstrap {
        history: Vec<Vec<f64>>,
        block: u32,
        /// Mean and volatility of the first class's history: its standardised return is
        /// the shock stochastic inflation is correlated with.
        first_mean: f64,
        first_sd: f64,
    },
    Regime(RegimeSwitching),
}

impl Prepared {
    /// A checked model ready to draw.
    ///
    /// # Errors
    /// Degrees of freedom the chi-squared distribution refuses (validation refuses them
    /// first).
    pub(super) fn new(model: &ReturnModel) -> Result<Self, PlanError> {
        Ok(match model {
            ReturnModel::Lognormal => Self::Lognormal,
            ReturnModel::StudentT { df } => Self::StudentT {
                chi: ChiSquared::new(*df).map_err(|_| PlanError::OutOfRange {
                    field: "return_model.df".into(),
                    message: "must be greater than 2".into(),
                })?,
                df: *df,
            },
            ReturnModel::Bootstrap {
                history,
                block_months,
            } => {
                let first: Vec<f64> = history.iter().map(|row| row[0]).collect();
                #[allow(clippy::cast_precision_loss)]
                let count = first.len() as f64;
                let mean = first.iter().sum::<f64>() / count;
                let variance = first.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / count;
                Self::Bootstrap {
                    history: history.clone(),
                    block: *block_months,
                    first_mean: mean,
                    first_sd: variance.sqrt(),
                }
            }
            ReturnModel::RegimeSwitching(regimes) => Self::Regime(*regimes),
        })
    }
}

/// The constants of the month's return, shared by every path.
#[derive(Debug, Clone)]
pub(super) struct Constants {
    pub assets: usize,
    pub drift: Vec<f64>,
    /// Row-major lower-triangular factor of the monthly covariance (the base model's).
    pub factor: Vec<f64>,
    /// Each class's monthly volatility, sigma_i / sqrt 12.
    pub monthly_sd: Vec<f64>,
    pub fee_factor: f64,
    pub returns: Prepared,
    pub inflation: InflationModel,
    /// The plan's constant annual inflation (the stochastic model's mean).
    pub mean_inflation: f64,
}

/// Where a path's months come from: each call is the next month.
pub(super) trait MonthGrowth {
    /// The month's growth factor G_t (1 − f)^(1/12) with `weights`, and the shock inflation
    /// is correlated with.
    fn growth(&mut self, weights: &[f64]) -> (f64, f64);
    /// The month's price rise under stochastic inflation, given that shock.
    fn price_rise(&mut self, shock: f64) -> f64;
}

/// The base model's kernel (`sim/kernel.rs`), a year of months at a time: for lognormal
/// returns on fixed weights with constant inflation, the same factors as [`Draws`] bit for bit
/// (both are the kernel's arithmetic), drawn with its vectorised `exp` across months.
pub(super) struct KernelGrowth<const N: usize> {
    returns: Returns<N>,
    block: [f64; BLOCK],
    next: usize,
}

impl<const N: usize> KernelGrowth<N> {
    pub(super) fn new(model: &Model, main: Xoshiro256PlusPlus) -> Self {
        Self {
            returns: Returns::new(model, main),
            block: [0.0; BLOCK],
            next: BLOCK,
        }
    }
}

impl<const N: usize> MonthGrowth for KernelGrowth<N> {
    #[inline]
    fn growth(&mut self, _weights: &[f64]) -> (f64, f64) {
        if self.next == BLOCK {
            self.returns.next_block(&mut self.block);
            self.next = 0;
        }
        let g = self.block[self.next];
        self.next += 1;
        (g, 0.0)
    }

    fn price_rise(&mut self, _shock: f64) -> f64 {
        1.0
    }
}

impl MonthGrowth for Draws<'_> {
    #[inline]
    fn growth(&mut self, weights: &[f64]) -> (f64, f64) {
        Draws::growth(self, weights)
    }

    fn price_rise(&mut self, shock: f64) -> f64 {
        Draws::price_rise(self, shock)
    }
}

/// One path's draws: the base model's stream for the returns' normals, a second stream for
/// everything else.
pub(super) struct Draws<'a> {
    constants: &'a Constants,
    main: Xoshiro256PlusPlus,
    aux: Xoshiro256PlusPlus,
    z: [f64; MAX_ASSETS],
    x: [f64; MAX_ASSETS],
    stressed: bool,
    /// The bootstrap's position in history and the months left in its block.
    position: usize,
    left_in_block: u32,
    /// Last month's annual inflation rate.
    inflation: f64,
}

impl<'a> Draws<'a> {
    pub(super) fn new(
        constants: &'a Constants,
        main: Xoshiro256PlusPlus,
        mut aux: Xoshiro256PlusPlus,
    ) -> Self {
        let stressed = match &constants.returns {
            // Start from the chain's long-run distribution.
            Prepared::Regime(regimes) => aux.random::<f64>() < regimes.stressed_share(),
            _ => false,
        };
        Self {
            constants,
            main,
            aux,
            z: [0.0; MAX_ASSETS],
            x: [0.0; MAX_ASSETS],
            stressed,
            position: 0,
            left_in_block: 0,
            inflation: constants.mean_inflation,
        }
    }

    /// Month t's growth factor G_t (1 − f)^(1/12) with `weights`, and the shock inflation is
    /// correlated with (see [`MonthGrowth`]).
    ///
    /// For the lognormal model the arithmetic is the kernel's (`sim/kernel.rs`) in the same
    /// order, with the same `exp`, so the factor is the base model's bit for bit.
    #[inline]
    pub(super) fn growth(&mut self, weights: &[f64]) -> (f64, f64) {
        let c = self.constants;
        let n = c.assets;
        let shock = match &c.returns {
            Prepared::Lognormal => {
                self.draw_normals(n);
                for i in 0..n {
                    let mut x = c.drift[i];
                    for k in 0..=i {
                        x += c.factor[i * n + k] * self.z[k];
                    }
                    self.x[i] = x;
                }
                self.z[0]
            }
            Prepared::StudentT { chi, df } => {
                self.draw_normals(n);
                // x = m + sqrt((df − 2) / V) · L z, V ~ chi²(df): a multivariate t whose
                // covariance is the base model's.
                let v = chi.sample(&mut self.aux);
                let scale = ((df - 2.0) / v).sqrt();
                for i in 0..n {
                    self.x[i] = c.drift[i] + scale * self.correlated(i);
                }
                self.z[0]
            }
            Prepared::Regime(regimes) => {
                self.draw_normals(n);
                let leave = if self.stressed {
                    regimes.to_calm
                } else {
                    regimes.to_stressed
                };
                if self.aux.random::<f64>() < leave {
                    self.stressed = !self.stressed;
                }
                let regime = if self.stressed {
                    regimes.stressed
                } else {
                    regimes.calm
                };
                for i in 0..n {
                    self.x[i] = c.drift[i]
                        + c.monthly_sd[i] * regime.drift_shift
                        + regime.volatility_multiplier * self.correlated(i);
                }
                self.z[0]
            }
            Prepared::Bootstrap {
                history,
                block,
                first_mean,
                first_sd,
            } => {
                if self.left_in_block == 0 {
                    self.position = self.aux.random_range(0..history.len());
                    self.left_in_block = *block;
                }
                let row = &history[self.position];
                self.x[..n].copy_from_slice(row);
                self.position = (self.position + 1) % history.len();
                self.left_in_block -= 1;
                if *first_sd > 0.0 {
                    (row[0] - first_mean) / first_sd
                } else {
                    0.0
                }
            }
        };
        exp_in_place(&mut self.x[..n]);
        let mut g = 0.0;
        for (w, e) in weights.iter().zip(&self.x[..n]) {
            g += w * e;
        }
        (g * c.fee_factor, shock)
    }

    /// Month t's price rise (1 + i_t)^(1/12) under the stochastic model, given the returns'
    /// shock. The constant model never calls this: its index is the base model's table.
    #[inline]
    pub(super) fn price_rise(&mut self, shock: f64) -> f64 {
        let InflationModel::Stochastic {
            volatility,
            persistence,
            correlation,
        } = self.constants.inflation
        else {
            return 1.0;
        };
        let own = normal::next(&mut self.aux);
        let e = correlation * shock + (1.0 - correlation * correlation).sqrt() * own;
        let mean = self.constants.mean_inflation;
        self.inflation = mean
            + persistence * (self.inflation - mean)
            + volatility * (1.0 - persistence * persistence).sqrt() * e;
        (1.0 + self.inflation.max(-0.99)).powf(1.0 / 12.0)
    }

    fn draw_normals(&mut self, n: usize) {
        for zk in &mut self.z[..n] {
            *zk = normal::next(&mut self.main);
        }
    }

    /// (L z)_i: class i's correlated shock, with standard deviation its monthly volatility.
    fn correlated(&self, i: usize) -> f64 {
        let c = self.constants;
        let n = c.assets;
        let mut y = 0.0;
        for k in 0..=i {
            y += c.factor[i * n + k] * self.z[k];
        }
        y
    }
}
