//! A small local stand-in for the pancloud Application Framework API (RequestToken, RevokeToken)
//! and the developer-token service: no public server speaks this wire format. It checks every
//! request body field by field, records every request, counts refreshes, and can be told to fail.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub const CLIENT_ID: &str = "stub-client";
pub const CLIENT_SECRET: &str = "stub-client-secret";
pub const CODE: &str = "stub-authorization-code";
pub const REDIRECT_URI: &str = "https://app.example/callback";
pub const DEVELOPER_TOKEN: &str = "stub-developer-token";
pub const FIRST_REFRESH_TOKEN: &str = "stub-refresh-0";
/// The authorization page: it approves at once and redirects with CODE and the state.
pub const AUTHORIZE_PATH: &str = "/as/authorization.oauth2";

/// What the next token answers do instead of succeeding.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// 500 with an HTML error page.
    Html500,
    /// 400 with `{"error":"invalid_grant", ...}`.
    InvalidGrant,
    /// 200 with a body that is not JSON.
    NotJson200,
    /// 200 with JSON lacking access_token.
    NoAccessToken200,
    /// Answers correctly, but only after this long.
    Slow(Duration),
    /// Exactly this status, content type and body (hostile or broken providers).
    Raw {
        status: u16,
        content_type: &'static str,
        body: Vec<u8>,
    },
    /// 200 with a chunked body that never ends, as fast as the socket takes it.
    Endless,
    /// 200, the first bytes of a body, then silence.
    Stall,
}

#[derive(Debug, Clone)]
pub struct Recorded {
    pub path: String,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub user_agent: Option<String>,
    /// The body as JSON (Null when it was not JSON).
    pub body: Value,
}

#[derive(Debug)]
pub struct StubState {
    pub requests: Vec<Recorded>,
    pub fault: Option<Fault>,
    /// Issue a new refresh token on each refresh (rolling refresh tokens).
    pub roll: bool,
    pub refresh_token: String,
    pub refresh_calls: u64,
    pub developer_calls: u64,
    /// Every token call waits this long first (for concurrency tests).
    pub delay: Duration,
    pub issued: u64,
    pub last_access_token: Option<String>,
    pub access_ttl: i64,
    pub revoked: Vec<(String, String)>,
    pub issuer: String,
    /// The redirect URI of the last authorization page visit; the code exchange must send it.
    pub authorized_redirect: Option<String>,
}

pub struct PancloudStub {
    pub url: String,
    state: Arc<Mutex<StubState>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl PancloudStub {
    /// Starts the stub on a free loopback port, in its own thread and runtime.
    pub fn start() -> Self {
        let state = Arc::new(Mutex::new(StubState {
            requests: Vec::new(),
            fault: None,
            roll: false,
            refresh_token: FIRST_REFRESH_TOKEN.into(),
            refresh_calls: 0,
            developer_calls: 0,
            delay: Duration::ZERO,
            issued: 0,
            last_access_token: None,
            access_ttl: 3600,
            revoked: Vec::new(),
            issuer: String::new(),
            authorized_redirect: None,
        }));
        let app = Router::new()
            .route("/api/oauth2/RequestToken", post(request_token))
            .route("/api/oauth2/RevokeToken", post(revoke_token))
            .route("/request_token", post(developer_token))
            .route("/resource", get(resource))
            .route("/.well-known/oauth-authorization-server", get(metadata))
            .route(AUTHORIZE_PATH, get(authorize))
            .with_state(state.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind stub");
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = rx.await;
                    })
                    .await
                    .unwrap();
            });
        });
        state.lock().unwrap().issuer = format!("http://127.0.0.1:{port}");
        PancloudStub {
            url: format!("http://127.0.0.1:{port}"),
            state,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    pub fn state(&self) -> MutexGuard<'_, StubState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set_fault(&self, fault: Option<Fault>) {
        self.state().fault = fault;
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state().requests.clone()
    }

    pub fn refresh_calls(&self) -> u64 {
        self.state().refresh_calls
    }

    /// The profile fields that point pancred at this stub (pancloud dialect).
    pub fn profile(&self, name: &str) -> Value {
        json!({
            "profile": name,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "refresh_token": FIRST_REFRESH_TOKEN,
            "token_url": self.url,
            "redirect_uri": REDIRECT_URI,
            "developer_token_url": format!("{}/request_token", self.url),
        })
    }
}

