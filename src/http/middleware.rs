//! Response-shaping middleware.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::ConnectionType;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{DefaultHeaders, ErrorHandlerResponse, ErrorHandlers, Next};
use actix_web::{HttpMessage, ResponseError, web};
use protocol::{ErrorCode, Problem};
use tokio::sync::watch;
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};

use super::error::{ApiError, PROBLEM_JSON, problem_response};
use crate::state::AppState;

/// The dashboard's pages may load and connect to the server's own origin only, and run no
/// inline script. CSP 3 lets `'self'` match `ws:`/`wss:` on the page's own host and port
/// (Chromium since 70, Firefox; Safari in its recent versions), so `/ws` needs no entry of
/// its own. Set on every response: on JSON it restricts nothing a browser does with it.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
     manifest-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'self'; \
     form-action 'self'; frame-ancestors 'none'";

/// The seed specification's security headers and [`CONTENT_SECURITY_POLICY`], on every
/// response.
#[must_use]
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            "Strict-Transport-Security",
            "max-age=31536000; includeSubDomains",
        ))
        .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("X-XSS-Protection", "1; mode=block"))
        .add(("Referrer-Policy", "strict-origin-when-cross-origin"))
}

fn code_for(status: u16) -> ErrorCode {
    match status {
        401 => ErrorCode::Unauthorized,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        405 => ErrorCode::MethodNotAllowed,
        413 => ErrorCode::PayloadTooLarge,
        415 => ErrorCode::UnsupportedMediaType,
        429 => ErrorCode::RateLimited,
        503 => ErrorCode::Unavailable,
        s if s >= 500 => ErrorCode::Internal,
        _ => ErrorCode::MalformedRequest,
    }
}

/// Headers worth keeping when a framework error is rewritten.
const KEPT: [header::HeaderName; 4] = [
    header::ALLOW,
    header::RETRY_AFTER,
    header::WWW_AUTHENTICATE,
    header::ACCESS_CONTROL_ALLOW_ORIGIN,
];

/// Rewrites error responses that did not come from [`super::error::ApiError`] (the
/// framework's own: malformed request lines, CORS refusals, …) into problem bodies.
#[allow(clippy::unnecessary_wraps)] // the signature ErrorHandlers requires
fn to_problem<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let (req, old) = res.into_parts();
    let code = code_for(status.as_u16());
    let detail = old.error().map_or_else(
        || status.canonical_reason().unwrap_or("error").to_owned(),
        ToString::to_string,
    );
    let detail = if status.is_server_error() {
        code.title().to_owned()
    } else {
        detail
    };
    let mut new = problem_response(&Problem::new(code, status.as_u16(), detail));
    for name in KEPT {
        if let Some(value) = old.headers().get(&name) {
            new.headers_mut().insert(name.clone(), value.clone());
        }
    }
    if status.is_server_error() {
        new.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, new).map_into_right_body(),
    ))
}

/// The middleware applying [`to_problem`] to every 4xx and 5xx.
#[must_use]
pub fn problem_bodies<B: 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(to_problem)
}

/// App data telling [`answer_before_shutdown`] when the shutdown grace period is about to run
/// out: the value turns `true` then (see [`crate::startup`]).
#[derive(Debug, Clone)]
pub struct ShutdownDeadline(pub watch::Receiver<bool>);

/// Resolves once the deadline is reached; never when its sender is gone without reaching it.
async fn reached(mut deadline: watch::Receiver<bool>) {
    if deadline.wait_for(|reached| *reached).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Races each request against the shutdown deadline. At the grace limit actix drops the
/// connections of requests still running without a word; a little before it, this answers
/// them with a 503 problem body (and closes their connections) instead. The handler's future
/// is dropped, as it would have been a moment later.
///
/// It wraps resources, not the app: it keeps a handle on the request to answer it, and the
/// app's router needs the only one until it has matched the path.
///
/// # Errors
/// Those of the wrapped service.
pub async fn answer_before_shutdown(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let Some(ShutdownDeadline(deadline)) = req.app_data::<ShutdownDeadline>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    let request = req.request().clone();
    tokio::select! {
        biased;
        res = next.call(req) => res.map(ServiceResponse::map_into_left_body),
        () = reached(deadline) => {
            let mut res = ApiError::Unavailable {
                detail: "the server is shutting down; retry the request".into(),
                retry_after_secs: 1,
            }
            .error_response();
            res.head_mut().set_connection_type(ConnectionType::Close);
            Ok(ServiceResponse::new(request, res).map_into_right_body())
        }
    }
}

/// Refuses, on every route, a request whose `Host` (or HTTP/2 `:authority`) names a host the
/// server does not answer to: a page on a name re-pointed at the server (DNS rebinding)
/// gets a 400 problem body, not the API. See [`crate::site`].
///
/// # Errors
/// Those of the services it wraps.
pub async fn known_hosts(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let host = match req.headers().get(header::HOST) {
        // A value that is not text is no host the server answers to.
        Some(value) => Some(value.to_str().unwrap_or_default()),
        None => req.uri().authority().map(|a| a.as_str()),
    };
    let answered = req
        .app_data::<web::Data<AppState>>()
        .is_none_or(|state| state.site.answers(host));
    if answered {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    let refusal = ApiError::malformed(
        "Host",
        format!(
            "this server does not answer to host {}; see allowed_hosts",
            host.unwrap_or_default()
        ),
    );
    let response = refusal.error_response();
    Ok(req.into_response(response).map_into_right_body())
}

/// The root span of every request: tracing-actix-web's fields, except that `http.client_ip`
/// is the client by `http.trusted_proxies` ([`super::forwarded`]). The default believes any
/// sender's `X-Forwarded-For`, so logs would show whatever address a client chose.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let client_ip = super::extract::client_ip(request.request());
        let header = |name| {
            request
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        let route = request.match_pattern().unwrap_or_else(|| "default".into());
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.host = %header(header::HOST),
            http.client_ip = %client_ip,
            http.user_agent = %header(header::USER_AGENT),
            http.target = %request.uri().path_and_query().map_or("", |p| p.as_str()),
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            request_id = %request_id,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(
        span: Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}
