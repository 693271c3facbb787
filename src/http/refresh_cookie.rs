//! Cookie mode of the refresh token, for the browser dashboard: the token travels in an
//! `HttpOnly` cookie scripts cannot read, rather than in JSON bodies (JSON mode, for
//! integrators, is unchanged).
//!
//! The cookie is `glidepath_refresh=<token>; HttpOnly; SameSite=Strict; Path=/auth;
//! Max-Age=<refresh lifetime>`, with `Secure` when the browser reached the server over TLS.
//! Cross-site request forgery is kept out in three layers (README, security notes):
//! `SameSite=Strict` keeps browsers from sending it with requests other sites start; the
//! bodies must be `application/json`, which a cross-site form cannot send and a cross-site
//! script can only send after a CORS preflight the allow-list refuses; and a cookie-mode
//! request whose `Origin` is not one of the server's own pages is refused with 403.

use std::future::Future;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use protocol::auth::TokenResponse;

use crate::http::error::ApiError;
use crate::state::AppState;

/// The cookie's name.
pub const NAME: &str = "glidepath_refresh";

/// Where a request wants its refresh token: in the JSON body, or in the cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// In the body (JSON mode).
    Body,
    /// In the `glidepath_refresh` cookie (cookie mode).
    Cookie,
}

impl Transport {
    /// The transport a request asked for, once cookie mode's `Origin` check has passed.
    ///
    /// # Errors
    /// 403 for a cookie-mode request sent by a page that is not the server's own.
    pub fn requested(state: &AppState, req: &HttpRequest, cookie: bool) -> Result<Self, ApiError> {
        if !cookie {
            return Ok(Self::Body);
        }
        // Browsers send `Origin` with every POST; a client without one is no browser, so
        // cannot be a victim's browser either.
        if let Some(origin) = req.headers().get(header::ORIGIN) {
            let own = origin
                .to_str()
                .is_ok_and(|origin| state.site.is_own_page(origin, host(req)));
            if !own {
                return Err(ApiError::Forbidden(
                    "cookie mode is only for the server's own pages: this request's Origin is \
                     none of its origins or public_origins"
                        .into(),
                ));
            }
        }
        Ok(Self::Cookie)
    }
}

/// The refresh token in the request's `glidepath_refresh` cookie, if it sent one.
#[must_use]
pub fn presented(req: &HttpRequest) -> Option<String> {
    // HTTP/2 may split cookies over several headers.
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == NAME)
        .map(|(_, value)| value.trim_matches('"').to_owned())
        // A deleted cookie some browser still sends empty is no token.
        .filter(|value| !value.is_empty())
}

/// The host the request was sent to: `Host`, or HTTP/2's `:authority`.
fn host(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
}

/// Whether the browser reached the server over TLS: on the connection itself, or at a proxy
/// serving an `https` public origin under the request's host.
fn over_tls(state: &AppState, req: &HttpRequest) -> bool {
    req.app_config().secure() || state.site.is_https_host(host(req))
}

fn cookie(state: &AppState, req: &HttpRequest, value: &str, max_age: u64) -> HeaderValue {
    let secure = if over_tls(state, req) { "; Secure" } else { "" };
    let text =
        format!("{NAME}={value}; HttpOnly; SameSite=Strict; Path=/auth; Max-Age={max_age}{secure}");
    // Tokens are URL-safe base64, so the text is always a valid header value.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Appends the header that deletes the cookie.
pub fn clear(state: &AppState, req: &HttpRequest, response: &mut HttpResponse) {
    response
        .headers_mut()
        .append(header::SET_COOKIE, cookie(state, req, "", 0));
}

/// The answer carrying freshly issued tokens: `tokens` as they are in JSON mode; in cookie
/// mode without `refresh_token`, which goes into the cookie instead.
#[must_use]
pub fn token_reply(
    state: &AppState,
    req: &HttpRequest,
    mut tokens: TokenResponse,
    transport: Transport,
) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    if transport == Transport::Cookie
        && let Some(refresh) = tokens.refresh_token.take()
    {
        response.append_header((
            header::SET_COOKIE,
            cookie(state, req, &refresh, tokens.refresh_expires_in),
        ));
    }
    response.json(tokens)
}

/// Issues tokens the way login does, for any handler that signs someone in (`login`, a demo
/// sign-in): checks cookie mode's `Origin` first, then runs `issue` (not started before the
/// check passes: futures are lazy), then answers with [`token_reply`].
///
/// # Errors
/// 403 from [`Transport::requested`]; those of `issue`.
pub async fn sign_in(
    state: &AppState,
    req: &HttpRequest,
    refresh_cookie: bool,
    issue: impl Future<Output = Result<TokenResponse, ApiError>>,
) -> Result<HttpResponse, ApiError> {
    let transport = Transport::requested(state, req, refresh_cookie)?;
    let tokens = issue.await?;
    Ok(token_reply(state, req, tokens, transport))
}

/// An error answer; in cookie mode a refresh that failed also deletes the cookie, which can
/// no longer be used.
#[must_use]
pub fn failed(
    state: &AppState,
    req: &HttpRequest,
    error: &ApiError,
    transport: Transport,
) -> HttpResponse {
    let mut response = error.error_response();
    let unusable = matches!(
        error,
        ApiError::InvalidRefreshToken | ApiError::RefreshTokenMissing
    );
    if transport == Transport::Cookie && unusable {
        clear(state, req, &mut response);
    }
    response
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn the_cookie_is_found_among_others_and_over_several_headers() {
        let req = TestRequest::default()
            .append_header((header::COOKIE, "a=1; glidepath_refreshx=no"))
            .append_header((header::COOKIE, "b=2;glidepath_refresh=tok-EN_1 ; c=3"))
            .to_http_request();
        assert_eq!(presented(&req).as_deref(), Some("tok-EN_1"));
        let none = TestRequest::default()
            .append_header((header::COOKIE, "glidepath_refreshx=no"))
            .to_http_request();
        assert_eq!(presented(&none), None);
        assert_eq!(presented(&TestRequest::default().to_http_request()), None);
    }
}
