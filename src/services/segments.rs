//! An advisor's clients in segments: each client described by a few numbers from their live
//! plan, profile and risk questionnaire, grouped by `engine::segments` (k-means), each group named by what sets
//! it apart from the rest of the book.

use std::collections::BTreeMap;
use std::time::Duration;

use actors::live::registry::CurrentState;
use chrono::Utc;
use engine::segments::{self, Segment, Segmentation};
use protocol::advisors::{ClientSegment, SegmentFeature, SegmentedClient, SegmentsResponse};
use protocol::live::LiveState;
use uuid::Uuid;

use crate::domain::{plan::is_equity_name, profile::age_from_birth_year};
use crate::http::error::ApiError;
use crate::state::AppState;
use crate::store;

/// Most segments a book is cut into.
const MAX_SEGMENTS: usize = 5;
/// Fixed, so that the same book gives the same segments on every request and node.
const SEED: u64 = 0x5E6_3E47;

/// One feature: its key, what it is, the words for a segment above and below the book, and
/// how its values read.
struct Feature {
    key: &'static str,
    description: &'static str,
    /// The smallest difference that sets clients apart, in the feature's units.
    resolution: f64,
    higher: &'static str,
    lower: &'static str,
    show: fn(f64) -> String,
}

fn thousands(v: f64) -> String {
    if v.abs() >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else {
        format!("{:.0}k", v / 1e3)
    }
}

/// How many numbers describe a client.
const FEATURE_COUNT: usize = 7;

const FEATURES: [Feature; FEATURE_COUNT] = [
    Feature {
        key: "age",
        resolution: 2.0,
        description: "age in years (the book's mean where a client gave none)",
        higher: "older",
        lower: "younger",
        show: |v| format!("{v:.0}"),
    },
    Feature {
        key: "wealth",
        resolution: 10_000.0,
        description: "live starting wealth: the holdings at market prices, else the plan's",
        higher: "wealthier",
        lower: "smaller portfolios",
        show: thousands,
    },
    Feature {
        key: "success_probability",
        // Two clients with the same plan differ by a few points at 1,000 paths (the
        // standard error is about 1.5 points): only a larger gap describes them.
        resolution: 0.1,
        description: "live chance the money lasts the horizon",
        higher: "on track",
        lower: "at risk",
        show: |v| format!("{:.0}%", v * 100.0),
    },
    Feature {
        key: "years_to_retirement",
        resolution: 1.0,
        description: "years until the plan's retirement (0 when retired)",
        higher: "further from retirement",
        lower: "closer to retirement",
        show: |v| format!("{v:.1} years"),
    },
    Feature {
        key: "equity_share",
        resolution: 0.05,
        description: "share of the plan's target weights in equity classes",
        higher: "more in equities",
        lower: "less in equities",
        show: |v| format!("{:.0}%", v * 100.0),
    },
    Feature {
        key: "drift",
        resolution: 0.01,
        description: "largest drift of a class from its target weight",
        higher: "drifting from target",
        lower: "close to target",
        show: |v| format!("{:.1} pts", v * 100.0),
    },
    Feature {
        key: "risk_tolerance",
        resolution: 3.0,
        description: "risk tolerance score of the Grable & Lytton questionnaire, 13 to 47 \
                      (the book's mean where a client has not answered it)",
        higher: "more risk-tolerant",
        lower: "more risk-averse",
        show: |v| format!("{v:.0} points"),
    },
];

/// The numbers of one client, `None` for an age not given or a questionnaire not answered.
fn features_of(
    state: &LiveState,
    age: Option<u8>,
    tolerance: Option<i16>,
) -> [Option<f64>; FEATURE_COUNT] {
    let sim = &state.simulation;
    let equity = state
        .portfolio
        .classes
        .iter()
        .filter(|c| is_equity_name(&c.asset_class))
        .map(|c| c.target)
        .sum();
    [
        age.map(f64::from),
        Some(sim.starting_wealth),
        Some(sim.success_probability),
        Some(f64::from(sim.retirement_month) / 12.0),
        Some(equity),
        Some(state.portfolio.max_abs_drift),
        tolerance.map(f64::from),
    ]
}

/// Missing values take the mean of the clients who have one (so they set no one apart).
fn impute(rows: &[[Option<f64>; FEATURE_COUNT]]) -> Vec<Vec<f64>> {
    let means: Vec<f64> = (0..FEATURES.len())
        .map(|j| {
            let known: Vec<f64> = rows.iter().filter_map(|r| r[j]).collect();
            #[allow(clippy::cast_precision_loss)] // client counts ≪ 2^52
            let mean = known.iter().sum::<f64>() / known.len().max(1) as f64;
            mean
        })
        .collect();
    rows.iter()
        .map(|r| r.iter().zip(&means).map(|(v, m)| v.unwrap_or(*m)).collect())
        .collect()
}

