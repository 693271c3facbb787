//! Financial goals.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a goal stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GoalStatus {
    /// Being saved for.
    #[default]
    Active,
    /// Set aside for now.
    Paused,
    /// Reached.
    Completed,
    /// Given up.
    Cancelled,
}

impl GoalStatus {
    /// Every status.
    pub const ALL: [Self; 4] = [Self::Active, Self::Paused, Self::Completed, Self::Cancelled];

    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Paused => "paused",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
        }
    }

    /// Parses a stored name.
    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }
}

/// `POST /planning/goals`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateGoalRequest {
    /// A name, 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200, example = "Retirement")]
    pub name: String,
    /// The amount to reach, greater than 0, with at most 2 decimals.
    #[schema(
        exclusive_minimum = 0,
        maximum = 1_000_000_000_000.0_f64,
        example = 1_500_000.0
    )]
    pub target_amount: f64,
    /// When the amount is needed; today or later.
    #[schema(example = "2055-06-30")]
    pub target_date: chrono::NaiveDate,
    /// 1 (highest) to 5; 1 when omitted.
    #[serde(default, deserialize_with = "crate::de::opt_whole")]
    #[schema(minimum = 1, maximum = 5)]
    pub priority: Option<u8>,
    /// `active` when omitted.
    pub status: Option<GoalStatus>,
}

/// `PUT /planning/goals/{id}`: fields left out stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateGoalRequest {
    /// A name, 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// The amount to reach, greater than 0, with at most 2 decimals.
    #[schema(exclusive_minimum = 0, maximum = 1_000_000_000_000.0_f64)]
    pub target_amount: Option<f64>,
    /// A new date must be today or later; the goal's current date may be sent back unchanged.
    pub target_date: Option<chrono::NaiveDate>,
    /// 1 (highest) to 5.
    #[serde(default, deserialize_with = "crate::de::opt_whole")]
    #[schema(minimum = 1, maximum = 5)]
    pub priority: Option<u8>,
    /// The new status.
    pub status: Option<GoalStatus>,
}

/// A goal.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GoalView {
    /// The goal's id.
    pub id: uuid::Uuid,
    /// The name.
    pub name: String,
    /// The amount to reach.
    pub target_amount: f64,
    /// When the amount is needed.
    pub target_date: chrono::NaiveDate,
    /// 1 (highest) to 5.
    pub priority: u8,
    /// Where the goal stands.
    pub status: GoalStatus,
    /// When the goal was created.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When the goal last changed.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}
