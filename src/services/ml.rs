//! The success surrogate's card, as `GET /ml/model` answers it.

use engine::ml::file::{RangeRow, Sample};
use protocol::ml::{CalibrationDecile, ModelCard, ModelMetrics, ModelRange, ModelSample};

use crate::ml::SuccessModel;

fn sample(s: &Sample) -> ModelSample {
    ModelSample {
        plans: s.plans as u64,
        paths_per_plan: s.paths_per_plan,
        plan_seed: s.plan_seed,
        simulation_seed: s.simulation_seed,
    }
}

fn range(r: &RangeRow) -> ModelRange {
    ModelRange {
        name: r.name.clone(),
        low: r.low,
        high: r.high,
    }
}

/// The loaded model's card.
#[must_use]
pub fn model_card(model: &SuccessModel) -> ModelCard {
    let file = &model.file;
    let card = &file.card;
    let m = &card.metrics;
    ModelCard {
        algorithm: card.algorithm.clone(),
        format: file.format.clone(),
        version: file.version,
        source: model.source.clone(),
        features: file.features.clone(),
        intercept: file.intercept,
        coefficients: file.coefficients.clone(),
        trained_on: card.trained_on.clone(),
        seed: card.seed,
        engine_version: card.engine_version.clone(),
        training: sample(&card.training),
        held_out: sample(&card.held_out),
        ranges: card.ranges.iter().map(range).collect(),
        metrics: ModelMetrics {
            mean_absolute_error: m.mean_absolute_error,
            max_absolute_error: m.max_absolute_error,
            mean_absolute_error_uncertain: m.mean_absolute_error_uncertain,
            uncertain_plans: m.uncertain_plans as u64,
            calibration: m
                .calibration
                .iter()
                .map(|d| CalibrationDecile {
                    plans: d.plans as u64,
                    predicted: d.predicted,
                    simulated: d.simulated,
                })
                .collect(),
        },
    }
}
