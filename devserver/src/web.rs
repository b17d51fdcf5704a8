//! The reference web client (`web/`) next to the API, and CORS the way the deployed HTTP API
//! answers it (template.yaml's `CorsConfiguration`).
//!
//! Static files: `GET /` and `/index.html` (the learner's page), `/institution.html` (the
//! school's review page), `/assets/<file>` (one path segment of
//! `[A-Za-z0-9._-]`, no leading dot, a known extension: nothing else is ever read) and
//! `/config.json` (generated, never read from disk). API routes are matched before any of these.

use axum::body::Body;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use std::path::{Path, PathBuf};

/// Where the client's files are and what its generated `config.json` says.
#[derive(Clone, Debug)]
pub struct WebClient {
    pub dir: PathBuf,
    /// `""` when the client is served by the API's own origin, else the API's base URL.
    pub api_base: String,
}

/// `web/` of the repository, found at run time (`--web-dir` overrides it).
pub fn default_web_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("web");
    std::fs::canonicalize(&dir).unwrap_or(dir)
}

impl WebClient {
    /// The answer for a static path, or `None` when `method`/`path` is not one of the client's.
    pub async fn serve(&self, method: &Method, path: &str) -> Option<Response> {
        if method != Method::GET && method != Method::HEAD {
            return None;
        }
        if path == "/config.json" {
            let body = serde_json::json!({ "apiBase": self.api_base }).to_string();
            return Some(file_response(body.into_bytes(), "application/json", None));
        }
        let file = match path {
            "/" | "/index.html" => "index.html".to_string(),
            "/institution.html" => "institution.html".to_string(),
            _ => format!("assets/{}", asset_name(path.strip_prefix("/assets/")?)?),
        };
        let content_type = content_type(&file)?;
        let full = self.dir.join(&file);
        let bytes = tokio::task::spawn_blocking(move || std::fs::read(full))
            .await
            .ok()?
            .ok()?;
        let csp = file
            .ends_with(".html")
            .then(|| self.content_security_policy());
        Some(file_response(bytes, content_type, csp))
    }

    /// Only our own origin, plus the API's when it is elsewhere; `data:` images (the captcha).
    fn content_security_policy(&self) -> String {
        let connect = if self.api_base.is_empty() {
            "'self'".to_string()
        } else {
            format!("'self' {}", self.api_base)
        };
        format!(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src {connect}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        )
    }
}

/// The file name after `/assets/`: one segment, safe characters only, never `.` or `..`.
fn asset_name(name: &str) -> Option<&str> {
    let safe = !name.is_empty()
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    safe.then_some(name)
}

fn content_type(file: &str) -> Option<&'static str> {
    let ext = file.rsplit_once('.')?.1;
    Some(match ext {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => return None,
    })
}

fn file_response(bytes: Vec<u8>, content_type: &'static str, csp: Option<String>) -> Response {
    let mut resp = Response::new(Body::from(bytes));
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // The files change while one works on them.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if let Some(csp) = csp.and_then(|c| HeaderValue::from_str(&c).ok()) {
        h.insert(header::CONTENT_SECURITY_POLICY, csp);
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    resp
}

/// A plain 404 for the client-only port.
pub fn not_found() -> Response {
    let mut resp = Response::new(Body::from("Not Found"));
    *resp.status_mut() = StatusCode::NOT_FOUND;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}

/// The origins allowed to call the API from a browser, as `AllowedOrigins` in template.yaml.
#[derive(Clone, Debug, Default)]
pub struct Cors {
    origins: Vec<String>,
}

impl Cors {
    /// `list` is comma-separated (`ALLOWED_ORIGINS`); `*` allows any origin.
    pub fn new(list: &str, extra: impl IntoIterator<Item = String>) -> Cors {
        let mut origins: Vec<String> = list
            .split(',')
            .map(|o| o.trim().trim_end_matches('/').to_string())
            .filter(|o| !o.is_empty())
            .collect();
        origins.extend(extra);
        Cors { origins }
    }

    pub fn origins(&self) -> &[String] {
        &self.origins
    }

