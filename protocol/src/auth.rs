//! Registration, login, token refresh and logout.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The client an access token is issued for (the JWT `aud` claim).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum Audience {
    /// The browser dashboard.
    #[default]
    #[serde(rename = "web-app")]
    WebApp,
    /// Mobile applications.
    #[serde(rename = "mobile-app")]
    MobileApp,
    /// Integrators calling the REST API.
    #[serde(rename = "api")]
    Api,
}

impl Audience {
    /// Every audience the server accepts.
    pub const ALL: [Self; 3] = [Self::WebApp, Self::MobileApp, Self::Api];

    /// The claim value.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WebApp => "web-app",
            Self::MobileApp => "mobile-app",
            Self::Api => "api",
        }
    }

    /// Parses a claim value.
    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == value)
    }
}

/// A user's role. Each role grants a fixed set of [`Scope`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Basic planning features.
    User,
    /// Larger simulations and advanced features.
    Premium,
    /// Works with clients who grant access.
    Advisor,
    /// Administers users and the system.
    Admin,
}

impl Role {
    /// Every role.
    pub const ALL: [Self; 4] = [Self::User, Self::Premium, Self::Advisor, Self::Admin];

    /// The stored and serialised name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Premium => "premium",
            Self::Advisor => "advisor",
            Self::Admin => "admin",
        }
    }

    /// Parses a stored name.
    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == value)
    }

    /// The scopes this role grants.
    #[must_use]
    pub fn scopes(self) -> &'static [Scope] {
        use Scope::*;
        const USER: &[Scope] = &[
            ReadProfile,
            WriteProfile,
            ReadGoals,
            WriteGoals,
            ReadSimulations,
            WriteSimulations,
            ReadPortfolio,
            WritePortfolio,
            ReadAlerts,
            WriteAlerts,
            ManageGrants,
        ];
        const ADMIN: &[Scope] = &[
            ReadProfile,
            WriteProfile,
            ReadGoals,
            WriteGoals,
            ReadSimulations,
            WriteSimulations,
            ReadPortfolio,
            WritePortfolio,
            ReadAlerts,
            WriteAlerts,
            ManageGrants,
            AdminUsers,
            AdminSystem,
        ];
        match self {
            // Premium and advisor differ from user in limits and features, not in the
            // seed's scopes; those limits are checked against the role itself.
            Self::User | Self::Premium | Self::Advisor => USER,
            Self::Admin => ADMIN,
        }
    }
}

/// A permission carried in an access token's `scope` claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum Scope {
    /// View one's profile.
    #[serde(rename = "read:profile")]
    ReadProfile,
    /// Change one's profile or delete one's account.
    #[serde(rename = "write:profile")]
    WriteProfile,
    /// View one's goals.
    #[serde(rename = "read:goals")]
    ReadGoals,
    /// Create, change and delete one's goals.
    #[serde(rename = "write:goals")]
    WriteGoals,
    /// View simulation results.
    #[serde(rename = "read:simulations")]
    ReadSimulations,
    /// Run simulations.
    #[serde(rename = "write:simulations")]
    WriteSimulations,
    /// View one's holdings and allocations.
    #[serde(rename = "read:portfolio")]
    ReadPortfolio,
    /// Create, change and delete one's holdings.
    #[serde(rename = "write:portfolio")]
    WritePortfolio,
    /// View one's alert rules and alerts.
    #[serde(rename = "read:alerts")]
    ReadAlerts,
    /// Create and delete one's alert rules.
    #[serde(rename = "write:alerts")]
    WriteAlerts,
    /// Grant and revoke advisors' access to one's plan.
    #[serde(rename = "manage:grants")]
    ManageGrants,
    /// Manage user accounts.
    #[serde(rename = "admin:users")]
    AdminUsers,
    /// System configuration and detailed health.
    #[serde(rename = "admin:system")]
    AdminSystem,
}

impl Scope {
    /// The claim value.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadProfile => "read:profile",
            Self::WriteProfile => "write:profile",
            Self::ReadGoals => "read:goals",
            Self::WriteGoals => "write:goals",
            Self::ReadSimulations => "read:simulations",
            Self::WriteSimulations => "write:simulations",
            Self::ReadPortfolio => "read:portfolio",
            Self::WritePortfolio => "write:portfolio",
            Self::ReadAlerts => "read:alerts",
            Self::WriteAlerts => "write:alerts",
            Self::ManageGrants => "manage:grants",
            Self::AdminUsers => "admin:users",
            Self::AdminSystem => "admin:system",
        }
    }
}

