//! `pancred exec --serve -- CMD`: while CMD runs, a private endpoint answers fresh access tokens for
//! one profile, as often as asked, through the engine (so one refresh per expiry across every
//! process and machine sharing the store). CMD, or anything it hands the endpoint to (a remote
//! shell through `ssh -R`, a container through a bind-mounted socket), gets tokens for as long as
//! it runs; the refresh token, the client secret and any key never leave this process.
//!
//! - A Unix socket (mode 0600, in a 0700 folder under `$XDG_RUNTIME_DIR/pancred/`), in
//!   `PANCRED_TOKEN_SOCKET`.
//! - A loopback URL for programs that speak only HTTP over TCP, in `PANCRED_TOKEN_URL`, guarded by a
//!   random bearer in `PANCRED_TOKEN_AUTH` that only CMD receives (compared in constant time).
//! - `GET /token`: `{"access_token", "token_type", "expires_at", "profile"}`; `GET /token.txt`: the
//!   token alone. A failure is JSON `error` and `error_description` (HTTP 502 when the provider
//!   refused, 503 otherwise), never a stale token.
//! - `GET /dpop-proof?method=M&url=U[&nonce=N]`: a DPoP proof for that request with the token
//!   `/token` answers (`serve_proof.rs`).
//! - `--token-file PATH`: a file kept fresh (0600, replaced atomically before each expiry).
//!
//! Everything ends with CMD. A small watcher process (its own process group, so Ctrl-C does not
//! reach it) removes the socket, the token file and the endpoint's note should pancred itself be
//! killed; the listeners close with the process.

use super::serve_files::{
    bind_unix, keep_file_fresh, private_run_dir, watch_for_death, write_token_file,
};
use crate::engine::Engine;
use crate::loopback::connection::{read_head, respond, Limits};
use crate::secret::Secret;
use crate::Error;
use serde_json::json;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::task::JoinHandle;

/// What `--serve` was given.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    pub token_file: Option<PathBuf>,
}

/// Connections served at once; more wait for the operating system's backlog.
const MAX_CONNECTIONS: usize = 64;

/// A running endpoint.
pub struct Endpoint {
    run_dir: PathBuf,
    socket: PathBuf,
    url: String,
    bearer: Secret,
    token_file: Option<PathBuf>,
    note: PathBuf,
    tasks: Vec<JoinHandle<()>>,
    _watcher: Option<std::process::Child>,
}

struct Shared {
    engine: Engine,
    profile: String,
    bearer: Secret,
    answers: AtomicU64,
    note_path: PathBuf,
    note: crate::endpoints::Note,
}

impl Endpoint {
    /// Binds both listeners, writes the token file once, and serves until [`Endpoint::stop`].
    pub async fn start(
        engine: Engine,
        profile: &str,
        options: &ServeOptions,
        command: &str,
    ) -> Result<Endpoint, Error> {
        let run_dir = private_run_dir()?;
        let socket = run_dir.join("token.sock");
        let unix = bind_unix(&socket)?;
        let tcp = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| Error::Other(format!("cannot listen on 127.0.0.1: {e}")))?;
        let port = tcp
            .local_addr()
            .map_err(|e| Error::Other(format!("cannot listen on 127.0.0.1: {e}")))?
            .port();
        let url = format!("http://127.0.0.1:{port}/token");
        let bearer = Secret::new(random_text());
        let note = crate::endpoints::Note::path_for(std::process::id());
        let watcher = watch_for_death(&[&socket, &note], options.token_file.as_deref(), &run_dir);
        let shared = Arc::new(Shared {
            engine: engine.clone(),
            profile: profile.to_string(),
            bearer: bearer.clone(),
            answers: AtomicU64::new(0),
            note_path: note.clone(),
            note: crate::endpoints::Note {
                pid: std::process::id(),
                profile: profile.to_string(),
                command: command.to_string(),
                socket: socket.clone(),
                url: url.clone(),
                started_at: crate::clock::Clock::now(&crate::clock::SystemClock),
                answers: 0,
            },
        });
        shared.write_note(0);
        let mut tasks = Vec::new();
        if let Some(path) = &options.token_file {
            // Written once before CMD starts, then kept fresh.
            let expiry = write_token_file(&engine, profile, path).await?;
            tasks.push(tokio::spawn(keep_file_fresh(
                engine.clone(),
                profile.to_string(),
                path.clone(),
                expiry,
            )));
        }
        let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
        tasks.push(serve_on(unix, shared.clone(), slots.clone(), false));
        tasks.push(serve_on(tcp, shared, slots, true));
        Ok(Endpoint {
            run_dir,
            socket,
            url,
            bearer,
            token_file: options.token_file.clone(),
            note,
            tasks,
            _watcher: watcher,
        })
    }

    /// The variables CMD gets.
    pub fn env(&self) -> Vec<(&'static str, OsString)> {
        vec![
            (
                crate::env::TOKEN_SOCKET,
                self.socket.clone().into_os_string(),
            ),
            (crate::env::TOKEN_URL, self.url.clone().into()),
            (crate::env::TOKEN_AUTH, self.bearer.expose().into()),
        ]
    }

    /// Stops serving and removes everything it made.
    // The endpoint's own files (socket, token file, note), none of them a store's.
    #[allow(clippy::disallowed_methods)]
    pub fn stop(self) {
        for t in &self.tasks {
            t.abort();
        }
        for path in [
            Some(&self.socket),
            Some(&self.note),
            self.token_file.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            let _ = std::fs::remove_file(path);
        }
        let _ = std::fs::remove_dir(&self.run_dir);
        // (Dropping the watcher's pipe lets it end; what it would remove is gone already.)
    }
}