    /// The `Access-Control-Allow-Origin` value for a request from `origin`, if it is allowed.
    fn allow(&self, origin: Option<&HeaderValue>) -> Option<HeaderValue> {
        let origin = origin?;
        if self.origins.iter().any(|o| o == "*") {
            return Some(HeaderValue::from_static("*"));
        }
        let text = origin.to_str().ok()?;
        self.origins
            .iter()
            .any(|o| o == text)
            .then(|| origin.clone())
    }

    /// Adds the CORS headers to an API answer (`preflight`: the answer to an `OPTIONS` request).
    pub fn apply(&self, request: &HeaderMap, preflight: bool, resp: &mut Response) {
        let Some(allow) = self.allow(request.get(header::ORIGIN)) else {
            return;
        };
        let h = resp.headers_mut();
        let echoed = allow != "*";
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow);
        if echoed {
            h.append(header::VARY, HeaderValue::from_static("Origin"));
        }
        if preflight {
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET,POST,PUT,OPTIONS"),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("authorization,content-type,accept-language"),
            );
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
        } else {
            h.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static("retry-after"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> WebClient {
        WebClient {
            dir: default_web_dir(),
            api_base: String::new(),
        }
    }

    #[tokio::test]
    async fn serves_the_page_assets_and_a_generated_config() {
        let web = client();
        let page = web.serve(&Method::GET, "/").await.expect("index");
        assert_eq!(
            page.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
        assert_eq!(page.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(page.headers().contains_key(header::CONTENT_SECURITY_POLICY));
        let school = web
            .serve(&Method::GET, "/institution.html")
            .await
            .expect("the school's page");
        assert!(school
            .headers()
            .contains_key(header::CONTENT_SECURITY_POLICY));
        let js = web.serve(&Method::GET, "/assets/app.js").await.expect("js");
        assert_eq!(
            js.headers()[header::CONTENT_TYPE],
            "text/javascript; charset=utf-8"
        );
        let config = web.serve(&Method::GET, "/config.json").await.expect("cfg");
        let bytes = axum::body::to_bytes(config.into_body(), 1024)
            .await
            .unwrap();
        assert_eq!(&bytes[..], br#"{"apiBase":""}"#);
    }

    #[tokio::test]
    async fn never_leaves_the_assets_folder() {
        let web = client();
        for path in [
            "/assets/../Cargo.toml",
            "/assets/..%2fCargo.toml",
            "/assets/%2e%2e/Cargo.toml",
            "/assets/sub/app.js",
            "/assets/.hidden.js",
            "/assets/",
            "/assets/app.rs",
            "/web/index.html",
            "/institution",
            "/Cargo.toml",
        ] {
            assert!(web.serve(&Method::GET, path).await.is_none(), "{path}");
        }
        assert!(web.serve(&Method::POST, "/").await.is_none());
    }

    #[test]
    fn cors_echoes_allowed_origins_only() {
        let cors = Cors::new(
            " https://a.example.cn, https://b.example.cn/ ,",
            ["http://127.0.0.1:4000".to_string()],
        );
        let mut req = HeaderMap::new();
        let answer = |req: &HeaderMap, preflight| {
            let mut resp = Response::new(Body::empty());
            cors.apply(req, preflight, &mut resp);
            resp
        };
        assert!(answer(&req, false).headers().is_empty(), "no Origin");
        req.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(answer(&req, true).headers().is_empty(), "not allowed");
        for origin in ["https://b.example.cn", "http://127.0.0.1:4000"] {
            req.insert(header::ORIGIN, HeaderValue::from_str(origin).unwrap());
            let resp = answer(&req, false);
            assert_eq!(resp.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], origin);
            assert_eq!(resp.headers()[header::VARY], "Origin");
            assert_eq!(
                resp.headers()[header::ACCESS_CONTROL_EXPOSE_HEADERS],
                "retry-after"
            );
            let pre = answer(&req, true);
            assert!(pre.headers()[header::ACCESS_CONTROL_ALLOW_HEADERS]
                .to_str()
                .unwrap()
                .contains("authorization"));
        }
        let any = Cors::new("*", []);
        let mut resp = Response::new(Body::empty());
        any.apply(&req, false, &mut resp);
        assert_eq!(resp.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    }
}
