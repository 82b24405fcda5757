//! The HTTP side: the routes, and a thread of its own running them, so the sandbox starts and
//! stops the same way from a plain `main`, from async code, or beside a TUI with its own runtime.

use super::log::{Entry, RequestLog};
use super::registry::Registry;
use super::reply::{ApiError, Outcome};
use super::SandboxError;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::json;
use std::future::IntoFuture;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::sync::watch;

/// What every handler shares.
pub struct App {
    pub registry: Mutex<Registry>,
    pub log: RequestLog,
    pub base_url: String,
}

impl App {
    pub fn reg(&self) -> MutexGuard<'_, Registry> {
        // Registry updates are single statements over plain maps; a panic cannot leave one half done.
        self.registry.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub fn router(app: Arc<App>) -> Router {
    use super::*;
    Router::new()
        .route("/", get(index))
        .route(PANCLOUD_AUTHORIZE_PATH, get(consent::pancloud))
        .route(OAUTH2_AUTHORIZE_PATH, get(consent::oauth2))
        .route(CONSENT_PATH, post(consent::decide))
        .route(PANCLOUD_TOKEN_PATH, post(pancloud::request_token))
        .route(PANCLOUD_REVOKE_PATH, post(pancloud::revoke_token))
        .route(DEVELOPER_TOKEN_PATH, post(pancloud::developer_token))
        .route(DISCOVERY_PATH, get(oauth2::discovery))
        .route(RFC8414_PATH, get(oauth2::discovery))
        .route(TOKEN_PATH, post(oauth2::token))
        .route(REVOKE_PATH, post(oauth2::revoke))
        .route(USERINFO_PATH, get(oauth2::userinfo))
        .route(DEVICE_AUTHORIZATION_PATH, post(device::authorize))
        .route(DEVICE_PAGE_PATH, get(device::page).post(device::decide))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(64 * 1024))
        .with_state(app)
}

async fn index(State(app): State<Arc<App>>) -> Response {
    let b = &app.base_url;
    let body = json!({
        "name": "pancred sandbox",
        "pancloud": {
            "token_url": b,
            "auth_base_url": format!("{b}{}", super::PANCLOUD_AUTHORIZE_PATH),
            "developer_token_url": format!("{b}{}", super::DEVELOPER_TOKEN_PATH),
        },
        "oauth2": {"issuer": b},
    });
    Outcome::ok(body, "index").finish(
        &app,
        Entry {
            method: "GET",
            path: "/",
            ..Default::default()
        },
    )
}

async fn not_found(State(app): State<Arc<App>>, method: Method, uri: Uri) -> Response {
    let e = ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint");
    Outcome::err(e).finish(
        &app,
        Entry {
            method: method.as_str(),
            path: uri.path(),
            ..Default::default()
        },
    )
}

async fn method_not_allowed(State(app): State<Arc<App>>, method: Method, uri: Uri) -> Response {
    let e = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "invalid_request",
        "method not allowed on this endpoint",
    );
    Outcome::err(e).finish(
        &app,
        Entry {
            method: method.as_str(),
            path: uri.path(),
            ..Default::default()
        },
    )
}

/// Serves `listener` on a new thread until `stop` says so (or its sender is dropped).
pub fn spawn(
    listener: std::net::TcpListener,
    app: Arc<App>,
) -> Result<(watch::Sender<bool>, JoinHandle<()>), SandboxError> {
    let rt = crate::config::build_runtime(1).map_err(SandboxError::Runtime)?;
    listener
        .set_nonblocking(true)
        .map_err(SandboxError::Runtime)?;
    let listener = {
        let _in_runtime = rt.enter();
        tokio::net::TcpListener::from_std(listener).map_err(SandboxError::Runtime)?
    };
    let (stop, stopped) = watch::channel(false);
    let thread = std::thread::Builder::new()
        .name("pancred-sandbox".into())
        .spawn(move || {
            rt.block_on(async move {
                let mut graceful = stopped.clone();
                let mut deadline = stopped;
                let server = axum::serve(listener, router(app))
                    .with_graceful_shutdown(async move {
                        let _ = graceful.wait_for(|s| *s).await;
                    })
                    .into_future();
                // A browser may hold a keep-alive connection open: give open requests a moment,
                // then stop regardless.
                let give_up = async move {
                    let _ = deadline.wait_for(|s| *s).await;
                    tokio::time::sleep(Duration::from_secs(2)).await;
                };
                tokio::select! {
                    _ = server => {}
                    _ = give_up => {}
                }
            });
            // Dropping the runtime closes every socket, the listener's included.
            rt.shutdown_timeout(Duration::from_millis(500));
        })
        .map_err(SandboxError::Runtime)?;
    Ok((stop, thread))
}
