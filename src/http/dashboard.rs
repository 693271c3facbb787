//! The browser dashboard: the files of `web/dist` (the committed Vite build of `web/`),
//! embedded in release builds and read from the folder in debug builds (so a rebuilt `web/`
//! shows without rebuilding the server).
//!
//! `/` and everything under `/app/` answer `index.html` (the client routes them); every other
//! file is served at its path. Hashed files under `/assets/` never change under their name,
//! so browsers may keep them for a year; everything else is revalidated (`no-cache`, `ETag`).
//! Text is gzipped once per file and kept. Paths that are neither stay 404 problem bodies.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use actix_web::dev::HttpServiceFactory;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use super::error::ApiError;
use super::middleware;

#[derive(rust_embed::Embed)]
#[folder = "web/dist/"]
struct Dist;

/// The page every client route answers with.
const INDEX: &str = "index.html";
/// Where the bundler puts the files whose names carry their content's hash.
const HASHED_DIR: &str = "assets/";
/// Smaller files gain too little from compression to be worth it.
const MIN_COMPRESSED_LEN: usize = 1024;

/// The embedded files' paths (`index.html`, `assets/index-3f9a1c.js`, …).
#[must_use]
pub fn files() -> Vec<String> {
    Dist::iter().map(|path| path.into_owned()).collect()
}

/// Client routes: `/`, `/app`, `/app/` and up to four segments below it, all `index.html`. Plain
/// segment patterns rather than one `{tail:.*}`: the metrics middleware labels requests by
/// pattern and cannot fill in a pattern with a regex (it warned on every request).
const CLIENT_ROUTES: [&str; 7] = [
    "/",
    "/app",
    "/app/",
    "/app/{a}",
    "/app/{a}/{b}",
    "/app/{a}/{b}/{c}",
    "/app/{a}/{b}/{c}/{d}",
];

/// Registers the client routes (all `index.html`), `/assets/{file}` (the bundler's hashed
/// files, all in that one folder), and each other embedded file at its path. Each resource
/// answers GET and HEAD, and is wrapped like the API's (see
/// [`middleware::answer_before_shutdown`]).
pub fn configure(cfg: &mut web::ServiceConfig) {
    for path in CLIENT_ROUTES {
        cfg.service(resource(path, || INDEX.to_owned()));
    }
    cfg.service(resource("/assets/{file}", String::new));
    for file in files() {
        let routable = !file.starts_with(HASHED_DIR) && !file.contains(['{', '}']);
        if routable {
            let path = format!("/{file}");
            cfg.service(resource(&path, move || file.clone()));
        }
    }
}

/// A GET/HEAD resource serving the file `file()` names; an empty name means the path itself.
fn resource<F>(path: &str, file: F) -> impl HttpServiceFactory + use<F>
where
    F: Fn() -> String + Clone + 'static,
{
    let handler = move |req: HttpRequest| {
        let name = file();
        async move {
            let name = if name.is_empty() {
                req.path().trim_start_matches('/').to_owned()
            } else {
                name
            };
            serve(&req, &name).await
        }
    };
    web::resource(path)
        .route(web::get().to(handler.clone()))
        .route(web::head().to(handler))
        .default_service(web::to(|| async {
            Err::<HttpResponse, _>(ApiError::MethodNotAllowed("GET, HEAD".into()))
        }))
        .wrap(actix_web::middleware::from_fn(
            middleware::answer_before_shutdown,
        ))
}

