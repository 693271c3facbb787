//! Request extractors that fail with problem bodies naming the offending field, where
//! actix's own extractors would answer in plain text.

use std::future::{Ready, ready};
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::StreamExt;
use protocol::page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::error::ApiError;

/// The body limit in force, registered as app data by the server.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// A JSON body of type `T`.
#[derive(Debug)]
pub struct Body<T>(pub T);

/// Names the field a serde error is about: the path serde_path_to_error tracked, or for a
/// missing or unknown field, the name serde quotes in its message.
fn field_of(path: &str, message: &str) -> String {
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|m| m.split('`').next());
    let unknown = message
        .strip_prefix("unknown field `")
        .and_then(|m| m.split('`').next());
    match (path, missing, unknown) {
        (".", Some(name), _) | (".", None, Some(name)) => name.to_owned(),
        (path, Some(name), _) => format!("{path}.{name}"),
        (".", None, None) => "body".to_owned(),
        (path, None, _) => path.to_owned(),
    }
}

/// Parses `bytes` as `T`, reporting the field at fault.
///
/// # Errors
/// [`ApiError::Malformed`] with the field and serde's message.
pub fn parse_json<T: DeserializeOwned + Serialize>(bytes: &[u8]) -> Result<T, ApiError> {
    // serde also reads a struct from an array of its fields in order; every body of this API is
    // an object, and `[null, null]` must not pass as one.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::malformed(
            "body",
            "the body must be a JSON object",
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let message = inner.to_string();
        // serde_json appends " at line L column C"; the field name says more to a client.
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_owned();
        let field = if inner.is_syntax() || inner.is_eof() {
            "body".to_owned()
        } else {
            field_of(&path, &message)
        };
        ApiError::Malformed {
            detail: format!("{field}: {message}"),
            errors: vec![protocol::FieldError::new(field, message)],
        }
    })?;
    de.end()
        .map_err(|_| ApiError::malformed("body", "trailing characters after the JSON value"))?;
    refuse_arrays_for_objects(bytes, &value)?;
    Ok(value)
}

/// serde reads a nested struct from an array of its fields in order too; the API documents
/// objects, so `{"changes": [null, null]}` is refused with the field named.
fn refuse_arrays_for_objects<T: Serialize>(bytes: &[u8], value: &T) -> Result<(), ApiError> {
    let (Ok(sent), Ok(read)) = (
        serde_json::from_slice::<serde_json::Value>(bytes),
        serde_json::to_value(value),
    ) else {
        return Ok(());
    };
    match protocol::de::array_for_object(&sent, &read) {
        Some(field) => Err(ApiError::malformed(
            field,
            "must be a JSON object, not an array",
        )),
        None => Ok(()),
    }
}

/// Whether the body is declared as JSON (`application/json`, `…+json`), and in which character
/// set when one other than UTF-8 is declared.
fn media_type(req: &HttpRequest) -> Result<(), ApiError> {
    let Ok(Some(mime)) = req.mime_type() else {
        return Err(ApiError::UnsupportedMediaType);
    };
    if mime.subtype() != "json" && mime.suffix().is_none_or(|s| s != "json") {
        return Err(ApiError::UnsupportedMediaType);
    }
    // JSON is UTF-8 (RFC 8259 §8.1); the body is read as such, so another declared charset
    // would be misread. `utf8` is a common spelling of the same; quotes are removed by the
    // parser; every charset parameter counts, not only the first.
    for (name, value) in mime.params() {
        let value = value.as_str();
        if name == actix_web::mime::CHARSET
            && !value.eq_ignore_ascii_case("utf-8")
            && !value.eq_ignore_ascii_case("utf8")
        {
            return Err(ApiError::UnsupportedCharset(value.to_owned()));
        }
    }
    Ok(())
}

