//! The embedded default feed: correlated geometric Brownian motion.
//!
//! Every symbol's log return over a step of `dt` years is
//! (mu - sigma²/2) dt + sigma sqrt(dt) (sqrt(rho) Z_market + sqrt(1 - rho) Z_symbol),
//! so any two symbols' returns have correlation `rho` through one common market factor.

use std::time::Duration;

use actix::{Actor, ActorContext, AsyncContext, Context, Handler, Recipient};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::{StopFeed, now_ms};
use crate::market::{Tick, Ticks};

/// Trading seconds in a year (252 days of 6.5 hours): converts tick intervals to `dt`.
pub const TRADING_SECONDS_PER_YEAR: f64 = 252.0 * 6.5 * 3600.0;

/// One simulated instrument.
#[derive(Debug, Clone, PartialEq)]
pub struct SymbolSpec {
    /// Upper-case symbol.
    pub symbol: String,
    /// Price at start.
    pub initial_price: f64,
    /// Annual drift.
    pub drift: f64,
    /// Annual volatility.
    pub volatility: f64,
}

/// How the synthetic feed behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticConfig {
    /// The instruments.
    pub symbols: Vec<SymbolSpec>,
    /// Pairwise correlation of log returns, 0 to 1.
    pub correlation: f64,
    /// Time between ticks (one tick per symbol each time).
    pub interval: Duration,
    /// Market time per tick as a multiple of `interval`: 1 is real time, 3600 an hour a second.
    pub speedup: f64,
    /// Fixes the price paths.
    pub seed: u64,
}

/// The price generator, separate from the actor so it can be tested and benchmarked alone.
#[derive(Debug, Clone)]
pub struct Gbm {
    config: SyntheticConfig,
    prices: Vec<f64>,
    rng: Xoshiro256PlusPlus,
    dt: f64,
}

impl Gbm {
    /// Starts every symbol at its initial price.
    #[must_use]
    pub fn new(config: SyntheticConfig) -> Self {
        let dt = config.interval.as_secs_f64() * config.speedup / TRADING_SECONDS_PER_YEAR;
        Self {
            prices: config.symbols.iter().map(|s| s.initial_price).collect(),
            rng: Xoshiro256PlusPlus::seed_from_u64(config.seed),
            dt,
            config,
        }
    }

    /// Advances one step and returns a tick per symbol, stamped `ts_ms`.
    pub fn step(&mut self, ts_ms: i64) -> Vec<Tick> {
        let rho = self.config.correlation.clamp(0.0, 1.0);
        let market: f64 = StandardNormal.sample(&mut self.rng);
        let sqrt_dt = self.dt.sqrt();
        let mut ticks = Vec::with_capacity(self.prices.len());
        for (spec, price) in self.config.symbols.iter().zip(self.prices.iter_mut()) {
            let own: f64 = StandardNormal.sample(&mut self.rng);
            let z = rho.sqrt() * market + (1.0 - rho).sqrt() * own;
            let sigma = spec.volatility;
            *price *= ((spec.drift - sigma * sigma / 2.0) * self.dt + sigma * sqrt_dt * z).exp();
            ticks.push(Tick {
                symbol: spec.symbol.clone(),
                price: *price,
                ts_ms,
            });
        }
        ticks
    }
}

/// The feed actor: one [`Gbm::step`] per interval, sent to `target` as one batch (a market
/// move).
pub struct SyntheticFeed {
    gbm: Gbm,
    interval: Duration,
    target: Recipient<Ticks>,
}

impl SyntheticFeed {
    /// A feed sending to `target` (normally the price hub).
    #[must_use]
    pub fn new(config: SyntheticConfig, target: Recipient<Ticks>) -> Self {
        Self {
            interval: config.interval,
            gbm: Gbm::new(config),
            target,
        }
    }
}

impl Actor for SyntheticFeed {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(self.interval, |feed, _| {
            feed.target.do_send(Ticks(feed.gbm.step(now_ms())));
        });
    }
}

impl Handler<StopFeed> for SyntheticFeed {
    type Result = ();

    fn handle(&mut self, _: StopFeed, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(seed: u64) -> SyntheticConfig {
        SyntheticConfig {
            symbols: ["AAA", "BBB"]
                .iter()
                .map(|s| SymbolSpec {
                    symbol: (*s).into(),
                    initial_price: 100.0,
                    drift: 0.05,
                    volatility: 0.3,
                })
                .collect(),
            correlation: 0.8,
            interval: Duration::from_secs(1),
            speedup: 3600.0,
            seed,
        }
    }

    #[test]
    fn paths_are_seeded_positive_and_correlated_as_configured() {
        let mut a = Gbm::new(config(1));
        let mut b = Gbm::new(config(1));
        let mut c = Gbm::new(config(2));
        let (mut prev, mut xs, mut ys) = (vec![100.0, 100.0], Vec::new(), Vec::new());
        for _ in 0..5000 {
            let ticks = a.step(0);
            assert_eq!(ticks, b.step(0), "same seed, same prices");
            assert!(ticks.iter().all(|t| t.price > 0.0 && t.price.is_finite()));
            xs.push((ticks[0].price / prev[0]).ln());
            ys.push((ticks[1].price / prev[1]).ln());
            prev = vec![ticks[0].price, ticks[1].price];
        }
        assert_ne!(c.step(0)[0].price, Gbm::new(config(1)).step(0)[0].price);
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let (mx, my) = (mean(&xs), mean(&ys));
        let cov: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
        let vx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
        let vy: f64 = ys.iter().map(|y| (y - my).powi(2)).sum();
        let corr = cov / (vx * vy).sqrt();
        assert!((corr - 0.8).abs() < 0.03, "empirical correlation {corr}");
    }
}
