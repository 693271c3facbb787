//! User administration.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Role;

/// `PUT /admin/users/{id}/role`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRoleRequest {
    /// The new role.
    pub role: Role,
}

/// `PUT /admin/users/{id}/status`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeStatusRequest {
    /// False deactivates the account: its tokens are refused at once, its refresh tokens are
    /// revoked, its WebSocket connections close and it cannot sign in. True activates it again.
    pub active: bool,
}
