//! Advisor proposals: an advisor suggests a change to a client's plan; the client accepts
//! (the change is stored as the plan) or declines. Both sides see each step live on the
//! client's stream (the `proposal` frame).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::live::WhatIfChanges;

/// Longest message an advisor may attach, in characters.
pub const MAX_MESSAGE_CHARS: usize = 1000;

/// `POST /advisor/clients/{client_id}/proposals`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProposal {
    /// Why the advisor suggests it, in their words (1 to 1,000 characters).
    #[schema(
        min_length = 1,
        max_length = 1000,
        example = "Saving 200 more a month brings you above 85 %."
    )]
    pub message: String,
    /// The change to the client's plan, as a what-if: at least one field. Give this or
    /// `recommendation_id`.
    #[serde(default)]
    #[schema(nullable = false)]
    pub changes: Option<WhatIfChanges>,
    /// One of the client's open recommendations (`GET /advisor/clients/{client_id}/recommendations`)
    /// to propose: its change, measured again on the client's live simulation. Accepting the
    /// proposal accepts the recommendation. A fee change cannot be proposed this way (the
    /// live what-if has no fee).
    #[serde(default)]
    #[schema(nullable = false)]
    pub recommendation_id: Option<Uuid>,
}

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    /// Waiting for the client.
    Pending,
    /// The client accepted: the change is their plan.
    Accepted,
    /// The client declined.
    Declined,
}

impl ProposalStatus {
    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
        }
    }

    /// The status stored as `name`.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Pending, Self::Accepted, Self::Declined]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

/// A proposal, as both the client and the advisor see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Proposal {
    /// Its id.
    pub id: Uuid,
    /// The advisor who made it.
    pub advisor_id: Uuid,
    /// The advisor's e-mail.
    pub advisor_email: String,
    /// Whose plan it would change.
    pub client_id: Uuid,
    /// The advisor's message.
    pub message: String,
    /// The change.
    pub changes: WhatIfChanges,
    /// The client's recommendation it was made from, while that is stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub recommendation_id: Option<Uuid>,
    /// The live success probability of the plan as it stood when the advisor proposed it.
    pub success_before: f64,
    /// The same with the change, on the same random numbers (a real simulation, not an
    /// estimate).
    pub success_after: f64,
    /// Where it stands.
    pub status: ProposalStatus,
    /// When the advisor made it.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When the client answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub answered_at: Option<chrono::DateTime<chrono::Utc>>,
}