impl Drop for PancloudStub {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

type Shared = Arc<Mutex<StubState>>;

fn lock(s: &Shared) -> MutexGuard<'_, StubState> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

fn header(h: &HeaderMap, name: &str) -> Option<String> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn record(s: &Shared, path: &str, h: &HeaderMap, body: &Bytes) -> (Option<Fault>, Duration) {
    let mut st = lock(s);
    st.requests.push(Recorded {
        path: path.into(),
        authorization: header(h, "authorization"),
        content_type: header(h, "content-type"),
        user_agent: header(h, "user-agent"),
        body: serde_json::from_slice(body).unwrap_or(Value::Null),
    });
    (st.fault.clone(), st.delay)
}

fn oauth_error(status: StatusCode, error: &str, description: String) -> Response {
    (
        status,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// Applies a fault, if one is set; `None` means answer normally.
async fn faulted(fault: Option<Fault>, delay: Duration) -> Option<Response> {
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    match fault? {
        Fault::Html500 => Some(
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [("content-type", "text/html")],
                "<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1><p>The gateway fell over.</p></body></html>",
            )
                .into_response(),
        ),
        Fault::InvalidGrant => Some(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "refresh token expired or revoked".into(),
        )),
        Fault::NotJson200 => Some((StatusCode::OK, "token issued, have a nice day").into_response()),
        Fault::NoAccessToken200 => {
            Some((StatusCode::OK, axum::Json(json!({"token_type": "Bearer", "expires_in": 3600}))).into_response())
        }
        Fault::Slow(d) => {
            tokio::time::sleep(d).await;
            None
        }
        Fault::Raw {
            status,
            content_type,
            body,
        } => Some(
            (
                StatusCode::from_u16(status).unwrap(),
                [("content-type", content_type)],
                body,
            )
                .into_response(),
        ),
        Fault::Endless => {
            let chunk = Bytes::from(vec![b' '; 64 * 1024]);
            let stream = futures_util::stream::repeat_with(move || {
                Ok::<_, std::io::Error>(chunk.clone())
            });
            Some(
                (
                    [("content-type", "application/json")],
                    axum::body::Body::from_stream(stream),
                )
                    .into_response(),
            )
        }
        Fault::Stall => {
            let first = futures_util::stream::once(async {
                Ok::<_, std::io::Error>(Bytes::from_static(b"{\"access_token\": \"AT-"))
            });
            let stream = futures_util::StreamExt::chain(first, futures_util::stream::pending());
            Some(
                (
                    [("content-type", "application/json")],
                    axum::body::Body::from_stream(stream),
                )
                    .into_response(),
            )
        }
    }
}

/// Checks that `body` is a JSON object with exactly `keys`, and the fixed values in `expect`.
fn check_body(body: &Value, keys: &[&str], expect: &[(&str, &str)]) -> Result<(), String> {
    let obj = body.as_object().ok_or("the body is not a JSON object")?;
    let got: BTreeSet<&str> = obj.keys().map(String::as_str).collect();
    let want: BTreeSet<&str> = keys.iter().copied().collect();
    if got != want {
        return Err(format!("fields {got:?}, expected {want:?}"));
    }
    for (k, v) in expect {
        if obj.get(*k).and_then(Value::as_str) != Some(*v) {
            return Err(format!("field {k} is {:?}, expected {v:?}", obj.get(*k)));
        }
    }
    Ok(())
}

fn issue(st: &mut StubState) -> String {
    st.issued += 1;
    let token = super::jwt(&json!({
        "sub": "stub-user",
        "n": st.issued,
        "exp": super::now() + st.access_ttl,
    }));
    st.last_access_token = Some(token.clone());
    token
}

async fn request_token(State(s): State<Shared>, h: HeaderMap, body: Bytes) -> Response {
    let (fault, delay) = record(&s, "/api/oauth2/RequestToken", &h, &body);
    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if json.get("grant_type").and_then(Value::as_str) == Some("refresh_token") {
        lock(&s).refresh_calls += 1;
    }
    if let Some(r) = faulted(fault, delay).await {
        return r;
    }
    if header(&h, "content-type").as_deref() != Some("application/json") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "expected a JSON body".into(),
        );
    }
    let creds = [("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET)];
    let mut st = lock(&s);
    match json.get("grant_type").and_then(Value::as_str) {
        Some("authorization_code") => {
            let mut expect = creds.to_vec();
            let redirect = st
                .authorized_redirect
                .clone()
                .unwrap_or_else(|| REDIRECT_URI.to_string());
            expect.extend([
                ("grant_type", "authorization_code"),
                ("code", CODE),
                ("redirect_uri", redirect.as_str()),
            ]);
            if let Err(e) = check_body(
                &json,
                &[
                    "grant_type",
                    "client_id",
                    "client_secret",
                    "code",
                    "redirect_uri",
                ],
                &expect,
            ) {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", e);
            }
            let at = issue(&mut st);
            let rt = st.refresh_token.clone();
            axum::Json(json!({"access_token": at, "refresh_token": rt, "token_type": "Bearer", "expires_in": st.access_ttl})).into_response()
        }
        Some("refresh_token") => {
            let current = st.refresh_token.clone();
            let mut expect = creds.to_vec();
            expect.extend([
                ("grant_type", "refresh_token"),
                ("refresh_token", current.as_str()),
            ]);
            if let Err(e) = check_body(
                &json,
                &["grant_type", "client_id", "client_secret", "refresh_token"],
                &expect,
            ) {
                let kind = if e.starts_with("field refresh_token") {
                    "invalid_grant"
                } else {
                    "invalid_request"
                };
                return oauth_error(StatusCode::BAD_REQUEST, kind, e);
            }
            let at = issue(&mut st);
            let mut answer =
                json!({"access_token": at, "token_type": "Bearer", "expires_in": st.access_ttl});
            if st.roll {
                let next = format!("stub-refresh-{}", st.issued);
                st.refresh_token = next.clone();
                answer["refresh_token"] = Value::from(next);
            }
            axum::Json(answer).into_response()
        }
        _ => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "unknown grant_type".into(),
        ),
    }
}

