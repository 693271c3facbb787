//! Client segments for advisors: k-means (linfa) on an advisor's clients, each described by
//! a few numbers, standardised so that no feature weighs more for its units. Each feature
//! has a resolution, the smallest difference that means something (a live success
//! probability at 1,000 paths moves by a point or two on its own): a spread narrower than
//! that is scaled by the resolution instead, so that noise is not stretched into a trait. The number of
//! segments is the one with the best mean silhouette (Rousseeuw 1987) from 2 to `max_k`;
//! a book whose best clustering scores below 0.25 (Kaufman & Rousseeuw's "no substantial
//! structure") is one segment, as is a book of fewer than four clients. Each segment is
//! described by the features whose centre lies furthest from the book's mean, in standard
//! deviations, so that its description says what sets it apart.

use linfa::DatasetBase;
use linfa::metrics::SilhouetteScore;
use linfa::traits::{Fit, Predict};
use linfa_clustering::KMeans;
use ndarray::{Array1, Array2};
use rand_xoshiro06::Xoshiro256Plus;
use rand_xoshiro06::rand_core::SeedableRng;

#[cfg(test)]
mod tests;

/// Below this best mean silhouette, the book is one segment.
pub const MIN_SILHOUETTE: f64 = 0.25;
/// A centre this many standard deviations from the book's mean is worth saying.
pub const NOTABLE_Z: f64 = 0.5;
/// Every two segments' centres differ in some feature by at least this much, in standard
/// deviations (or resolutions, where larger): a cut closer than that splits on noise, which
/// the silhouette alone would reward in a small book of near-twins.
pub const MIN_SEPARATION: f64 = 1.0;
/// Fewer clients than this are one segment.
pub const MIN_CLIENTS: usize = 4;
/// k-means restarts per k (the best inertia is kept).
const RUNS: usize = 10;

/// What went wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SegmentError {
    /// The rows do not all have the same number of features.
    #[error("row {row}: {found} features, expected {expected}")]
    Ragged {
        /// The row.
        row: usize,
        /// Its features.
        found: usize,
        /// The first row's.
        expected: usize,
    },
    /// A feature is not a finite number.
    #[error("row {row}, feature {feature}: not a finite number")]
    NotFinite {
        /// The row.
        row: usize,
        /// The feature.
        feature: usize,
    },
    /// `max_k` below 1.
    #[error("max_k: must be at least 1")]
    MaxK,
    /// Not one resolution per feature, or one that is negative or not finite.
    #[error("resolution: one finite, non-negative value per feature ({0})")]
    Resolution(usize),
    /// linfa failed (it should not on finite, non-empty data).
    #[error("k-means: {0}")]
    KMeans(String),
}

/// A feature of a segment's centre that sets it apart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trait {
    /// Which feature (its column).
    pub feature: usize,
    /// How far the centre lies from the book's mean, in the book's standard deviations.
    pub z: f64,
}

/// One segment.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// How many clients.
    pub size: usize,
    /// The mean of each feature over its clients, in the features' own units.
    pub centre: Vec<f64>,
    /// What sets it apart, furthest first (at most two, each at least [`NOTABLE_Z`]).
    pub traits: Vec<Trait>,
}

/// A book cut into segments.
#[derive(Debug, Clone, PartialEq)]
pub struct Segmentation {
    /// Each client's segment (an index into `segments`).
    pub labels: Vec<usize>,
    /// The segments, largest first.
    pub segments: Vec<Segment>,
    /// The mean silhouette of the chosen clustering (`None`: one segment).
    pub silhouette: Option<f64>,
}

/// Cuts `rows` (one per client, one column per feature) into segments, deterministically
/// for a given `seed`. `resolution` is each feature's smallest meaningful difference, in its
/// units (0: any).
///
/// # Errors
/// Ragged rows, a value that is not finite, `max_k` of 0, a bad `resolution`.
pub fn segment(
    rows: &[Vec<f64>],
    resolution: &[f64],
    max_k: usize,
    seed: u64,
) -> Result<Segmentation, SegmentError> {
    if max_k == 0 {
        return Err(SegmentError::MaxK);
    }
    let n = rows.len();
    let d = rows.first().map_or(resolution.len(), Vec::len);
    if resolution.len() != d || resolution.iter().any(|r| !r.is_finite() || *r < 0.0) {
        return Err(SegmentError::Resolution(d));
    }
    for (row, values) in rows.iter().enumerate() {
        if values.len() != d {
            return Err(SegmentError::Ragged {
                row,
                found: values.len(),
                expected: d,
            });
        }
        if let Some(feature) = values.iter().position(|v| !v.is_finite()) {
            return Err(SegmentError::NotFinite { row, feature });
        }
    }
    let raw = Array2::from_shape_fn((n, d), |(i, j)| rows[i][j]);
    let (mean, sd) = moments(&raw);
    let sd: Vec<f64> = sd.iter().zip(resolution).map(|(s, r)| s.max(*r)).collect();
    let z = Array2::from_shape_fn((n, d), |(i, j)| standardise(raw[[i, j]], mean[j], sd[j]));

    let mut best: Option<(f64, Vec<usize>)> = None;
    if n >= MIN_CLIENTS {
        for k in 2..=max_k.min(n - 1) {
            let labels = kmeans(&z, k, seed)?;
            // Clients all alike come back as one cluster, which linfa scores 1.
            if labels.iter().all(|l| *l == labels[0]) || !separated(&z, &labels) {
                continue;
            }
            let score = DatasetBase::new(z.clone(), Array1::from(labels.clone()))
                .silhouette_score()
                .map_err(|e| SegmentError::KMeans(e.to_string()))?;
            if best.as_ref().is_none_or(|(s, _)| score > *s) {
                best = Some((score, labels));
            }
        }
    }
    let (silhouette, labels) = match best {
        Some((score, labels)) if score >= MIN_SILHOUETTE => (Some(score), labels),
        _ => (None, vec![0; n]),
    };
    Ok(describe(&raw, &mean, &sd, silhouette, &labels))
}

