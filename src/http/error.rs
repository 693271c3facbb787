//! `ApiError`: the HTTP layer's one error type, and the only place that knows status codes.
//!
//! Every variant answers with a [`protocol::Problem`] body. Internal errors are logged with
//! their whole cause chain and answered with an opaque body.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use protocol::{ErrorCode, FieldError, Problem};

use crate::auth::password::HashError;
use crate::store::StoreError;

/// The media type of error bodies (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the body, path or query did not parse.
    #[error("malformed request: {detail}")]
    Malformed {
        /// What did not parse.
        detail: String,
        /// Where, when known.
        errors: Vec<FieldError>,
    },
    /// 422: parsed, but values are unacceptable.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// 401: missing, invalid or expired access token.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// 401: e-mail and password do not match.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// 401: the refresh token cannot be used.
    #[error("invalid refresh token")]
    InvalidRefreshToken,
    /// 401: no refresh token in the body, and no refresh cookie.
    #[error("no refresh token")]
    RefreshTokenMissing,
    /// 403: authenticated but not allowed.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404: no such resource, or not the caller's.
    #[error("not found")]
    NotFound,
    /// 405: the path exists, the method does not; carries the allowed methods.
    #[error("method not allowed")]
    MethodNotAllowed(String),
    /// 409: conflicts with existing state.
    #[error("conflict: {detail}")]
    Conflict {
        /// What conflicts.
        detail: String,
        /// The field that conflicts.
        field: Option<String>,
    },
    /// 413: the body is over the limit.
    #[error("payload too large")]
    PayloadTooLarge(usize),
    /// 415: not JSON.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// 415: JSON in a character set other than UTF-8 (carries the one declared).
    #[error("unsupported charset {0}")]
    UnsupportedCharset(String),
    /// 429: too many attempts.
    #[error("rate limited")]
    RateLimited {
        /// Seconds until the next attempt may succeed.
        retry_after_secs: u64,
    },
    /// 503: temporarily overloaded.
    #[error("unavailable: {detail}")]
    Unavailable {
        /// Why.
        detail: String,
        /// Suggested wait.
        retry_after_secs: u64,
    },
    /// 500: a bug or a failing dependency. Logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// A 422 naming one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    /// A 400 naming one field.
    pub fn malformed(field: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::Malformed {
            detail: message.clone(),
            errors: vec![FieldError::new(field, message)],
        }
    }

    /// The protocol code of this error.
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Malformed { .. } => ErrorCode::MalformedRequest,
            Self::Validation(_) => ErrorCode::ValidationFailed,
            Self::Unauthorized(_) => ErrorCode::Unauthorized,
            Self::InvalidCredentials => ErrorCode::InvalidCredentials,
            Self::InvalidRefreshToken | Self::RefreshTokenMissing => ErrorCode::InvalidRefreshToken,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::NotFound => ErrorCode::NotFound,
            Self::MethodNotAllowed(_) => ErrorCode::MethodNotAllowed,
            Self::Conflict { .. } => ErrorCode::Conflict,
            Self::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            Self::UnsupportedMediaType | Self::UnsupportedCharset(_) => {
                ErrorCode::UnsupportedMediaType
            }
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::Unavailable { .. } => ErrorCode::Unavailable,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::Malformed { detail, .. } => detail.clone(),
            Self::Validation(errors) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                format!("invalid value for {}", fields.join(", "))
            }
            Self::Unauthorized(detail) | Self::Forbidden(detail) => detail.clone(),
            Self::InvalidCredentials => "e-mail or password is wrong".into(),
            Self::InvalidRefreshToken => {
                "the refresh token is unknown, expired, revoked or was already used".into()
            }
            Self::RefreshTokenMissing => "no refresh token: send refresh_token in the body, or \
                                          the glidepath_refresh cookie set in cookie mode"
                .into(),
            Self::NotFound => "no such resource".into(),
            Self::MethodNotAllowed(allow) => format!("this path accepts only {allow}"),
            Self::Conflict { detail, .. } | Self::Unavailable { detail, .. } => detail.clone(),
            Self::PayloadTooLarge(limit) => format!("the request body exceeds {limit} bytes"),
            Self::UnsupportedMediaType => "send the body as application/json".into(),
            Self::UnsupportedCharset(charset) => {
                format!("send the JSON body in UTF-8; charset={charset} is not supported")
            }
            Self::RateLimited { retry_after_secs } => {
                format!("too many attempts; retry in {retry_after_secs} s")
            }
            Self::Internal(_) => "an unexpected error occurred; it has been logged".into(),
        }
    }

    /// The problem body.
    #[must_use]
    pub fn problem(&self) -> Problem {
        let errors = match self {
            Self::Malformed { errors, .. } | Self::Validation(errors) => errors.clone(),
            Self::Conflict {
                field: Some(field),
                detail,
            } => vec![FieldError::new(field, detail)],
            Self::RefreshTokenMissing => vec![FieldError::new(
                "refresh_token",
                "required in the body unless the glidepath_refresh cookie is sent",
            )],
            _ => Vec::new(),
        };
        Problem::new(self.code(), self.status_code().as_u16(), self.detail()).with_errors(errors)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Malformed { .. } => StatusCode::BAD_REQUEST,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthorized(_)
            | Self::InvalidCredentials
            | Self::InvalidRefreshToken
            | Self::RefreshTokenMissing => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType | Self::UnsupportedCharset(_) => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            tracing::error!(error = ?cause, "request failed");
        }
        let mut response = problem_response(&self.problem());
        let headers = response.headers_mut();
        match self {
            Self::RateLimited { retry_after_secs }
            | Self::Unavailable {
                retry_after_secs, ..
            } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            Self::Unauthorized(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Self::MethodNotAllowed(allow) => {
                if let Ok(value) = HeaderValue::from_str(allow) {
                    headers.insert(header::ALLOW, value);
                }
            }
            _ => {}
        }
        response
    }
}

/// Serialises a problem with its status and media type.
#[must_use]
pub fn problem_response(problem: &Problem) -> HttpResponse {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, PROBLEM_JSON))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(serde_json::to_string(problem).unwrap_or_default())
}

impl From<StoreError> for ApiError {
    /// A constraint the database enforced is the client's problem (a 4xx), never a 500: the
    /// services validate first, so one that still fires is a race with another change (a
    /// record deleted meanwhile, a duplicate created meanwhile).
    fn from(err: StoreError) -> Self {
        use sqlx::error::ErrorKind;
        let kind = match &err {
            StoreError::Conflict(_) => Some(ErrorKind::UniqueViolation),
            StoreError::Database(sqlx::Error::Database(db)) => Some(db.kind()),
            _ => None,
        };
        match kind {
            Some(ErrorKind::UniqueViolation) => Self::Conflict {
                detail: "the record conflicts with one that exists".into(),
                field: None,
            },
            Some(ErrorKind::ForeignKeyViolation) => Self::Conflict {
                detail: "a record this request refers to no longer exists".into(),
                field: None,
            },
            Some(ErrorKind::NotNullViolation | ErrorKind::CheckViolation) => {
                Self::invalid("body", "a value is outside the range the record allows")
            }
            _ => Self::Internal(anyhow::Error::new(err).context("storage")),
        }
    }
}

impl From<HashError> for ApiError {
    fn from(err: HashError) -> Self {
        match err {
            HashError::Saturated => Self::Unavailable {
                detail: "too many sign-ins at once; retry shortly".into(),
                retry_after_secs: 1,
            },
            HashError::Failed(_) => Self::Internal(anyhow::Error::new(err)),
        }
    }
}
