//! Recommendations: changes to the caller's plan, each verified by simulation on the plan's
//! own random numbers before it is shown (`POST /ml/recommendations`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// `POST /ml/recommendations`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecommendationsRequest {
    /// The success probability to aim for: of each kind of change, the smallest that reaches
    /// it is recommended (else the one that helps most). 0.85 when omitted.
    #[serde(default)]
    #[schema(exclusive_minimum = 0, maximum = 1, example = 0.85)]
    pub target_success: Option<f64>,
    /// Paths each change is verified on; 2,000 when omitted.
    #[serde(default, deserialize_with = "crate::de::opt_whole")]
    #[schema(minimum = 100, maximum = 20000)]
    pub paths: Option<u32>,
    /// Fixes the paths; a random seed (returned) when omitted.
    #[serde(default, deserialize_with = "crate::de::opt_whole")]
    #[schema(minimum = 0, maximum = 9_007_199_254_740_991_u64)]
    pub seed: Option<u64>,
}

/// What a recommendation changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecommendationKind {
    /// Save more each month until retirement.
    SaveMore,
    /// Spend less each month in retirement.
    SpendLess,
    /// Retire later.
    RetireLater,
    /// Pay lower fees.
    LowerFees,
    /// Hold another share in equities.
    EquityShare,
    /// Pay a goal wanted or wished for later (`extensions.goals`).
    DelayGoal,
    /// Give up a goal wanted or wished for (`extensions.goals`).
    DropGoal,
}

impl RecommendationKind {
    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SaveMore => "save_more",
            Self::SpendLess => "spend_less",
            Self::RetireLater => "retire_later",
            Self::LowerFees => "lower_fees",
            Self::EquityShare => "equity_share",
            Self::DelayGoal => "delay_goal",
            Self::DropGoal => "drop_goal",
        }
    }

    /// The kind stored as `name`.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        [
            Self::SaveMore,
            Self::SpendLess,
            Self::RetireLater,
            Self::LowerFees,
            Self::EquityShare,
            Self::DelayGoal,
            Self::DropGoal,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
    }
}

/// Where a recommendation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecommendationStatus {
    /// Not answered yet.
    New,
    /// Accepted: its change was stored in the plan.
    Accepted,
    /// Dismissed.
    Dismissed,
}

impl RecommendationStatus {
    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Accepted => "accepted",
            Self::Dismissed => "dismissed",
        }
    }

    /// The status stored as `name`.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        [Self::New, Self::Accepted, Self::Dismissed]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

/// The plan fields a recommendation sets (the others stay).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecommendedChange {
    /// The new monthly contribution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub monthly_contribution: Option<f64>,
    /// The new monthly spending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub monthly_spending: Option<f64>,
    /// The new retirement month.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub retirement_month: Option<u32>,
    /// The new annual fee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub annual_fee: Option<f64>,
    /// The new target weights, one per asset class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub weights: Option<Vec<f64>>,
    /// A goal of `extensions.goals` delayed or dropped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub goal: Option<GoalTradeOff>,
}

/// A goal wanted or wished for, delayed or dropped. It names the goal as it was when the
/// recommendation was made: accepting it finds that goal (by position, name and month) or
/// refuses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoalTradeOff {
    /// Its position in `extensions.goals`.
    #[serde(deserialize_with = "crate::de::whole")]
    #[schema(minimum = 0, maximum = 63)]
    pub index: u32,
    /// Its name.
    pub name: String,
    /// Its month now.
    #[serde(deserialize_with = "crate::de::whole")]
    #[schema(minimum = 0, maximum = 1199)]
    pub month: u32,
    /// The month it moves to; absent when it is dropped (it leaves the plan).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_whole"
    )]
    #[schema(nullable = false)]
    pub new_month: Option<u32>,
}

/// One recommendation with its verified effect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Recommendation {
    /// Its id.
    pub id: Uuid,
    /// What it changes.
    pub kind: RecommendationKind,
    /// The change, as plan fields.
    pub change: RecommendedChange,
    /// What it costs the user, in their own units ("250 more a month").
    pub cost: String,
    /// Why, in one sentence.
    pub reason: String,
    /// The plan's success on the verification paths.
    pub success_before: f64,
    /// With the change, on the same paths.
    pub success_after: f64,
    /// `success_after - success_before`, counted path by path.
    pub success_change: f64,
    /// Its standard error (of the paired, path-by-path difference).
    pub standard_error: f64,
    /// Paths verified on.
    pub paths: u32,
    /// Their seed (`POST /simulations/monte-carlo` with it reproduces both figures).
    pub seed: u64,
    /// Where it stands.
    pub status: RecommendationStatus,
    /// When it was made.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it was accepted or dismissed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub answered_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// `POST /ml/recommendations`: the recommendations now, best first (they replace the
/// unanswered ones of an earlier request).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RecommendationsResponse {
    /// The target they aim for.
    pub target_success: f64,
    /// Changes considered (within what the user can carry).
    pub considered: u32,
    /// Of those, the ones simulated: the success surrogate (`GET /ml/model`) picks, of each
    /// kind, the cheapest it expects to reach the target and its neighbours. For a plan with
    /// model extensions, all of them: the surrogate knows only plans without extensions.
    pub verified: u32,
    /// The ones worth making, best first: each helps by more than two standard errors.
    pub recommendations: Vec<Recommendation>,
}

/// The `recommendations` frame of a live stream: sent when the live success probability
/// crosses one of the owner's `success_below` thresholds, either way, and to each new
/// subscriber after its snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LiveRecommendations {
    /// The threshold aimed for: the highest `success_below` level the live success is at or
    /// under. Absent when it is above them all again (then `recommendations` is empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub target_success: Option<f64>,
    /// The live success probability they start from (each one's `success_before`).
    pub success_probability: f64,
    /// The live wealth they were computed at.
    pub starting_wealth: f64,
    /// Verified on the stream's own paths and stored (`GET /ml/recommendations`), best first.
    pub recommendations: Vec<Recommendation>,
    /// Why there are none while below a threshold, when that is not simply that no change
    /// helps enough (the computation failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub unavailable: Option<String>,
    /// When (Unix milliseconds).
    pub computed_at_ms: i64,
}