/// `POST /auth/register`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// The e-mail address to sign in with; compared case-insensitively.
    #[schema(max_length = 254, format = Email, example = "ada@example.com")]
    pub email: String,
    /// At least 12 and at most 128 characters.
    #[schema(
        min_length = 12,
        max_length = 128,
        example = "correct horse battery staple"
    )]
    pub password: String,
}

/// `POST /auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The registered e-mail address.
    #[schema(min_length = 1, max_length = 254, example = "ada@example.com")]
    pub email: String,
    /// The password.
    #[schema(min_length = 1, max_length = 128)]
    pub password: String,
    /// The client the tokens are for; `web-app` when omitted.
    #[serde(default)]
    pub audience: Option<Audience>,
    /// Cookie mode, for browsers: the refresh token is set as the `HttpOnly` cookie
    /// `glidepath_refresh` (`SameSite=Strict; Path=/auth`) instead of appearing in the
    /// answer, so scripts cannot read it. `false` when omitted (the token is in the answer).
    #[serde(default)]
    pub refresh_cookie: bool,
}

/// `POST /auth/refresh`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from the last login or refresh. It is single-use. Omitted: cookie
    /// mode, the `glidepath_refresh` cookie is used and replaced.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 256)]
    pub refresh_token: Option<String>,
}

/// `POST /auth/logout`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogoutRequest {
    /// The refresh token whose session (token family) ends. Omitted: cookie mode, the
    /// `glidepath_refresh` cookie's session ends and the cookie is cleared.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 256)]
    pub refresh_token: Option<String>,
}

/// Which demo `POST /auth/demo` opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DemoKind {
    /// A client: a stored plan, holdings in the market feed's symbols, goals and alert rules.
    Client,
    /// An advisor whose book holds three demo clients who granted it access.
    Advisor,
}

/// `POST /auth/demo`: a fresh demo world for this visitor alone.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DemoRequest {
    /// The demo to open.
    #[serde(rename = "as")]
    pub kind: DemoKind,
    /// The client the tokens are for; `web-app` when omitted.
    #[serde(default)]
    pub audience: Option<Audience>,
    /// Deliver the refresh token as a cookie, as `POST /auth/login` does.
    #[serde(default)]
    pub refresh_cookie: bool,
}

/// Tokens issued by login and refresh.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// RS256-signed JWT for the `Authorization: Bearer` header.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires (900).
    pub expires_in: u64,
    /// Opaque, single-use token for `POST /auth/refresh`. Absent in cookie mode, where it
    /// travels in the `glidepath_refresh` cookie instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub refresh_token: Option<String>,
    /// Seconds until the refresh token expires (30 days).
    pub refresh_expires_in: u64,
    /// The scopes granted.
    pub scope: Vec<Scope>,
}

/// An account, as its owner and administrators see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AccountView {
    /// The user's id.
    pub id: uuid::Uuid,
    /// The e-mail address (stored lower-case).
    pub email: String,
    /// The role.
    pub role: Role,
    /// Whether the account may sign in.
    pub is_active: bool,
    /// When the account was created.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The last successful login, if any.
    pub last_login: Option<chrono::DateTime<chrono::Utc>>,
    /// A demo account (`POST /auth/demo`): it cannot change its e-mail, password or role,
    /// and it is deleted with everything it owns once it is `demo.lifetime_secs` old.
    pub demo: bool,
}

/// A public key that verifies access tokens (RFC 7517), as `GET /.well-known/jwks.json`
/// lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Jwk {
    /// Always `RSA`.
    #[schema(example = "RSA")]
    pub kty: String,
    /// The key id: its RFC 7638 thumbprint (base64url SHA-256), which every token signed with
    /// it carries in its header's `kid`.
    pub kid: String,
    /// Always `RS256`.
    #[schema(example = "RS256")]
    pub alg: String,
    /// Always `sig`.
    #[serde(rename = "use")]
    #[schema(example = "sig")]
    pub use_: String,
    /// The modulus, base64url (unpadded) of its big-endian bytes.
    pub n: String,
    /// The public exponent, base64url (unpadded) of its big-endian bytes.
    #[schema(example = "AQAB")]
    pub e: String,
}

/// `GET /.well-known/jwks.json`: the key that signs new tokens first, then the keys kept only
/// to verify tokens signed before a rotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Jwks {
    /// The keys.
    pub keys: Vec<Jwk>,
}
