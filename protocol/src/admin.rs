//! User administration.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

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

/// The longest e-mail search accepted (an e-mail address is at most 254 characters).
pub const MAX_EMAIL_SEARCH_LEN: usize = 254;

/// `GET /admin/users` filter.
#[derive(Debug, Clone, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserSearchQuery {
    /// Only accounts whose e-mail contains this text, ignoring case (1 to 254 characters;
    /// `%` and `_` are plain characters here).
    #[param(min_length = 1, max_length = 254)]
    pub email: Option<String>,
}
