//! The simulation model's assumptions measured from price history: for each basket of assets
//! (an asset class and the holdings in it), the expected annual arithmetic return `mu`, the
//! annual volatility of log returns `sigma` and the correlations of log returns, exactly the
//! quantities `docs/simulation-model.md` takes as input.
//!
//! A basket is held at constant weights (rebalanced daily), so its daily simple return is the
//! weighted sum of its assets' and its log return `ln(1 + r)`. With `m` and `s` the mean and
//! sample standard deviation (ddof 1) of the daily log returns and `P` periods per year:
//!
//! - `sigma = s·√P`;
//! - `mu = exp(P·m + sigma²/2) − 1`, the inverse of the model's monthly drift
//!   `(ln(1 + mu) − sigma²/2) / 12`, so that simulating the measured assumptions reproduces
//!   the measured growth;
//! - correlations are those of the log returns, or, with shrinkage, Ledoit–Wolf's
//!   constant-variance shrinkage applied to the standardised log returns: the correlations move
//!   towards none while every volatility stays as measured (shrinking the covariance itself
//!   would pull a bond fund's volatility towards the equities').

use ndarray::{Array1, Array2, ArrayView2};

use super::estimate::{Columns, EstimateError, simple_returns};

/// How correlations are measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorrelationEstimator {
    /// The sample correlation of the log returns.
    Sample,
    /// Ledoit–Wolf shrinkage of the standardised log returns towards no correlation.
    LedoitWolf,
}

/// Measured assumptions, one entry per basket.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelAssumptions {
    /// Expected annual arithmetic return.
    pub mu: Array1<f64>,
    /// Annual volatility of log returns.
    pub sigma: Array1<f64>,
    /// Correlation of log returns: symmetric, unit diagonal, positive semi-definite.
    pub correlation: Array2<f64>,
    /// The Ledoit–Wolf intensity in `[0, 1]`, when shrinkage was asked for.
    pub shrinkage: Option<f64>,
    /// Daily returns the figures stand on.
    pub observations: usize,
}