/// Whether every two clusters' centres (of standardised rows) lie [`MIN_SEPARATION`] apart
/// in some feature.
fn separated(z: &Array2<f64>, labels: &[usize]) -> bool {
    let (_, d) = z.dim();
    let count = labels.iter().max().map_or(0, |m| m + 1);
    let centres: Vec<Option<Vec<f64>>> = (0..count)
        .map(|c| {
            let members: Vec<usize> = (0..labels.len()).filter(|i| labels[*i] == c).collect();
            #[allow(clippy::cast_precision_loss)] // client counts ≪ 2^52
            let n = members.len() as f64;
            (!members.is_empty()).then(|| {
                (0..d)
                    .map(|j| members.iter().map(|i| z[[*i, j]]).sum::<f64>() / n)
                    .collect()
            })
        })
        .collect();
    let present: Vec<&Vec<f64>> = centres.iter().flatten().collect();
    present.iter().enumerate().all(|(i, a)| {
        present[i + 1..].iter().all(|b| {
            a.iter()
                .zip(b.iter())
                .any(|(x, y)| (x - y).abs() >= MIN_SEPARATION)
        })
    })
}

fn moments(raw: &Array2<f64>) -> (Vec<f64>, Vec<f64>) {
    let (n, d) = raw.dim();
    #[allow(clippy::cast_precision_loss)] // client counts ≪ 2^52
    let nf = n.max(1) as f64;
    let mean: Vec<f64> = (0..d).map(|j| raw.column(j).sum() / nf).collect();
    let sd = (0..d)
        .map(|j| {
            let m = mean[j];
            (raw.column(j).iter().map(|v| (v - m).powi(2)).sum::<f64>() / nf).sqrt()
        })
        .collect();
    (mean, sd)
}

/// A feature every client shares says nothing: it standardises to 0. "Shares" allows for
/// rounding: sums of the same weights in another order differ in the last bits, and those
/// bits must not become a feature two standard deviations wide.
fn standardise(value: f64, mean: f64, sd: f64) -> f64 {
    if sd > SAME * mean.abs().max(1.0) {
        (value - mean) / sd
    } else {
        0.0
    }
}

/// Relative spread below which a feature counts as the same for every client.
const SAME: f64 = 1e-9;

fn kmeans(z: &Array2<f64>, k: usize, seed: u64) -> Result<Vec<usize>, SegmentError> {
    let data = DatasetBase::from(z.clone());
    let model = KMeans::params_with_rng(k, Xoshiro256Plus::seed_from_u64(seed))
        .n_runs(RUNS)
        .fit(&data)
        .map_err(|e| SegmentError::KMeans(e.to_string()))?;
    Ok(model.predict(z).to_vec())
}

/// Renumbers segments largest first (ties: first client first) and describes each.
fn describe(
    raw: &Array2<f64>,
    mean: &[f64],
    sd: &[f64],
    silhouette: Option<f64>,
    labels: &[usize],
) -> Segmentation {
    let (_, d) = raw.dim();
    let count = labels.iter().max().map_or(0, |m| m + 1);
    let mut order: Vec<usize> = (0..count).filter(|c| labels.contains(c)).collect();
    let first = |c: usize| labels.iter().position(|l| *l == c).unwrap_or(usize::MAX);
    let size = |c: usize| labels.iter().filter(|l| **l == c).count();
    order.sort_by_key(|c| (std::cmp::Reverse(size(*c)), first(*c)));
    let segments = order
        .iter()
        .map(|c| {
            let members: Vec<usize> = (0..labels.len()).filter(|i| labels[*i] == *c).collect();
            #[allow(clippy::cast_precision_loss)] // client counts ≪ 2^52
            let centre: Vec<f64> = (0..d)
                .map(|j| members.iter().map(|i| raw[[*i, j]]).sum::<f64>() / members.len() as f64)
                .collect();
            let mut traits: Vec<Trait> = (0..d)
                .map(|feature| Trait {
                    feature,
                    z: standardise(centre[feature], mean[feature], sd[feature]),
                })
                .filter(|t| t.z.abs() >= NOTABLE_Z)
                .collect();
            traits.sort_by(|a, b| b.z.abs().total_cmp(&a.z.abs()));
            traits.truncate(2);
            Segment {
                size: members.len(),
                centre,
                traits,
            }
        })
        .collect();
    let renumber: Vec<usize> = (0..count)
        .map(|c| order.iter().position(|o| *o == c).unwrap_or(0))
        .collect();
    Segmentation {
        labels: labels.iter().map(|l| renumber[*l]).collect(),
        segments,
        silhouette,
    }
}
