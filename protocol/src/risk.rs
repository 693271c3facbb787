//! Risk assessment: `GET /ml/risk-assessment` and `PUT /ml/risk-assessment`.
//!
//! Three parts, each explained in words and numbers, and their combination:
//! - tolerance: the score of a published questionnaire (the 13-item Grable & Lytton scale),
//!   what the investor is willing to bear;
//! - capacity: the largest immediate fall in the portfolio the stored plan can take while
//!   its success probability stays at or above a threshold, what the plan can bear;
//! - need: the least equity share (and the expected return it brings) with which the plan
//!   reaches that success, what the plan requires.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// `PUT /ml/risk-assessment`: every item's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskAnswers {
    /// One entry per item of the questionnaire (`q1` … `q13`): the 1-based position of the
    /// chosen option in the item's `options`. A missing item, an unknown one or a position
    /// outside the item's options is refused with 422 naming `answers.<item>`.
    #[schema(example = json!({"q1": 2, "q2": 2, "q3": 2, "q4": 2, "q5": 2, "q6": 2, "q7": 2,
        "q8": 2, "q9": 1, "q10": 1, "q11": 2, "q12": 2, "q13": 2}))]
    #[serde(deserialize_with = "crate::de::whole_i64_map")]
    pub answers: BTreeMap<String, i64>,
}

/// `GET /ml/risk-assessment` query.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RiskAssessmentQuery {
    /// The success probability the plan must keep (capacity) and reach (need), above 0 and
    /// at most 1; 0.8 when omitted.
    pub success_threshold: Option<f64>,
    /// Paths simulated for capacity and need; 2,000 when omitted (within the caller's
    /// role's limit and the server's time bound).
    pub paths: Option<u32>,
    /// The random numbers' seed; 1 when omitted, so that the same plan gives the same
    /// assessment.
    pub seed: Option<u64>,
    /// A client who granted the caller access (an advisor reading a client's assessment);
    /// the caller's own when omitted.
    pub user_id: Option<uuid::Uuid>,
}

/// A band of the questionnaire's total score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ToleranceBand {
    /// 13 to 18.
    Low,
    /// 19 to 22.
    BelowAverage,
    /// 23 to 28.
    Average,
    /// 29 to 32.
    AboveAverage,
    /// 33 to 47.
    High,
}

/// One option of an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RiskOption {
    /// Its 1-based position: the answer that chooses it.
    pub option: u32,
    /// The option as put to the respondent.
    pub text: String,
    /// The points it scores in the published scoring (not always its position).
    pub points: u32,
}

/// One item of the questionnaire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RiskItem {
    /// The key its answer is given under (`q1` … `q13`).
    pub id: String,
    /// The question.
    pub question: String,
    /// The options, in order.
    pub options: Vec<RiskOption>,
}

/// A band's scores and the equity shares it stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RiskBandView {
    /// The band.
    pub band: ToleranceBand,
    /// Its lowest total score.
    pub min_score: u32,
    /// Its highest total score.
    pub max_score: u32,
    /// The least equity share (0 to 1) a respondent in the band is comfortable with.
    pub equity_min: f64,
    /// The most.
    pub equity_max: f64,
}

/// The questionnaire, for a client to render.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Questionnaire {
    /// The instrument (`grable_lytton_13`).
    pub instrument: String,
    /// Where it is published.
    pub citation: String,
    /// The items, in order.
    pub items: Vec<RiskItem>,
    /// The bands of the total and their equity ranges.
    pub bands: Vec<RiskBandView>,
}

/// Risk tolerance: the answers' score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ToleranceView {
    /// The total, 13 to 47.
    pub score: u32,
    /// The lowest possible total (13).
    pub min_score: u32,
    /// The highest possible total (47).
    pub max_score: u32,
    /// Its band.
    pub band: ToleranceBand,
    /// The least equity share (0 to 1) the band stands for.
    pub equity_min: f64,
    /// The most.
    pub equity_max: f64,
    /// In words.
    pub explanation: String,
}

/// The stored answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StoredRiskAnswers {
    /// The instrument answered.
    pub instrument: String,
    /// Item id → 1-based option, as given.
    pub answers: BTreeMap<String, i64>,
    /// When these answers were given.
    pub taken_at: chrono::DateTime<chrono::Utc>,
    /// When the questionnaire was first answered (kept when it is taken again).
    pub first_taken_at: chrono::DateTime<chrono::Utc>,
    /// Their score.
    pub tolerance: ToleranceView,
}