fn describe(id: usize, segment: &Segment, book: &[f64], whole: bool) -> ClientSegment {
    let label = if whole || segment.traits.is_empty() {
        if whole {
            "The whole book"
        } else {
            "Typical of the book"
        }
        .to_owned()
    } else {
        let words: Vec<&str> = segment
            .traits
            .iter()
            .map(|t| {
                let f = &FEATURES[t.feature];
                if t.z > 0.0 { f.higher } else { f.lower }
            })
            .collect();
        let mut label = words.join(", ");
        if let Some(first) = label.get(..1) {
            label = first.to_uppercase() + &label[1..];
        }
        label
    };
    let description = if segment.traits.is_empty() {
        "no feature stands out from the book's mean".to_owned()
    } else {
        segment
            .traits
            .iter()
            .map(|t| {
                let f = &FEATURES[t.feature];
                format!(
                    "{} {} against the book's {} ({:+.1} sd)",
                    f.key.replace('_', " "),
                    (f.show)(segment.centre[t.feature]),
                    (f.show)(book[t.feature]),
                    t.z
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    ClientSegment {
        id: u32::try_from(id).unwrap_or(u32::MAX),
        label,
        description,
        size: u32::try_from(segment.size).unwrap_or(u32::MAX),
        centre: FEATURES
            .iter()
            .zip(&segment.centre)
            .map(|(f, v)| (f.key.to_owned(), *v))
            .collect::<BTreeMap<_, _>>(),
    }
}

/// `advisor`'s clients in segments.
///
/// # Errors
/// Storage failures.
pub async fn segments(state: &AppState, advisor: Uuid) -> Result<SegmentsResponse, ApiError> {
    let clients = store::grants::list_clients(&state.db, advisor).await?;
    let today = Utc::now().date_naive();
    let lookups = clients.iter().map(|row| {
        let registry = state.live.registry.clone();
        let owner = row.client_id;
        let db = state.db.clone();
        async move {
            let ask = registry.send(CurrentState { owner });
            let live = tokio::time::timeout(Duration::from_secs(5), ask)
                .await
                .ok()
                .and_then(Result::ok)
                .flatten();
            let profile = db.profile(owner).await?;
            let age = match profile.birth_year {
                Some(year) => age_from_birth_year(year, today),
                None => profile.age.and_then(|a| u8::try_from(a).ok()),
            };
            let tolerance = db.risk_answers(owner).await?.map(|row| row.score);
            Ok::<_, ApiError>(live.map(|s| features_of(&s, age, tolerance)))
        }
    });
    let described = futures_util::future::try_join_all(lookups).await?;
    let known: Vec<[Option<f64>; FEATURE_COUNT]> = described.iter().flatten().copied().collect();
    let rows = impute(&known);
    let Segmentation {
        labels,
        segments,
        silhouette,
    } = segments::segment(&rows, &FEATURES.map(|f| f.resolution), MAX_SEGMENTS, SEED)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("segmenting a book: {e}")))?;
    let book = column_means(&rows);
    let whole = segments.len() == 1;
    let mut next = labels.into_iter();
    Ok(SegmentsResponse {
        features: FEATURES
            .iter()
            .map(|f| SegmentFeature {
                key: f.key.to_owned(),
                description: f.description.to_owned(),
            })
            .collect(),
        segments: segments
            .iter()
            .enumerate()
            .map(|(id, s)| describe(id, s, &book, whole))
            .collect(),
        clients: clients
            .into_iter()
            .zip(&described)
            .map(|(row, features)| SegmentedClient {
                user_id: row.client_id,
                email: row.email,
                segment: features
                    .and_then(|_| next.next())
                    .and_then(|l| u32::try_from(l).ok()),
            })
            .collect(),
        silhouette,
    })
}

/// The book's mean of each feature (0 for an empty book).
fn column_means(rows: &[Vec<f64>]) -> Vec<f64> {
    #[allow(clippy::cast_precision_loss)] // client counts ≪ 2^52
    let n = rows.len().max(1) as f64;
    (0..FEATURES.len())
        .map(|j| rows.iter().map(|r| r[j]).sum::<f64>() / n)
        .collect()
}