impl<T: DeserializeOwned + Serialize + 'static> FromRequest for Body<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req.app_data::<BodyLimit>().map_or(64 * 1024, |l| l.0);
        let media = media_type(req);
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if declared.is_some_and(|n| n > limit) {
                return Err(ApiError::PayloadTooLarge(limit));
            }
            media?;
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    ApiError::malformed("body", format!("could not read the body: {e}"))
                })?;
                if body.len() + chunk.len() > limit {
                    return Err(ApiError::PayloadTooLarge(limit));
                }
                body.extend_from_slice(&chunk);
            }
            if body.is_empty() {
                return Err(ApiError::malformed("body", "a JSON body is required"));
            }
            parse_json(&body).map(Body)
        })
    }
}

/// A `text/csv` body of at most `portfolio.max_upload_bytes`, as UTF-8 text.
#[derive(Debug)]
pub struct CsvBody(pub String);

impl FromRequest for CsvBody {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<crate::state::AppState>>()
            .map_or(16 << 20, |s| s.settings.portfolio.max_upload_bytes);
        let csv =
            matches!(req.mime_type(), Ok(Some(m)) if m.type_() == "text" && m.subtype() == "csv");
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if declared.is_some_and(|n| n > limit) {
                return Err(ApiError::PayloadTooLarge(limit));
            }
            if !csv {
                return Err(ApiError::UnsupportedMediaType);
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    ApiError::malformed("body", format!("could not read the body: {e}"))
                })?;
                if body.len() + chunk.len() > limit {
                    return Err(ApiError::PayloadTooLarge(limit));
                }
                body.extend_from_slice(&chunk);
            }
            String::from_utf8(body.to_vec())
                .map(CsvBody)
                .map_err(|e| ApiError::malformed("body", format!("the CSV is not UTF-8: {e}")))
        })
    }
}

/// The path parameter `name` as a UUID (400 naming it otherwise).
///
/// # Errors
/// 400 naming `name` when it is not a UUID.
pub fn path_uuid(req: &HttpRequest, name: &str) -> Result<Uuid, ApiError> {
    let raw = req.match_info().get(name).unwrap_or_default();
    Uuid::parse_str(raw).map_err(|_| {
        ApiError::malformed(
            name,
            "must be a UUID such as 7c9e6679-7425-40de-944b-e07fc1f90ae7",
        )
    })
}

/// The `{id}` path parameter as a UUID.
#[derive(Debug, Clone, Copy)]
pub struct PathId(pub Uuid);

impl FromRequest for PathId {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(path_uuid(req, "id").map(PathId))
    }
}

/// Validated `limit` and `offset` query parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// Page size, 1 to [`MAX_PAGE_SIZE`].
    pub limit: u32,
    /// Items skipped.
    pub offset: u32,
}

/// The largest offset accepted; far beyond any list, small enough for every database.
pub const MAX_OFFSET: u32 = 1_000_000_000;

fn parse_paging(query: &str) -> Result<Paging, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).map_err(|e| {
        ApiError::malformed("query", format!("the query string does not parse: {e}"))
    })?;
    let mut paging = Paging {
        limit: DEFAULT_PAGE_SIZE,
        offset: 0,
    };
    for (key, value) in pairs {
        match key.as_str() {
            "limit" => {
                paging.limit = value
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
                    .ok_or_else(|| {
                        ApiError::malformed(
                            "limit",
                            format!("must be a whole number from 1 to {MAX_PAGE_SIZE}"),
                        )
                    })?;
            }
            "offset" => {
                paging.offset = value
                    .parse::<u32>()
                    .ok()
                    .filter(|n| *n <= MAX_OFFSET)
                    .ok_or_else(|| {
                        ApiError::malformed(
                            "offset",
                            format!("must be a whole number from 0 to {MAX_OFFSET}"),
                        )
                    })?;
            }
            _ => {}
        }
    }
    Ok(paging)
}

impl FromRequest for Paging {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse_paging(req.query_string()))
    }
}

/// The validated `email` filter of `GET /admin/users`, lower-cased (stored addresses are).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailSearch(pub Option<String>);

