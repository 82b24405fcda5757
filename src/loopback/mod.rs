//! The loopback redirect listener of RFC 8252: catches the browser's redirect on 127.0.0.1 (or
//! ::1), checks `state` and the RFC 9207 `iss`, and hands back the code. Step by step, so a UI can show the URL and a
//! waiting state: [`Listener::bind`], then [`Listener::redirect_uri`], then [`Listener::wait`].
//!
//! ```no_run
//! # async fn demo(engine: pancred::Engine) -> Result<(), pancred::Error> {
//! use pancred::loopback::Listener;
//! use std::time::Duration;
//! let listener = Listener::bind("http://127.0.0.1/callback", None).await?;
//! let pending = engine.start_authorization("default", Some(listener.redirect_uri())).await?;
//! // Show pending.url (and open a browser); the wait can run in a task of its own.
//! let stop = std::future::pending::<()>(); // e.g. a key press in a UI
//! let callback = listener.wait(&pending, Duration::from_secs(300), stop).await?;
//! engine.exchange_code("default", callback.code.expose(), Some(&pending)).await?;
//! # Ok(()) }
//! ```

mod callback;
pub(crate) mod connection;
mod pages;
mod redirect;
mod slots;

pub use callback::{parse_pasted, Callback, Expected};
pub use connection::Limits;

use crate::text::Safe;
use callback::Verdict;
use connection::HeadError;
use slots::{Idle, Slots};
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// The redirect used when a profile names none: any free port (native clients, RFC 8252 §7.3).
pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1/callback";

#[derive(Debug, thiserror::Error)]
pub enum LoopbackError {
    #[error("cannot serve the redirect URI {uri}: {reason}")]
    NotLoopback { uri: String, reason: String },
    #[error(
        "port {port} on {ip} is already in use by another program. Close that program, or choose \
         another port with --port N (0 for any free port) if the provider accepts it: the redirect \
         URI registered at the provider decides which ports work"
    )]
    PortInUse { ip: IpAddr, port: u16 },
    #[error("cannot listen on {ip} port {port}: {source}")]
    Bind {
        ip: IpAddr,
        port: u16,
        source: io::Error,
    },
    #[error("the provider refused the authorization: {}{}", Safe(error), .description.as_ref().map(|d| format!(": {}", Safe(d))).unwrap_or_default())]
    Provider {
        error: String,
        description: Option<String>,
    },
    #[error("no authorization arrived within {} seconds", .0.as_secs())]
    TimedOut(Duration),
    #[error("cancelled")]
    Cancelled,
    #[error("cannot use what was pasted: {0}")]
    Pasted(String),
    /// RFC 9207: the response names another issuer, or none where the issuer always names itself.
    #[error("{}", iss_message(expected, got.as_deref()))]
    IssuerMismatch {
        expected: String,
        got: Option<String>,
    },
}

/// `{:?}` escapes control characters: what came from outside cannot drive the terminal.
fn iss_message(expected: &str, got: Option<&str>) -> String {
    match got {
        Some(got) => format!(
            "refused the authorization response: it names issuer {:?}, not {expected:?} of this \
             profile (RFC 9207); it may come from another provider (a mix-up attack)",
            got.chars().take(200).collect::<String>()
        ),
        None => format!(
            "refused the authorization response: it carries no iss, though the metadata of \
             {expected:?} says it always sends one (RFC 9207)"
        ),
    }
}

/// Into the engine's error, keeping the exit codes above: a refusal is the provider's (4).
impl From<LoopbackError> for crate::Error {
    fn from(e: LoopbackError) -> Self {
        match e {
            LoopbackError::NotLoopback { .. } | LoopbackError::Pasted(_) => {
                crate::Error::Usage(e.to_string())
            }
            LoopbackError::Provider { .. } | LoopbackError::IssuerMismatch { .. } => {
                crate::Error::Provider(crate::oauth::OAuthError::Other(e.to_string()))
            }
            LoopbackError::Cancelled => crate::Error::Cancelled,
            e => crate::Error::Other(e.to_string()),
        }
    }
}

/// A bound loopback listener. Dropping it, or the end of [`Listener::wait`], frees the port.
pub struct Listener {
    socket: TcpListener,
    redirect_uri: String,
    path: String,
    limits: Limits,
}

