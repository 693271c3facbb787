//! The model file: a versioned JSON document holding the coefficients and the model card
//! (how the model was trained and how accurate it is on plans it never saw).

use serde::{Deserialize, Serialize};

use super::features::{FEATURE_COUNT, FEATURE_NAMES};
use super::metrics::{Accuracy, CalibrationBin};
use super::surrogate::Surrogate;

/// What the `format` field of every model file says.
pub const FORMAT: &str = "glidepath-success-surrogate";
/// The version of the file layout and of the features this code reads and writes. A change
/// to the regressors or their meaning is a new version: an old file's coefficients would
/// otherwise be applied to numbers they were not fitted to.
pub const FORMAT_VERSION: u32 = 1;
/// The model family, as the card names it.
pub const ALGORITHM: &str = "logistic regression (linfa-logistic 0.8), path-level outcomes";

/// One sampling range of the training and held-out plans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RangeRow {
    /// The input.
    pub name: String,
    /// Lowest value.
    pub low: f64,
    /// Highest value.
    pub high: f64,
}

/// A sample of simulated plans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    /// Plans drawn.
    pub plans: usize,
    /// Paths simulated per plan.
    pub paths_per_plan: u32,
    /// The seed the plans were drawn with.
    pub plan_seed: u64,
    /// Plan i was simulated with seed `simulation_seed + i`.
    pub simulation_seed: u64,
}

/// One decile of the calibration table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Decile {
    /// Plans in it.
    pub plans: usize,
    /// Mean predicted success.
    pub predicted: f64,
    /// Mean simulated success.
    pub simulated: f64,
}

/// Held-out accuracy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Mean absolute error of the probability against the held-out runs.
    pub mean_absolute_error: f64,
    /// Largest absolute error.
    pub max_absolute_error: f64,
    /// Mean absolute error over the held-out plans with simulated success from 5% to 95%.
    pub mean_absolute_error_uncertain: f64,
    /// How many held-out plans those are.
    pub uncertain_plans: usize,
    /// Deciles of predicted success, lowest first.
    pub calibration: Vec<Decile>,
}

impl From<&Accuracy> for Metrics {
    fn from(a: &Accuracy) -> Self {
        Self {
            mean_absolute_error: a.mean_absolute_error,
            max_absolute_error: a.max_absolute_error,
            mean_absolute_error_uncertain: a.mean_absolute_error_uncertain,
            uncertain_plans: a.uncertain_plans,
            calibration: a
                .calibration
                .iter()
                .map(|b: &CalibrationBin| Decile {
                    plans: b.plans,
                    predicted: b.predicted,
                    simulated: b.simulated,
                })
                .collect(),
        }
    }
}

/// The model card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Card {
    /// The model family.
    pub algorithm: String,
    /// The day it was trained (given to the trainer, so a seed and a date fix the file).
    pub trained_on: String,
    /// The training seed everything else derives from.
    pub seed: u64,
    /// The engine version that simulated the plans.
    pub engine_version: String,
    /// The training sample.
    pub training: Sample,
    /// The held-out sample the metrics come from.
    pub held_out: Sample,
    /// The ranges both samples were drawn from.
    pub ranges: Vec<RangeRow>,
    /// Held-out accuracy.
    pub metrics: Metrics,
}

/// A model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`] for files this code can read.
    pub version: u32,
    /// The regressors' names in the order of the coefficients.
    pub features: Vec<String>,
    /// The intercept.
    pub intercept: f64,
    /// One coefficient per feature.
    pub coefficients: Vec<f64>,
    /// The model card.
    pub card: Card,
}

/// Why a model file was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelFileError {
    /// Not JSON at all, or cut short.
    #[error("not a JSON document ({0})")]
    NotJson(String),
    /// JSON, but not a model file.
    #[error("not a success-surrogate model file: `format` must be \"{FORMAT}\"")]
    WrongFormat,
    /// A model file of a version this code does not read.
    #[error(
        "model file version {found} is not supported: this build reads version {FORMAT_VERSION}; train a new model with `glidepath ml train`"
    )]
    UnsupportedVersion {
        /// The file's version.
        found: u64,
    },
    /// The right version, but a field missing or of the wrong type.
    #[error("invalid model file: {0}")]
    Invalid(String),
    /// Features other than this build's.
    #[error("the model's features {found:?} are not this build's {expected:?}")]
    FeaturesMismatch {
        /// The file's.
        found: Vec<String>,
        /// This build's.
        expected: Vec<String>,
    },
    /// A coefficient count other than the feature count, or a number out of its range.
    #[error("invalid model file: {0}")]
    BadValue(String),
}

impl ModelFile {
    /// A file for `surrogate` with `card`.
    #[must_use]
    pub fn new(surrogate: &Surrogate, card: Card) -> Self {
        Self {
            format: FORMAT.into(),
            version: FORMAT_VERSION,
            features: FEATURE_NAMES.iter().map(|n| (*n).to_owned()).collect(),
            intercept: surrogate.intercept,
            coefficients: surrogate.coefficients.to_vec(),
            card,
        }
    }