fn parse_email_search(query: &str) -> Result<EmailSearch, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).map_err(|e| {
        ApiError::malformed("query", format!("the query string does not parse: {e}"))
    })?;
    let Some((_, text)) = pairs.into_iter().find(|(key, _)| key == "email") else {
        return Ok(EmailSearch(None));
    };
    let len = text.chars().count();
    if len == 0 || len > protocol::admin::MAX_EMAIL_SEARCH_LEN {
        return Err(ApiError::malformed(
            "email",
            format!(
                "must be 1 to {} characters",
                protocol::admin::MAX_EMAIL_SEARCH_LEN
            ),
        ));
    }
    Ok(EmailSearch(Some(text.to_lowercase())))
}

impl FromRequest for EmailSearch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse_email_search(req.query_string()))
    }
}

/// The client's IP address: the socket's peer, or behind a trusted proxy the address it
/// forwarded for (see [`super::forwarded`]; anyone else's `X-Forwarded-For` is ignored, since
/// anyone could forge it to dodge the per-IP limits).
#[must_use]
pub fn client_ip(req: &HttpRequest) -> String {
    super::forwarded::client_ip(req).map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, serde::Serialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        name: String,
        inner: Inner,
    }

    #[derive(Debug, serde::Deserialize, serde::Serialize)]
    #[allow(dead_code)]
    struct Inner {
        amount: f64,
    }

    fn field(body: &str) -> String {
        match parse_json::<Sample>(body.as_bytes()) {
            Err(ApiError::Malformed { errors, .. }) => errors[0].field.clone(),
            other => panic!("expected malformed, got {other:?}"),
        }
    }

    #[test]
    fn names_the_field_at_fault() {
        assert_eq!(field(r#"{"name": 3, "inner": {"amount": 1}}"#), "name");
        assert_eq!(
            field(r#"{"name": "x", "inner": {"amount": "no"}}"#),
            "inner.amount"
        );
        assert_eq!(field(r#"{"inner": {"amount": 1}}"#), "name");
        assert_eq!(field(r#"{"name": "x", "inner": {}}"#), "inner.amount");
        assert_eq!(
            field(r#"{"name": "x", "inner": {"amount": 1}, "extra": 1}"#),
            "extra"
        );
        assert_eq!(field(r#"{"name": "x""#), "body");
        assert_eq!(
            field(r#"{"name": "x", "inner": {"amount": 1}} trailing"#),
            "body"
        );
    }

    #[test]
    fn json_bodies_must_be_declared_as_utf8_if_at_all() {
        let media = |content_type: &str| {
            media_type(
                &actix_web::test::TestRequest::default()
                    .insert_header((header::CONTENT_TYPE, content_type))
                    .to_http_request(),
            )
        };
        for ok in [
            "application/json",
            "application/json; charset=utf-8",
            "application/json; charset=UTF8",
            "application/json; charset=\"Utf-8\"",
            "application/problem+json; charset=utf-8",
        ] {
            assert!(media(ok).is_ok(), "{ok}");
        }
        for (bad, charset) in [
            ("application/json; charset=utf-16", "utf-16"),
            ("application/json; charset=\"latin1\"", "latin1"),
            ("application/json; charset=utf-8; charset=utf-32", "utf-32"),
        ] {
            assert!(
                matches!(media(bad), Err(ApiError::UnsupportedCharset(c)) if c.eq_ignore_ascii_case(charset)),
                "{bad}"
            );
        }
        assert!(matches!(
            media("text/plain; charset=utf-8"),
            Err(ApiError::UnsupportedMediaType)
        ));
    }

    #[test]
    fn paging_bounds() {
        assert_eq!(
            parse_paging("").expect("ok"),
            Paging {
                limit: 20,
                offset: 0
            }
        );
        assert_eq!(
            parse_paging("limit=5&offset=10").expect("ok"),
            Paging {
                limit: 5,
                offset: 10
            }
        );
        for bad in [
            "limit=0",
            "limit=101",
            "limit=-1",
            "offset=-5",
            "limit=abc",
            "offset=99999999999",
        ] {
            assert!(parse_paging(bad).is_err(), "{bad}");
        }
    }
}
