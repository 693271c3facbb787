//! Advisor access: a client grants an advisor the right to watch their plan.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /advisors/grants`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateGrantRequest {
    /// The e-mail of an account with the advisor role.
    #[schema(max_length = 254, format = Email, example = "advisor@example.com")]
    pub advisor_email: String,
}

/// An advisor the caller has granted access.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GrantView {
    /// The advisor's id (used to revoke).
    pub advisor_id: uuid::Uuid,
    /// The advisor's e-mail.
    pub advisor_email: String,
    /// When access was granted.
    pub granted_at: chrono::DateTime<chrono::Utc>,
}

/// A number each client is described by for segmenting (`GET /advisor/segments`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SegmentFeature {
    /// Its key, as in [`ClientSegment::centre`].
    pub key: String,
    /// What it is, in words.
    pub description: String,
}

/// A group of an advisor's clients alike in the features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ClientSegment {
    /// Its number: 0 is the largest.
    pub id: u32,
    /// A short name from what sets it apart ("Wealthier, closer to retirement"), or "The
    /// whole book" when it is one segment.
    pub label: String,
    /// What sets it apart, with numbers: its mean against the book's.
    pub description: String,
    /// How many clients.
    pub size: u32,
    /// The mean of each feature over its clients, keyed as `features`.
    pub centre: std::collections::BTreeMap<String, f64>,
}

/// A client and the segment they fall in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SegmentedClient {
    /// The client.
    pub user_id: uuid::Uuid,
    /// The client's e-mail.
    pub email: String,
    /// Their segment; absent when their live plan could not be simulated in time (they are
    /// left out of the clustering).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub segment: Option<u32>,
}

/// `GET /advisor/segments`: the advisor's clients grouped by k-means on standardised
/// features, the number of segments chosen by the mean silhouette.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SegmentsResponse {
    /// The features, in the order clustering sees them.
    pub features: Vec<SegmentFeature>,
    /// The segments, largest first.
    pub segments: Vec<ClientSegment>,
    /// Every client, in the book's order.
    pub clients: Vec<SegmentedClient>,
    /// The mean silhouette of the clustering (-1 to 1; above 0.5 means clear groups);
    /// absent when the book is one segment (fewer than four clients, or no clear groups).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub silhouette: Option<f64>,
}