/// Measures `baskets` (assets × baskets, each column a set of weights summing to 1) over
/// `prices` (rows = dates ascending, columns = assets).
///
/// # Errors
/// No assets, fewer than 3 rows, a price that is not finite and positive, a basket that is not
/// a set of non-negative weights summing to 1, a bad annualisation factor.
pub fn model_assumptions(
    prices: ArrayView2<'_, f64>,
    baskets: ArrayView2<'_, f64>,
    correlation: CorrelationEstimator,
    periods_per_year: f64,
) -> Result<ModelAssumptions, EstimateError> {
    if !(periods_per_year.is_finite() && periods_per_year > 0.0) {
        return Err(EstimateError::PeriodsPerYear(periods_per_year));
    }
    if prices.ncols() > 0 && prices.nrows() < 3 {
        return Err(EstimateError::TooFewRows {
            estimator: "model assumptions",
            rows: prices.nrows(),
            needed: 3,
        });
    }
    let returns = simple_returns(prices)?;
    if baskets.nrows() != prices.ncols() {
        return Err(EstimateError::Basket(0));
    }
    for (k, column) in baskets.columns().into_iter().enumerate() {
        let valid =
            column.iter().all(|w| w.is_finite() && *w >= 0.0) && (column.sum() - 1.0).abs() <= 1e-9;
        if !valid {
            return Err(EstimateError::Basket(k));
        }
    }
    // Every 1 + r is a positive combination of price ratios, so the logarithm is finite.
    let logs = returns.dot(&baskets).mapv(f64::ln_1p);
    let columns = Columns::new(logs.view());
    let means = columns.means();
    let centred = columns.centred();
    let covariance = centred.sample_covariance();
    let daily_sd = covariance.diag().mapv(f64::sqrt);
    let sigma = &daily_sd * periods_per_year.sqrt();
    let mu = Array1::from_iter(
        means
            .iter()
            .zip(&sigma)
            .map(|(m, s)| (periods_per_year * m + s * s / 2.0).exp_m1()),
    );
    let n = baskets.ncols();
    let (matrix, shrinkage) = match correlation {
        CorrelationEstimator::Sample => (covariance, None),
        CorrelationEstimator::LedoitWolf => {
            let standardised = Columns {
                data: centred
                    .data
                    .iter()
                    .zip(&daily_sd)
                    .map(|(c, sd)| {
                        let scale = if *sd > 0.0 { 1.0 / sd } else { 0.0 };
                        c.iter().map(|x| x * scale).collect()
                    })
                    .collect(),
            };
            let (shrunk, intensity) = standardised.ledoit_wolf();
            (shrunk, Some(intensity))
        }
    };
    let correlation = Array2::from_shape_fn((n, n), |(i, j)| {
        let scale = (matrix[[i, i]] * matrix[[j, j]]).sqrt();
        if i == j {
            1.0
        } else if scale > 0.0 {
            (matrix[[i, j]] / scale).clamp(-1.0, 1.0)
        } else {
            // A basket that never moved is correlated with nothing.
            0.0
        }
    });
    Ok(ModelAssumptions {
        mu,
        sigma,
        correlation,
        shrinkage,
        observations: returns.nrows(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn one_asset_by_hand() {
        // Log returns ln 1.1, ln 0.9, ln 1.2: mean and sd worked out below without the module.
        let prices = array![[100.0], [110.0], [99.0], [118.8]];
        let logs = [1.1_f64.ln(), 0.9_f64.ln(), 1.2_f64.ln()];
        let m = logs.iter().sum::<f64>() / 3.0;
        let var = logs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / 2.0;
        let a = model_assumptions(
            prices.view(),
            array![[1.0]].view(),
            CorrelationEstimator::Sample,
            252.0,
        )
        .expect("assumptions");
        let sigma = (var * 252.0).sqrt();
        assert!((a.sigma[0] - sigma).abs() < 1e-12);
        // Large daily moves make a large annual figure: compare relatively.
        let mu = (252.0 * m + sigma * sigma / 2.0).exp() - 1.0;
        assert!((a.mu[0] / mu - 1.0).abs() < 1e-12);
        assert_eq!(a.correlation, array![[1.0]]);
        assert_eq!(a.observations, 3);
    }

    #[test]
    fn a_basket_is_its_constant_mix() {
        // Two assets held half and half: the basket's daily return is the mean of theirs.
        let prices = array![[10.0, 20.0], [11.0, 19.0], [10.5, 21.0], [12.0, 20.0]];
        let basket = array![[0.5], [0.5]];
        let mixed = model_assumptions(
            prices.view(),
            basket.view(),
            CorrelationEstimator::Sample,
            252.0,
        )
        .expect("basket");
        let r = simple_returns(prices.view()).expect("returns");
        let mut index = vec![1.0];
        for t in 0..r.nrows() {
            let last = index[index.len() - 1];
            index.push(last * (1.0 + 0.5 * r[[t, 0]] + 0.5 * r[[t, 1]]));
        }
        let single = model_assumptions(
            Array2::from_shape_vec((4, 1), index).expect("shape").view(),
            array![[1.0]].view(),
            CorrelationEstimator::Sample,
            252.0,
        )
        .expect("single");
        assert!((mixed.mu[0] / single.mu[0] - 1.0).abs() < 1e-12);
        assert!((mixed.sigma[0] / single.sigma[0] - 1.0).abs() < 1e-12);
    }

    /// Prices of assets whose daily log returns are normal with the model's drift for `mu`,
    /// volatility `sigma` and correlation `rho` between the two.
    fn model_prices(mu: [f64; 2], sigma: [f64; 2], rho: f64, days: usize) -> Array2<f64> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let mut prices = Array2::zeros((days + 1, 2));
        prices[[0, 0]] = 100.0;
        prices[[0, 1]] = 100.0;
        let dt = 1.0 / 252.0;
        for t in 0..days {
            let z0: f64 = StandardNormal.sample(&mut rng);
            let z1: f64 = StandardNormal.sample(&mut rng);
            let z = [z0, rho * z0 + (1.0 - rho * rho).sqrt() * z1];
            for j in 0..2 {
                let drift = ((1.0 + mu[j]).ln() - sigma[j] * sigma[j] / 2.0) * dt;
                prices[[t + 1, j]] = prices[[t, j]] * (drift + sigma[j] * dt.sqrt() * z[j]).exp();
            }
        }
        prices
    }

    #[test]
    fn recovers_the_parameters_that_made_the_prices() {
        let days = 252 * 400;
        let prices = model_prices([0.07, 0.03], [0.16, 0.05], 0.3, days);
        let a = model_assumptions(
            prices.view(),
            Array2::eye(2).view(),
            CorrelationEstimator::Sample,
            252.0,
        )
        .expect("assumptions");
        let years = days as f64 / 252.0;
        for (j, (mu, sigma)) in [(0.07, 0.16), (0.03, 0.05)].into_iter().enumerate() {
            // Four standard errors of the annual log mean, and of a standard deviation.
            let mu_tolerance = 4.0 * sigma / years.sqrt() * (1.0 + mu);
            assert!((a.mu[j] - mu).abs() < mu_tolerance, "mu[{j}] = {}", a.mu[j]);
            assert!((a.sigma[j] / sigma - 1.0).abs() < 4.0 / (2.0 * days as f64).sqrt());
        }
        assert!((a.correlation[[0, 1]] - 0.3).abs() < 4.0 * (1.0 - 0.09) / (days as f64).sqrt());
        assert_eq!(a.correlation[[0, 1]], a.correlation[[1, 0]]);
    }

    #[test]
    fn shrinkage_pulls_correlations_towards_none_and_keeps_volatilities() {
        let prices = model_prices([0.07, 0.05], [0.2, 0.1], 0.6, 60);
        let run = |c| {
            model_assumptions(prices.view(), Array2::eye(2).view(), c, 252.0).expect("assumptions")
        };
        let (sample, shrunk) = (
            run(CorrelationEstimator::Sample),
            run(CorrelationEstimator::LedoitWolf),
        );
        let intensity = shrunk.shrinkage.expect("an intensity");
        assert!(intensity > 0.0 && intensity <= 1.0);
        assert!(shrunk.correlation[[0, 1]].abs() < sample.correlation[[0, 1]].abs());
        assert!(
            (shrunk.correlation[[0, 1]] - (1.0 - intensity) * sample.correlation[[0, 1]]).abs()
                < 1e-9
        );
        assert_eq!(shrunk.sigma, sample.sigma);
        assert_eq!(shrunk.mu, sample.mu);
        assert_eq!(sample.shrinkage, None);
    }

    #[test]
    fn a_flat_basket_is_uncorrelated() {
        let prices = array![[10.0, 5.0], [11.0, 5.0], [10.0, 5.0], [12.0, 5.0]];
        let a = model_assumptions(
            prices.view(),
            Array2::eye(2).view(),
            CorrelationEstimator::Sample,
            252.0,
        )
        .expect("assumptions");
        assert_eq!(a.sigma[1], 0.0);
        assert_eq!(a.mu[1], 0.0);
        assert_eq!(a.correlation, array![[1.0, 0.0], [0.0, 1.0]]);
    }

    #[test]
    fn refuses_what_is_not_a_basket() {
        let prices = array![[10.0, 20.0], [11.0, 19.0], [10.5, 21.0]];
        for (baskets, column) in [
            (array![[0.5, 1.0], [0.4, 0.0]], 0),
            (array![[1.0, 1.5], [0.0, -0.5]], 1),
            (array![[f64::NAN], [1.0]], 0),
        ] {
            let err = model_assumptions(
                prices.view(),
                baskets.view(),
                CorrelationEstimator::Sample,
                252.0,
            )
            .expect_err("not a basket");
            assert_eq!(err, EstimateError::Basket(column));
        }
        let err = model_assumptions(
            prices.view().split_at(ndarray::Axis(0), 2).0,
            Array2::eye(2).view(),
            CorrelationEstimator::Sample,
            252.0,
        )
        .expect_err("two rows");
        assert!(matches!(err, EstimateError::TooFewRows { needed: 3, .. }));
    }
}