    /// The file as pretty JSON with a final newline.
    #[must_use]
    pub fn to_json(&self) -> String {
        // Serialising plain structs of numbers and strings cannot fail.
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Reads and validates a model file: its format and version first (so that a file from
    /// another version says so rather than naming a field), then every field.
    ///
    /// # Errors
    /// What is wrong with the file.
    pub fn from_json(text: &str) -> Result<Self, ModelFileError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| ModelFileError::NotJson(e.to_string()))?;
        if value.get("format").and_then(serde_json::Value::as_str) != Some(FORMAT) {
            return Err(ModelFileError::WrongFormat);
        }
        match value.get("version").and_then(serde_json::Value::as_u64) {
            Some(v) if v == u64::from(FORMAT_VERSION) => {}
            Some(found) => return Err(ModelFileError::UnsupportedVersion { found }),
            None => {
                return Err(ModelFileError::Invalid(
                    "`version` must be a whole number".into(),
                ));
            }
        }
        let file: Self = serde_path_to_error::deserialize(value)
            .map_err(|e| ModelFileError::Invalid(e.to_string()))?;
        if file.features.iter().map(String::as_str).ne(FEATURE_NAMES) {
            return Err(ModelFileError::FeaturesMismatch {
                found: file.features,
                expected: FEATURE_NAMES.iter().map(|n| (*n).to_owned()).collect(),
            });
        }
        if file.coefficients.len() != FEATURE_COUNT {
            return Err(ModelFileError::BadValue(format!(
                "`coefficients` must hold {FEATURE_COUNT} numbers, one per feature"
            )));
        }
        let m = &file.card.metrics;
        let probabilities = [
            m.mean_absolute_error,
            m.max_absolute_error,
            m.mean_absolute_error_uncertain,
        ];
        if probabilities.iter().any(|p| !(0.0..=1.0).contains(p)) {
            return Err(ModelFileError::BadValue(
                "`card.metrics` errors must be from 0 to 1".into(),
            ));
        }
        Ok(file)
    }

    /// The surrogate the file holds.
    #[must_use]
    pub fn surrogate(&self) -> Surrogate {
        let mut coefficients = [0.0; FEATURE_COUNT];
        for (c, v) in coefficients.iter_mut().zip(&self.coefficients) {
            *c = *v;
        }
        Surrogate {
            intercept: self.intercept,
            coefficients,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ml::features::FEATURE_NAMES;

    fn file() -> ModelFile {
        let sample = Sample {
            plans: 10,
            paths_per_plan: 20,
            plan_seed: 1,
            simulation_seed: 2,
        };
        let card = Card {
            algorithm: ALGORITHM.into(),
            trained_on: "2026-12-07".into(),
            seed: 1,
            engine_version: crate::VERSION.into(),
            training: sample,
            held_out: sample,
            ranges: vec![RangeRow {
                name: "horizon_years".into(),
                low: 10.0,
                high: 60.0,
            }],
            metrics: Metrics {
                mean_absolute_error: 0.01,
                max_absolute_error: 0.05,
                mean_absolute_error_uncertain: 0.012,
                uncertain_plans: 6,
                calibration: vec![],
            },
        };
        let surrogate = Surrogate {
            intercept: 0.1,
            coefficients: [1.7, 0.7, 0.05, -0.03, 0.001, -0.04, 0.46],
        };
        ModelFile::new(&surrogate, card)
    }

    fn refused(text: &str) -> ModelFileError {
        ModelFile::from_json(text).expect_err("refused")
    }

    #[test]
    fn a_file_reads_back_as_written() {
        let f = file();
        let back = ModelFile::from_json(&f.to_json()).expect("reads");
        assert_eq!(back, f);
        assert_eq!(
            back.surrogate().coefficients,
            [1.7, 0.7, 0.05, -0.03, 0.001, -0.04, 0.46]
        );
        assert_eq!(back.features, FEATURE_NAMES);
    }

    #[test]
    fn every_truncation_of_a_file_is_refused_without_panicking() {
        let text = file().to_json();
        for end in (0..text.len() - 2).filter(|e| text.is_char_boundary(*e)) {
            assert!(ModelFile::from_json(&text[..end]).is_err(), "cut at {end}");
        }
    }

    #[test]
    fn garbled_files_are_refused_with_what_is_wrong() {
        assert!(matches!(
            refused("\u{0}\u{1}garbage"),
            ModelFileError::NotJson(_)
        ));
        assert!(matches!(refused(""), ModelFileError::NotJson(_)));
        assert_eq!(refused("[1, 2]"), ModelFileError::WrongFormat);
        assert_eq!(
            refused(r#"{"format": "something else", "version": 1}"#),
            ModelFileError::WrongFormat
        );
        let good: serde_json::Value = serde_json::from_str(&file().to_json()).expect("json");
        let with = |edit: &dyn Fn(&mut serde_json::Value)| {
            let mut v = good.clone();
            edit(&mut v);
            refused(&v.to_string())
        };
        assert!(matches!(
            with(&|v| v["intercept"] = "high".into()),
            ModelFileError::Invalid(m) if m.contains("intercept")
        ));
        assert!(matches!(
            with(&|v| v["card"].as_object_mut().expect("object").remove("seed").map_or((), |_| ())),
            ModelFileError::Invalid(m) if m.contains("seed")
        ));
        assert!(matches!(
            with(&|v| v["coefficients"] = serde_json::json!([1.0, 2.0])),
            ModelFileError::BadValue(_)
        ));
        assert!(matches!(
            with(&|v| v["card"]["metrics"]["mean_absolute_error"] = (-0.5).into()),
            ModelFileError::BadValue(_)
        ));
        assert!(matches!(
            with(&|v| v["features"][1] = "age".into()),
            ModelFileError::FeaturesMismatch { .. }
        ));
    }

    #[test]
    fn a_file_of_another_version_says_so_before_anything_else() {
        let mut v: serde_json::Value = serde_json::from_str(&file().to_json()).expect("json");
        v["version"] = 2.into();
        v["features"] = serde_json::json!(["something", "new"]);
        let error = refused(&v.to_string());
        assert_eq!(error, ModelFileError::UnsupportedVersion { found: 2 });
        assert!(
            error.to_string().contains("this build reads version 1"),
            "{error}"
        );
        v["version"] = "one".into();
        assert!(matches!(
            refused(&v.to_string()),
            ModelFileError::Invalid(_)
        ));
    }
}