impl Shared {
    /// The endpoint's note for the TUI: which profile, which command, how many answers.
    fn write_note(&self, answers: u64) {
        let note = crate::endpoints::Note {
            answers,
            ..self.note.clone()
        };
        note.write(&self.note_path);
    }
}

/// A listener the endpoint serves on: the Unix socket or the loopback port.
trait Accept: Send + 'static {
    type Stream: AsyncRead + AsyncWrite + Unpin + Send + 'static;
    fn next(&self) -> impl std::future::Future<Output = std::io::Result<Self::Stream>> + Send;
}

#[cfg(unix)]
impl Accept for tokio::net::UnixListener {
    type Stream = tokio::net::UnixStream;
    async fn next(&self) -> std::io::Result<Self::Stream> {
        self.accept().await.map(|(s, _)| s)
    }
}

impl Accept for tokio::net::TcpListener {
    type Stream = tokio::net::TcpStream;
    async fn next(&self) -> std::io::Result<Self::Stream> {
        self.accept().await.map(|(s, _)| s)
    }
}

/// Serves `listener` until aborted: one task per connection, at most [`MAX_CONNECTIONS`] at once
/// across both listeners (`slots`).
fn serve_on<L: Accept>(
    listener: L,
    shared: Arc<Shared>,
    slots: Arc<tokio::sync::Semaphore>,
    needs_bearer: bool,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let stream = match listener.next().await {
                Ok(s) => s,
                // Out of descriptors, say: wait a little rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let Ok(permit) = slots.clone().acquire_owned().await else {
                return;
            };
            let shared = shared.clone();
            tokio::spawn(async move {
                serve_one(stream, &shared, needs_bearer).await;
                drop(permit);
            });
        }
    })
}

/// Answers one request on one connection.
async fn serve_one<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    shared: &Shared,
    needs_bearer: bool,
) {
    let limits = Limits::default();
    let head = tokio::time::timeout(limits.read_timeout, read_head(&mut stream, &limits)).await;
    let Ok(Ok(request)) = head else {
        respond(
            &mut stream,
            400,
            "application/json",
            &error_json("invalid_request", "not an HTTP request"),
            &limits,
        )
        .await;
        return;
    };
    if needs_bearer {
        let given = request
            .authorization
            .as_deref()
            .and_then(|a| a.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !crate::rules::constant_time::eq(given, shared.bearer.expose()) {
            let body = error_json("unauthorized", "send the bearer in PANCRED_TOKEN_AUTH");
            respond(&mut stream, 401, "application/json", &body, &limits).await;
            return;
        }
    }
    let path = request.target.split('?').next().unwrap_or_default();
    if path == super::serve_proof::PATH && request.method == "GET" {
        let (status, body) =
            super::serve_proof::answer(&shared.engine, &shared.profile, &request.target).await;
        let kind = if status == 200 {
            "text/plain"
        } else {
            "application/json"
        };
        respond(&mut stream, status, kind, &body, &limits).await;
        return;
    }
    if path != "/token" && path != "/token.txt" {
        let body = error_json("not_found", "ask GET /token or GET /token.txt");
        respond(&mut stream, 404, "application/json", &body, &limits).await;
        return;
    }
    if request.method != "GET" {
        respond(
            &mut stream,
            405,
            "application/json",
            &error_json("invalid_request", "GET only"),
            &limits,
        )
        .await;
        return;
    }
    match shared
        .engine
        .fresh_access_token_with_expiry(&shared.profile)
        .await
    {
        Ok((token, expires_at)) => {
            let n = shared.answers.fetch_add(1, Ordering::Relaxed) + 1;
            shared.write_note(n);
            if path == "/token.txt" {
                respond(
                    &mut stream,
                    200,
                    "text/plain",
                    &format!("{}\n", token.expose()),
                    &limits,
                )
                .await;
            } else {
                let body = json!({
                    "access_token": token.expose(),
                    "token_type": super::serve_proof::token_type(&shared.engine, &shared.profile).await,
                    "expires_at": expires_at,
                    "profile": shared.profile,
                });
                respond(
                    &mut stream,
                    200,
                    "application/json",
                    &body.to_string(),
                    &limits,
                )
                .await;
            }
        }
        Err(e) => {
            let (status, code) = match &e {
                Error::Provider(crate::oauth::OAuthError::Refused { error, .. }) => {
                    (502, error.clone())
                }
                Error::Provider(_) => (502, "server_error".to_string()),
                _ => (503, "temporarily_unavailable".to_string()),
            };
            let body = error_json(&code, &crate::text::safe_lines(&e.to_string()));
            respond(&mut stream, status, "application/json", &body, &limits).await;
        }
    }
}

/// 32 random bytes, base64url.
pub(super) fn random_text() -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

pub(super) fn error_json(error: &str, description: &str) -> String {
    json!({ "error": error, "error_description": description }).to_string()
}