impl Listener {
    /// Binds the redirect URI's loopback address and port (`port_override` wins; 0 or no port
    /// means any free port). Fails at once if the port is taken.
    pub async fn bind(
        redirect_uri: &str,
        port_override: Option<u16>,
    ) -> Result<Self, LoopbackError> {
        let target = redirect::parse(redirect_uri, port_override)?;
        let addr = SocketAddr::new(target.ip, target.port);
        let socket = TcpListener::bind(addr)
            .await
            .map_err(|source| match source.kind() {
                io::ErrorKind::AddrInUse => LoopbackError::PortInUse {
                    ip: target.ip,
                    port: target.port,
                },
                _ => LoopbackError::Bind {
                    ip: target.ip,
                    port: target.port,
                    source,
                },
            })?;
        let port = socket
            .local_addr()
            .map_err(|source| LoopbackError::Bind {
                ip: target.ip,
                port: target.port,
                source,
            })?
            .port();
        Ok(Listener {
            socket,
            redirect_uri: redirect::with_port(&target.url, port),
            path: target.url.path().to_string(),
            limits: Limits::default(),
        })
    }

    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The redirect URI to put on the authorization URL, with the port actually bound.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Serves until one callback carries `expected_state`: its code, or the provider's error.
    /// Anything else is answered (404, 400, 431) and the wait goes on, until `timeout` or
    /// `cancel`. The listener and every open connection are closed on return.
    pub async fn wait(
        self,
        expected: impl Into<Expected>,
        timeout: Duration,
        cancel: impl Future<Output = ()>,
    ) -> Result<Callback, LoopbackError> {
        let shared = Arc::new(Shared {
            path: self.path,
            expected: expected.into(),
            limits: self.limits,
        });
        let mut slots = Slots::new(shared.limits.max_connections);
        let (tx, mut outcomes) = mpsc::channel(4);
        // Dropped on return: aborts every connection still being served.
        let mut connections = JoinSet::new();
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline, cancel);
        loop {
            tokio::select! {
                biased;
                Some(outcome) = outcomes.recv() => return outcome,
                _ = &mut cancel => return Err(LoopbackError::Cancelled),
                _ = &mut deadline => return Err(LoopbackError::TimedOut(timeout)),
                Some(done) = connections.join_next_with_id(), if !connections.is_empty() => {
                    slots.done(match done {
                        Ok((id, ())) => id,
                        Err(e) => e.id(),
                    });
                }
                accepted = self.socket.accept() => match accepted {
                    // At the bound the oldest idle connection is closed, never the new one:
                    // silent local clients cannot keep the browser out.
                    Ok((stream, _)) => {
                        let idle = slots.make_room();
                        let task = serve(stream, shared.clone(), tx.clone(), idle.clone());
                        slots.add(idle, connections.spawn(task));
                    }
                    // Out of descriptors or a reset before accept: brief pause, keep serving.
                    Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                },
            }
        }
    }
}

struct Shared {
    path: String,
    expected: Expected,
    limits: Limits,
}

const HTML: &str = "text/html; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

async fn serve(
    mut stream: TcpStream,
    shared: Arc<Shared>,
    outcomes: mpsc::Sender<Result<Callback, LoopbackError>>,
    idle: Idle,
) {
    let limits = &shared.limits;
    let (status, content_type, body, outcome) = answer(&mut stream, &shared, &idle).await;
    if status == 0 {
        return;
    }
    connection::respond(&mut stream, status, content_type, &body, limits).await;
    match outcome {
        Some(outcome) => {
            let _ = outcomes.send(outcome).await;
        }
        None => connection::linger(&mut stream).await,
    }
}

type Answer = (
    u16,
    &'static str,
    String,
    Option<Result<Callback, LoopbackError>>,
);

/// What to answer one connection, and whether it ends the wait. Status 0: close silently.
async fn answer(stream: &mut TcpStream, shared: &Shared, idle: &Idle) -> Answer {
    let limits = &shared.limits;
    let plain = |status, text: &str| (status, TEXT, format!("{text}\n"), None);
    // A browser sends its request at once; a connection silent past the first-byte timeout is
    // a stray or spare one, and goes before it can hold a slot for the whole read timeout.
    let first = tokio::time::timeout(limits.first_byte_timeout, stream.peek(&mut [0u8; 1])).await;
    match first {
        Ok(Ok(n)) if n > 0 => idle.spoke(),
        Ok(_) => return (0, TEXT, String::new(), None),
        Err(_) => return plain(408, "request timeout"),
    }
    let head =
        tokio::time::timeout(limits.read_timeout, connection::read_head(stream, limits)).await;
    let request = match head {
        Ok(Ok(request)) => request,
        Ok(Err(HeadError::Closed)) => return (0, TEXT, String::new(), None),
        Ok(Err(HeadError::LineTooLong)) => return plain(400, "request line too long"),
        Ok(Err(HeadError::HeadersTooLarge)) => return plain(431, "request headers too large"),
        Ok(Err(HeadError::Malformed(why))) => return plain(400, why),
        Err(_) => return plain(408, "request timeout"),
    };
    let (path, query) = request
        .target
        .split_once('?')
        .unwrap_or((request.target.as_str(), ""));
    if !same_path(path, &shared.path) {
        return plain(404, "not found");
    }
    if request.method != "GET" {
        return plain(405, "only GET");
    }
    match callback::judge_query(query, &shared.expected) {
        Verdict::Rejected {
            status,
            title,
            message,
        } => (status, HTML, pages::error(title, &message), None),
        Verdict::Final(Ok(cb)) => (200, HTML, pages::success(), Some(Ok(cb))),
        Verdict::Final(Err(e)) => {
            let message = match &e {
                LoopbackError::Provider {
                    error,
                    description: Some(d),
                } => format!("{error}: {d}"),
                LoopbackError::Provider { error, .. } => error.clone(),
                other => other.to_string(),
            };
            let title = match &e {
                LoopbackError::IssuerMismatch { .. } => "Wrong issuer: login refused",
                _ => "Authorization refused",
            };
            (400, HTML, pages::error(title, &message), Some(Err(e)))
        }
    }
}

/// The request-head reader, for the fuzzer: any bytes, never a panic.
#[cfg(test)]
pub(crate) async fn read_head_for_fuzz<S: tokio::io::AsyncRead + Unpin>(
    stream: &mut S,
    limits: &Limits,
) -> bool {
    connection::read_head(stream, limits).await.is_ok()
}

/// Compares the request path with the redirect's after the same URL normalization (dot
/// segments, percent-encoding), as the browser applied it to the redirect.
fn same_path(requested: &str, expected: &str) -> bool {
    requested == expected
        || url::Url::parse(&format!("http://127.0.0.1{requested}"))
            .is_ok_and(|u| u.path() == expected)
}
