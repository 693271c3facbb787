//! Criterion benchmarks of the portfolio optimiser on the S&P 500 sample: all 20 assets over
//! the window of the PyPortfolioOpt reference, 2017-12-28..2022-12-28 (1,259 daily closes).
//!
//! `engine/tests/reference/pypfopt_timing.py` times PyPortfolioOpt on the same data for the
//! same operations, and `engine/benches/optimise_vs_pypfopt.sh` runs both and sets the
//! medians side by side. Every solve starts from the prices' estimates (sample covariance),
//! and each iteration does the whole call a caller makes: validation, formulation, solve.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use engine::optimise::{
    Constraints, CovarianceEstimator, Estimators, Market, Objective, Options, ReturnEstimator,
    estimate, frontier, optimise,
};

/// The reference's settings (`pypfopt_reference.py`).
const RISK_FREE_RATE: f64 = 0.02;
const TARGET_RETURN: f64 = 0.20;
const EWMA_RETURN_SPAN: f64 = 500.0;
const EWMA_COV_SPAN: f64 = 180.0;
const FRONTIER_POINTS: usize = 50;

fn estimators(returns: ReturnEstimator, covariance: CovarianceEstimator) -> Estimators {
    Estimators {
        returns,
        covariance,
        ..Estimators::default()
    }
}

fn estimators_bench(c: &mut Criterion) {
    let (_, prices) = support::sp500_window(support::WINDOW.0, support::WINDOW.1);
    assert_eq!(prices.dim(), (1_259, 20), "20 assets, 1,259 closes");
    let mut group = c.benchmark_group("estimate");
    for (id, chosen) in [
        (
            "mean_sample",
            estimators(ReturnEstimator::Mean, CovarianceEstimator::Sample),
        ),
        (
            "mean_ledoit_wolf",
            estimators(ReturnEstimator::Mean, CovarianceEstimator::LedoitWolf),
        ),
        (
            "ewma",
            estimators(
                ReturnEstimator::Ewma {
                    span: EWMA_RETURN_SPAN,
                },
                CovarianceEstimator::Ewma {
                    span: EWMA_COV_SPAN,
                },
            ),
        ),
    ] {
        group.bench_function(id, |b| {
            b.iter(|| estimate(black_box(prices.view()), &chosen).unwrap());
        });
    }
    group.finish();
}

fn solves_bench(c: &mut Criterion) {
    let (_, prices) = support::sp500_window(support::WINDOW.0, support::WINDOW.1);
    let est = estimate(prices.view(), &Estimators::default()).unwrap();
    let market = Market {
        expected_returns: est.expected_returns.view(),
        covariance: est.covariance.view(),
        scenarios: None,
    };
    let constraints = Constraints::default();
    let options = Options {
        risk_free_rate: RISK_FREE_RATE,
    };
    let solve = |objective: &Objective| optimise(&market, objective, &constraints, &options);

    // What is being timed, once, so that a run shows it solves what it claims to.
    let least = solve(&Objective::MinVariance).unwrap();
    let sharpe = solve(&Objective::MaxSharpe).unwrap();
    let target = solve(&Objective::EfficientReturn {
        target_return: TARGET_RETURN,
    })
    .unwrap();
    let curve = frontier(&market, &constraints, &options, FRONTIER_POINTS).unwrap();
    eprintln!(
        "min variance: return {:.6}, volatility {:.6} ({} iterations); max Sharpe: {:.6} \
         ({} iterations); efficient return {TARGET_RETURN}: volatility {:.6} ({} iterations); \
         frontier: {} points, targets {:.6}..{:.6}, {} iterations in all",
        least.expected_return,
        least.volatility,
        least.iterations,
        sharpe.sharpe,
        sharpe.iterations,
        target.volatility,
        target.iterations,
        curve.points.len(),
        curve.targets[0],
        curve.targets[FRONTIER_POINTS - 1],
        curve.points.iter().map(|p| p.iterations).sum::<u32>(),
    );

    let mut group = c.benchmark_group("optimise");
    group.bench_function("min_variance", |b| {
        b.iter(|| solve(black_box(&Objective::MinVariance)).unwrap());
    });
    group.bench_function("max_sharpe", |b| {
        b.iter(|| solve(black_box(&Objective::MaxSharpe)).unwrap());
    });
    group.bench_function("efficient_return", |b| {
        b.iter(|| {
            solve(black_box(&Objective::EfficientReturn {
                target_return: TARGET_RETURN,
            }))
            .unwrap()
        });
    });
    group.finish();

    let mut group = c.benchmark_group("frontier");
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("50", |b| {
        b.iter(|| frontier(black_box(&market), &constraints, &options, FRONTIER_POINTS).unwrap());
    });
    // The same points the way a caller without `frontier` would find them: the
    // minimum-variance solve, then 50 separate calls, each building and solving its own
    // program (and its own highest-return check).
    group.bench_function("50_by_optimise", |b| {
        b.iter(|| {
            let least = solve(black_box(&Objective::MinVariance)).unwrap();
            let points: Vec<_> = curve
                .targets
                .iter()
                .map(|&target_return| {
                    solve(black_box(&Objective::EfficientReturn { target_return })).unwrap()
                })
                .collect();
            (least, points)
        });
    });
    group.finish();
}

criterion_group!(benches, estimators_bench, solves_bench);
criterion_main!(benches);
