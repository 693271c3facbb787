//! The committed default model (`models/success.json`) against what its card publishes: a
//! fresh held-out sample meets the accuracy target, and its coefficients are what its card's
//! training sample fits.
#![allow(clippy::unwrap_used)]

use engine::ml::metrics::evaluate;
use engine::ml::train::HELD_OUT_PATHS;
use engine::ml::{DEFAULT_RANGES, ModelFile, Surrogate, TrainingOptions, sample_plans, train};

const COMMITTED: &str = include_str!("../../models/success.json");
/// The target for the mean absolute error against 10,000-path runs.
const TARGET_MAE: f64 = 0.02;

#[test]
fn the_committed_model_meets_its_published_accuracy_on_plans_it_never_saw() {
    let file = ModelFile::from_json(COMMITTED).unwrap();
    let published = &file.card.metrics;
    assert!(published.mean_absolute_error <= TARGET_MAE);
    // 80 plans (8 a decile) at 10,000 paths: a few seconds; seeds unlike the card's.
    let plans = sample_plans(&DEFAULT_RANGES, 7_777, 80);
    let fresh = evaluate(&file.surrogate(), &plans, HELD_OUT_PATHS, 99_000_000).unwrap();
    assert!(
        fresh.mean_absolute_error <= TARGET_MAE,
        "fresh MAE {}",
        fresh.mean_absolute_error
    );
    // The published figure came from 500 plans; 80 vary around it.
    assert!(
        fresh.mean_absolute_error <= published.mean_absolute_error + 0.005,
        "fresh MAE {} against the published {}",
        fresh.mean_absolute_error,
        published.mean_absolute_error
    );
    for bin in &fresh.calibration {
        assert!(
            (bin.predicted - bin.simulated).abs() <= 0.03,
            "decile {bin:?} is miscalibrated"
        );
    }
}

#[test]
fn the_committed_coefficients_are_what_the_card_s_training_sample_fits() {
    let file = ModelFile::from_json(COMMITTED).unwrap();
    let t = &file.card.training;
    let plans = sample_plans(&DEFAULT_RANGES, t.plan_seed, t.plans);
    let fitted = Surrogate::train(&plans, t.paths_per_plan, t.simulation_seed).unwrap();
    assert_eq!(fitted, file.surrogate());
    let ranges: Vec<(String, f64, f64)> = file
        .card
        .ranges
        .iter()
        .map(|r| (r.name.clone(), r.low, r.high))
        .collect();
    let documented: Vec<(String, f64, f64)> = DEFAULT_RANGES
        .rows()
        .into_iter()
        .map(|(n, l, h)| (n.to_owned(), l, h))
        .collect();
    assert_eq!(ranges, documented);
}

#[test]
fn the_same_seed_and_date_train_the_same_file() {
    let options = TrainingOptions {
        seed: 5,
        plans: 80,
        paths_per_plan: 40,
        held_out_plans: 10,
        ranges: DEFAULT_RANGES,
        trained_on: "2026-12-07".into(),
    };
    let first = train(&options).unwrap().to_json();
    assert_eq!(first, train(&options).unwrap().to_json());
    let other = train(&TrainingOptions { seed: 6, ..options })
        .unwrap()
        .to_json();
    assert_ne!(first, other);
}