async fn revoke_token(State(s): State<Shared>, h: HeaderMap, body: Bytes) -> Response {
    let (fault, delay) = record(&s, "/api/oauth2/RevokeToken", &h, &body);
    if let Some(r) = faulted(fault, delay).await {
        return r;
    }
    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let hint = json
        .get("token_type_hint")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if let Err(e) = check_body(
        &json,
        &["client_id", "client_secret", "token", "token_type_hint"],
        &[("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET)],
    ) {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", e);
    }
    if hint != "access_token" && hint != "refresh_token" {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("bad token_type_hint {hint:?}"),
        );
    }
    let token = json["token"].as_str().unwrap_or("").to_string();
    let mut st = lock(&s);
    if hint == "refresh_token" && token == st.refresh_token {
        st.refresh_token = "revoked".into();
    }
    st.revoked.push((hint, token));
    axum::Json(json!({"status": "revoked"})).into_response()
}

async fn developer_token(State(s): State<Shared>, h: HeaderMap, body: Bytes) -> Response {
    let (fault, delay) = record(&s, "/request_token", &h, &body);
    lock(&s).developer_calls += 1;
    if let Some(r) = faulted(fault, delay).await {
        return r;
    }
    if header(&h, "authorization") != Some(format!("Bearer {DEVELOPER_TOKEN}")) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "unknown developer token".into(),
        );
    }
    let mut st = lock(&s);
    let at = issue(&mut st);
    axum::Json(json!({"access_token": at})).into_response()
}

/// A protected resource: 200 for the latest access token issued, 401 for any other.
async fn resource(State(s): State<Shared>, h: HeaderMap) -> Response {
    record(&s, "/resource", &h, &Bytes::new());
    let st = lock(&s);
    let want = st.last_access_token.as_ref().map(|t| format!("Bearer {t}"));
    if want.is_some() && header(&h, "authorization") == want {
        (StatusCode::OK, "resource").into_response()
    } else {
        (StatusCode::UNAUTHORIZED, "unauthorized").into_response()
    }
}

/// RFC 8414 metadata only (no OpenID configuration), to exercise the discovery fallback.
async fn metadata(State(s): State<Shared>, h: HeaderMap) -> Response {
    let (fault, delay) = record(
        &s,
        "/.well-known/oauth-authorization-server",
        &h,
        &Bytes::new(),
    );
    if let Some(r) = faulted(fault, delay).await {
        return r;
    }
    let issuer = lock(&s).issuer.clone();
    axum::Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/oauth2/token"),
        "revocation_endpoint": format!("{issuer}/oauth2/revoke"),
    }))
    .into_response()
}

/// pancloud's authorization page, approving at once: checks the query, then redirects to the
/// redirect URI with the code and the state.
async fn authorize(
    State(s): State<Shared>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    let get = |k: &str| q.get(k).map(String::as_str);
    if get("client_id") != Some(CLIENT_ID) || get("response_type") != Some("code") {
        return (StatusCode::BAD_REQUEST, "bad client_id or response_type").into_response();
    }
    let (Some(redirect), Some(state)) = (get("redirect_uri"), get("state")) else {
        return (
            StatusCode::BAD_REQUEST,
            "redirect_uri and state are required",
        )
            .into_response();
    };
    let Ok(mut target) = url::Url::parse(redirect) else {
        return (StatusCode::BAD_REQUEST, "bad redirect_uri").into_response();
    };
    target
        .query_pairs_mut()
        .append_pair("code", CODE)
        .append_pair("state", state);
    lock(&s).authorized_redirect = Some(redirect.to_string());
    (
        StatusCode::FOUND,
        [(axum::http::header::LOCATION, target.to_string())],
    )
        .into_response()
}