/// Risk capacity: how far the portfolio can fall now with the plan still reaching the
/// success threshold, on the assessment's paths and seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CapacityView {
    /// The success probability kept.
    pub success_threshold: f64,
    /// The plan's starting wealth.
    pub wealth: f64,
    /// The plan's success probability with it.
    pub success_probability: f64,
    /// The least starting wealth, to the cent, whose success is at least the threshold on
    /// the same paths; absent when the plan is already below the threshold.
    pub floor_wealth: Option<f64>,
    /// The success probability at `floor_wealth`.
    pub success_at_floor: Option<f64>,
    /// The largest fall bearable now, in money: `wealth − floor_wealth` (0 without a floor).
    pub largest_fall: f64,
    /// The same as a share of `wealth` (0 to 1).
    pub largest_fall_share: f64,
    /// Months simulated.
    pub horizon_months: u32,
    /// Months until retirement (0 when retired): the time a fall has to be made good by
    /// saving.
    pub months_to_retirement: u32,
    /// The fall (0 to 1) the plan's own portfolio suffers one year in twenty.
    pub one_year_fall: f64,
    /// The most equity share (0 to 1) whose one-in-twenty one-year fall is within
    /// `largest_fall_share`; absent when the equity classes cannot be told.
    pub equity_cap: Option<f64>,
    /// `thresholds` (read off the paths' ruin thresholds, exact) or `bisection` (runs on the
    /// same random numbers, where the plan's cash flows depend on wealth).
    pub method: String,
    /// Simulation runs the bisection made (0 for `thresholds`).
    pub evaluations: u32,
    /// In words.
    pub explanation: String,
}

/// Risk need: the equity share and return the plan needs to reach the success threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NeedView {
    /// The success probability to reach.
    pub success_threshold: f64,
    /// The equity classes (by name: containing `equity`, `equities` or `stock`).
    pub equity_classes: Vec<String>,
    /// The plan's own equity share.
    pub current_equity_share: f64,
    /// The expected annual return of the plan's own weights (before fees and inflation).
    pub current_return: f64,
    /// The least equity share (to 0.001) that reaches the threshold, as `POST
    /// /planning/solve` for `equity_share` with the same paths and seed answers; absent when
    /// no share does.
    pub equity_share: Option<f64>,
    /// The expected annual return at `equity_share`: the return the plan needs.
    pub required_return: Option<f64>,
    /// The success at `equity_share` on the search's paths; without one, the best any
    /// share gave.
    pub success_probability: f64,
    /// The success at `equity_share` on fresh paths (seed + 1).
    pub achieved_success: Option<f64>,
    /// When no share reaches the threshold, the share that came closest.
    pub best_equity_share: Option<f64>,
    /// In words.
    pub explanation: String,
}

/// Which part sets the recommended equity share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RiskBinding {
    /// The tolerance band's lower edge (the need is below it, or unknown).
    Tolerance,
    /// The capacity's cap, below what tolerance or need ask for.
    Capacity,
    /// The need; with `plan_must_change`, a need beyond what the others allow.
    Need,
}

/// The three parts combined.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RiskProfileView {
    /// The recommended equity share (0 to 1): the least share every known part accepts.
    pub recommended_equity_share: f64,
    /// The expected annual return of the plan's classes at that share (absent without a
    /// plan).
    pub recommended_return: Option<f64>,
    /// The least share the known parts accept (the need or the band's lower edge).
    pub lowest_equity_share: f64,
    /// The most they allow (the band's upper edge or the capacity's cap).
    pub highest_equity_share: f64,
    /// What sets the recommendation.
    pub binding: RiskBinding,
    /// The need is beyond what tolerance and capacity allow: the plan must change (save
    /// more, spend less, retire later), not the risk taken.
    pub plan_must_change: bool,
    /// In words.
    pub explanation: String,
}

/// `GET /ml/risk-assessment`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RiskAssessment {
    /// The questionnaire, to render.
    pub questionnaire: Questionnaire,
    /// The stored answers and their score; absent before the questionnaire is answered.
    pub answers: Option<StoredRiskAnswers>,
    /// The success threshold used.
    pub success_threshold: f64,
    /// Paths simulated.
    pub paths: u32,
    /// The seed.
    pub seed: u64,
    /// Capacity; absent without a stored plan (`capacity_unavailable` says why).
    pub capacity: Option<CapacityView>,
    /// Why there is no capacity.
    pub capacity_unavailable: Option<String>,
    /// Need; absent without a stored plan or when the equity share cannot move
    /// (`need_unavailable` says why).
    pub need: Option<NeedView>,
    /// Why there is no need.
    pub need_unavailable: Option<String>,
    /// The combination; absent when no part is known.
    pub profile: Option<RiskProfileView>,
}