async fn serve(req: &HttpRequest, name: &str) -> Result<HttpResponse, ApiError> {
    let file = Dist::get(name).ok_or(ApiError::NotFound)?;
    let hash = file.metadata.sha256_hash();
    // Weak: the gzipped and the plain answer are the same file, not the same bytes.
    let etag = format!("W/\"{}\"", hex(&hash[..16]));
    let cache = if name.starts_with(HASHED_DIR) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let content_type = content_type(file.metadata.mimetype());
    let compressible = is_compressible(&content_type);

    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::ETAG, etag.clone()))
        .insert_header((header::CACHE_CONTROL, cache));
    if compressible {
        response.insert_header((header::VARY, "Accept-Encoding"));
    }
    if matches_etag(req, &etag) {
        return Ok(response
            .status(actix_web::http::StatusCode::NOT_MODIFIED)
            .finish());
    }
    response.insert_header((header::CONTENT_TYPE, content_type));
    let data = file.data;
    if compressible && data.len() >= MIN_COMPRESSED_LEN && accepts_gzip(req) {
        let gzipped = gzipped(hash, data).await?;
        response.insert_header((header::CONTENT_ENCODING, "gzip"));
        return Ok(response.body(web::Bytes::from_owner(gzipped)));
    }
    Ok(match data {
        std::borrow::Cow::Borrowed(bytes) => response.body(web::Bytes::from_static(bytes)),
        std::borrow::Cow::Owned(bytes) => response.body(bytes),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The media type, with `charset=utf-8` for text (the bundler writes UTF-8).
fn content_type(mime: &str) -> String {
    let textual = mime.starts_with("text/")
        || matches!(
            mime,
            "application/javascript" | "application/json" | "application/manifest+json"
        );
    if textual {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_owned()
    }
}

fn is_compressible(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || content_type.starts_with("application/javascript")
        || content_type.starts_with("application/json")
        || content_type.starts_with("application/manifest+json")
        || content_type.starts_with("image/svg+xml")
        || content_type.starts_with("application/wasm")
}

/// Whether `If-None-Match` names the file's current version (weak comparison, RFC 9110).
fn matches_etag(req: &HttpRequest, etag: &str) -> bool {
    let ours = etag.trim_start_matches("W/");
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == ours)
}

/// Whether `Accept-Encoding` accepts gzip (`gzip` or `*`, with a non-zero quality).
fn accepts_gzip(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

/// Compressed files by their content's SHA-256.
type GzipCache = Mutex<HashMap<[u8; 32], Arc<[u8]>>>;

/// Each file is compressed once, on the blocking pool, and kept.
static GZIPPED: LazyLock<GzipCache> = LazyLock::new(Mutex::default);

async fn gzipped(
    hash: [u8; 32],
    data: std::borrow::Cow<'static, [u8]>,
) -> Result<Arc<[u8]>, ApiError> {
    let cached = GZIPPED
        .lock()
        .map_err(|_| anyhow::anyhow!("gzip cache poisoned"))?
        .get(&hash)
        .cloned();
    if let Some(bytes) = cached {
        return Ok(bytes);
    }
    let compressed: Arc<[u8]> = web::block(move || {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&data)?;
        encoder.finish()
    })
    .await
    .map_err(|e| anyhow::anyhow!("gzip task: {e}"))?
    .map_err(|e| anyhow::anyhow!("gzip: {e}"))?
    .into();
    GZIPPED
        .lock()
        .map_err(|_| anyhow::anyhow!("gzip cache poisoned"))?
        .insert(hash, compressed.clone());
    Ok(compressed)
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn gzip_is_accepted_unless_refused() {
        for (value, accepted) in [
            ("gzip, deflate, br", true),
            ("br;q=1.0, GZIP;q=0.5", true),
            ("*", true),
            ("gzip;q=0", false),
            ("br, gzip; q=0.000", false),
            ("identity", false),
            ("", false),
        ] {
            let req = TestRequest::default()
                .insert_header((header::ACCEPT_ENCODING, value))
                .to_http_request();
            assert_eq!(accepts_gzip(&req), accepted, "{value}");
        }
    }

    #[test]
    fn if_none_match_compares_weakly_and_in_lists() {
        let etag = "W/\"abc\"";
        for (value, matches) in [
            ("\"abc\"", true),
            ("W/\"abc\"", true),
            ("\"x\", W/\"abc\"", true),
            ("*", true),
            ("\"abcd\"", false),
        ] {
            let req = TestRequest::default()
                .insert_header((header::IF_NONE_MATCH, value))
                .to_http_request();
            assert_eq!(matches_etag(&req, etag), matches, "{value}");
        }
    }

    #[test]
    fn text_gets_a_charset_and_is_compressed_images_are_not() {
        assert_eq!(content_type("text/html"), "text/html; charset=utf-8");
        assert_eq!(
            content_type("text/javascript"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type("image/png"), "image/png");
        assert!(is_compressible(&content_type("text/css")));
        assert!(is_compressible("image/svg+xml"));
        assert!(!is_compressible("image/png"));
        assert!(!is_compressible("font/woff2"));
    }
}
