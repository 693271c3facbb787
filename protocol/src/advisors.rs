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
