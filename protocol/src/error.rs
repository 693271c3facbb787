//! The one error body of the API (RFC 9457 "problem details" style).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Machine-readable error codes. Closed and stable: clients may match on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request body, query or path could not be parsed (bad JSON, wrong types).
    MalformedRequest,
    /// The request parsed but one or more fields hold unacceptable values.
    ValidationFailed,
    /// No credentials, or credentials that are invalid or expired.
    Unauthorized,
    /// E-mail and password do not match.
    InvalidCredentials,
    /// The credentials are valid but lack the scope this operation needs.
    Forbidden,
    /// The resource does not exist, or belongs to someone else.
    NotFound,
    /// The path exists but not with this method.
    MethodNotAllowed,
    /// The request conflicts with the current state (e.g. e-mail already registered).
    Conflict,
    /// The request body is larger than the server accepts.
    PayloadTooLarge,
    /// The content type is not `application/json`.
    UnsupportedMediaType,
    /// Too many requests; retry after the number of seconds in `Retry-After`.
    RateLimited,
    /// The refresh token is unknown, expired, revoked or was already used.
    InvalidRefreshToken,
    /// The server is temporarily overloaded; retry later.
    Unavailable,
    /// An unexpected server error. The detail is deliberately opaque.
    Internal,
}

impl ErrorCode {
    /// The short, human-readable summary used as the problem `title`.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Self::MalformedRequest => "Malformed request",
            Self::ValidationFailed => "Validation failed",
            Self::Unauthorized => "Unauthorized",
            Self::InvalidCredentials => "Invalid credentials",
            Self::Forbidden => "Forbidden",
            Self::NotFound => "Not found",
            Self::MethodNotAllowed => "Method not allowed",
            Self::Conflict => "Conflict",
            Self::PayloadTooLarge => "Payload too large",
            Self::UnsupportedMediaType => "Unsupported media type",
            Self::RateLimited => "Too many requests",
            Self::InvalidRefreshToken => "Invalid refresh token",
            Self::Unavailable => "Service unavailable",
            Self::Internal => "Internal server error",
        }
    }

    /// The snake_case name, as serialised.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MalformedRequest => "malformed_request",
            Self::ValidationFailed => "validation_failed",
            Self::Unauthorized => "unauthorized",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Conflict => "conflict",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::RateLimited => "rate_limited",
            Self::InvalidRefreshToken => "invalid_refresh_token",
            Self::Unavailable => "unavailable",
            Self::Internal => "internal",
        }
    }
}

/// One offending field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// Where the field is: a JSON path into the body (`target_amount`, `profile.age`), or a
    /// path or query parameter name.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    /// A field error from anything printable.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The body of every error response, served as `application/problem+json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type (`urn:glidepath:problem:<code>`).
    #[serde(rename = "type")]
    pub type_uri: String,
    /// The machine-readable code.
    pub code: ErrorCode,
    /// A short summary of the problem type.
    pub title: String,
    /// The HTTP status code, repeated for convenience.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// The offending fields, for validation and parsing errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl Problem {
    /// A problem with the given code, status and detail and no field errors.
    pub fn new(code: ErrorCode, status: u16, detail: impl Into<String>) -> Self {
        Self {
            type_uri: format!("urn:glidepath:problem:{}", code.as_str()),
            code,
            title: code.title().to_owned(),
            status,
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    /// Adds field errors.
    #[must_use]
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }
}
