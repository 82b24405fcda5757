//! The loopback redirect listener alone, against well-behaved and hostile local clients: each
//! case asserts what the client got and that a valid callback still ends the wait afterwards.
#![cfg(feature = "cli")]

use pancred::cli::exit_code;
use pancred::loopback::{Callback, Limits, Listener, LoopbackError};
use std::future::pending;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

const STATE: &str = "st-8f2b1c";
const LONG: Duration = Duration::from_secs(60);

struct Reply {
    status: u16,
    body: String,
}

/// Sends raw bytes and reads the whole answer (the listener closes every connection).
async fn raw(addr: SocketAddr, bytes: &[u8]) -> Reply {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    // The listener may answer and stop reading before all of an oversized request is sent.
    let _ = s.write_all(bytes).await;
    let mut out = Vec::new();
    tokio::time::timeout(LONG, s.read_to_end(&mut out))
        .await
        .expect("the listener answers in time")
        .expect("read");
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Reply { status, body }
}

async fn get(addr: SocketAddr, target: &str) -> Reply {
    raw(
        addr,
        format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/html\r\n\r\n").as_bytes(),
    )
    .await
}

/// Binds an ephemeral port on the given redirect and starts waiting in a task.
async fn start(
    redirect: &str,
    limits: Limits,
    timeout: Duration,
) -> (
    SocketAddr,
    String,
    JoinHandle<Result<Callback, LoopbackError>>,
) {
    let listener = Listener::bind(redirect, Some(0))
        .await
        .expect("bind")
        .with_limits(limits);
    let addr = listener.local_addr().unwrap();
    let uri = listener.redirect_uri().to_string();
    let task = tokio::spawn(async move { listener.wait(STATE, timeout, pending()).await });
    (addr, uri, task)
}

fn quick_limits() -> Limits {
    Limits {
        read_timeout: Duration::from_secs(2),
        ..Limits::default()
    }
}

async fn finish(addr: SocketAddr, task: JoinHandle<Result<Callback, LoopbackError>>) {
    assert!(
        !task.is_finished(),
        "the hostile input must not end the wait"
    );
    let r = get(addr, &format!("/cb?code=the-code&state={STATE}")).await;
    assert_eq!(r.status, 200);
    // Received, not "authorized": the exchange that follows may still fail (a wrong secret).
    assert!(r.body.contains("Authorization received"), "{}", r.body);
    assert!(r.body.contains("the terminal says whether"), "{}", r.body);
    let cb = tokio::time::timeout(LONG, task)
        .await
        .unwrap()
        .unwrap()
        .expect("a code");
    assert_eq!(cb.code.expose(), "the-code");
    assert_released(addr).await;
}

/// The port is free again: a new listener can take it.
async fn assert_released(addr: SocketAddr) {
    tokio::net::TcpListener::bind(addr)
        .await
        .expect("port released after the wait");
}

#[tokio::test]
async fn valid_callback_ends_the_wait_after_strays() {
    let (addr, uri, task) = start("http://127.0.0.1:5/cb", Limits::default(), LONG).await;
    assert_eq!(uri, format!("http://127.0.0.1:{}/cb", addr.port()));
    assert_eq!(get(addr, "/favicon.ico").await.status, 404);
    assert_eq!(get(addr, "/other?code=x&state=st-8f2b1c").await.status, 404);
    let wrong = get(addr, "/cb?code=evil&state=not-it").await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.body.contains("does not match"), "{}", wrong.body);
    let missing = get(addr, "/cb?code=evil").await;
    assert_eq!(missing.status, 400);
    let post = raw(
        addr,
        b"POST /cb?code=x&state=st-8f2b1c HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
    )
    .await;
    assert_eq!(post.status, 405);
    finish(addr, task).await;
}

#[tokio::test]
async fn error_callback_ends_with_the_providers_message() {
    let (addr, _, task) = start("http://127.0.0.1/cb", Limits::default(), LONG).await;
    // A refusal without our state is someone else's: it must not end this login.
    assert_eq!(
        get(addr, "/cb?error=access_denied&state=other")
            .await
            .status,
        400
    );
    let r = get(
        addr,
        &format!("/cb?error=access_denied&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E+said+no&state={STATE}"),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("access_denied"));
    assert!(
        r.body
            .contains("&lt;script&gt;alert(1)&lt;/script&gt; said no"),
        "{}",
        r.body
    );
    assert!(!r.body.contains("<script>"));
    match tokio::time::timeout(LONG, task).await.unwrap().unwrap() {
        Err(e @ LoopbackError::Provider { .. }) => {
            assert!(e
                .to_string()
                .contains("access_denied: <script>alert(1)</script> said no"));
            assert_eq!(exit_code(&e.into()), 4);
        }
        other => panic!("expected the provider's refusal, got {other:?}"),
    }
    assert_released(addr).await;
}

#[tokio::test]
async fn timeout_ends_the_wait_and_frees_the_port() {
    let started = Instant::now();
    let (addr, _, task) = start(
        "http://127.0.0.1/cb",
        Limits::default(),
        Duration::from_secs(1),
    )
    .await;
    let r = tokio::time::timeout(LONG, task).await.unwrap().unwrap();
    assert!(matches!(r, Err(LoopbackError::TimedOut(_))), "{r:?}");
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_released(addr).await;
}

#[tokio::test]
async fn cancel_ends_the_wait_and_frees_the_port() {
    let listener = Listener::bind("http://127.0.0.1/cb", None).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        listener
            .wait(STATE, LONG, async {
                let _ = rx.await;
            })
            .await
    });
    tx.send(()).unwrap();
    let r = tokio::time::timeout(LONG, task).await.unwrap().unwrap();
    assert!(matches!(r, Err(LoopbackError::Cancelled)), "{r:?}");
    assert_released(addr).await;
}

#[tokio::test]
async fn port_in_use_is_a_clear_error_at_once() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let started = Instant::now();
    let err = Listener::bind(&format!("http://127.0.0.1:{port}/cb"), None)
        .await
        .err()
        .expect("the port is taken");
    assert!(started.elapsed() < Duration::from_secs(5));
    let msg = err.to_string();
    assert!(matches!(err, LoopbackError::PortInUse { .. }));
    assert!(msg.contains(&format!("port {port}")), "{msg}");
    assert!(
        msg.contains("redirect URI registered at the provider"),
        "{msg}"
    );
    // The override reaches the same check.
    let err = Listener::bind("http://127.0.0.1:1/cb", Some(port))
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains(&format!("port {port}")));
}

#[tokio::test]
async fn not_a_loopback_redirect_is_refused() {
    for uri in [
        "https://127.0.0.1:1/cb",
        "http://192.0.2.1:1/cb",
        "http://example.com/cb",
    ] {
        let err = Listener::bind(uri, None).await.err().expect(uri);
        assert!(
            matches!(err, LoopbackError::NotLoopback { .. }),
            "{uri}: {err}"
        );
        assert_eq!(exit_code(&err.into()), 2);
    }
}

#[tokio::test]
async fn oversized_request_line_and_headers() {
    let (addr, _, task) = start("http://127.0.0.1/cb", Limits::default(), LONG).await;
    let line = format!(
        "GET /cb?code={}&state={STATE} HTTP/1.1\r\n\r\n",
        "a".repeat(100_000)
    );
    assert_eq!(raw(addr, line.as_bytes()).await.status, 400);
    let headers = format!(
        "GET /cb HTTP/1.1\r\nCookie: {}\r\n\r\n",
        "b".repeat(100_000)
    );
    assert_eq!(raw(addr, headers.as_bytes()).await.status, 431);
    let many = format!("GET /cb HTTP/1.1\r\n{}\r\n", "X-A: b\r\n".repeat(1000));
    assert_eq!(raw(addr, many.as_bytes()).await.status, 431);
    finish(addr, task).await;
}

#[tokio::test]
async fn silent_and_dripping_clients_are_cut_off() {
    let (addr, _, task) = start("http://127.0.0.1/cb", quick_limits(), LONG).await;
    let started = Instant::now();
    let mut silent = TcpStream::connect(addr).await.unwrap();
    let mut drip = TcpStream::connect(addr).await.unwrap();
    let dripper = tokio::spawn(async move {
        // One byte every 300 ms: never a full request within the read timeout.
        for b in b"GET /cb?code=slow HTTP/1.1\r\n".iter() {
            if drip.write_all(&[*b]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        let mut out = Vec::new();
        let _ = drip.read_to_end(&mut out).await;
        out
    });
    let mut out = Vec::new();
    tokio::time::timeout(LONG, silent.read_to_end(&mut out))
        .await
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&out).starts_with("HTTP/1.1 408"));
    assert!(started.elapsed() >= Duration::from_secs(2));
    let dripped = tokio::time::timeout(LONG, dripper).await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&dripped).starts_with("HTTP/1.1 408"));
    finish(addr, task).await;
}

#[tokio::test]
async fn a_valid_callback_gets_through_while_a_silent_client_holds_on() {
    let (addr, _, task) = start("http://127.0.0.1/cb", Limits::default(), LONG).await;
    let _silent = TcpStream::connect(addr).await.unwrap();
    let started = Instant::now();
    finish(addr, task).await;
    // Served at once, not after the 10 s read timeout of the silent one.
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn non_http_bytes_get_400_at_once() {
    let (addr, _, task) = start("http://127.0.0.1/cb", Limits::default(), LONG).await;
    let started = Instant::now();
    // The start of a TLS ClientHello: someone tried https:// on the port.
    let tls = raw(
        addr,
        &[
            0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03,
        ],
    )
    .await;
    assert_eq!(tls.status, 400);
    let binary: Vec<u8> = (0u8..=255).cycle().take(5000).collect();
    assert_eq!(raw(addr, &binary).await.status, 400);
    assert_eq!(raw(addr, b"SSH-2.0-OpenSSH_9.2\r\n").await.status, 400);
    assert_eq!(
        raw(addr, b"GET /cb HTTP/1.1\r\nHost\x00: x\r\n\r\n")
            .await
            .status,
        400
    );
    assert_eq!(
        raw(addr, b"GET /cb\xff\xfe HTTP/1.1\r\n\r\n").await.status,
        400
    );
    // Judged on the first bytes, not after the read timeout.
    assert!(started.elapsed() < Duration::from_secs(8));
    finish(addr, task).await;
}

#[tokio::test]
async fn many_connections_at_once() {
    let (addr, _, task) = start("http://127.0.0.1/cb", quick_limits(), LONG).await;
    let mut silent = Vec::new();
    for _ in 0..40 {
        silent.push(TcpStream::connect(addr).await.unwrap());
    }
    let mut clients = Vec::new();
    for i in 0..60 {
        clients.push(tokio::spawn(async move {
            match i % 3 {
                0 => get(addr, "/favicon.ico").await.status,
                1 => {
                    get(addr, &format!("/cb?code=x{i}&state=wrong"))
                        .await
                        .status
                }
                _ => raw(addr, b"\x00\x01\x02 junk\r\n\r\n").await.status,
            }
        }));
    }
    for (i, c) in clients.into_iter().enumerate() {
        let status = tokio::time::timeout(LONG, c).await.unwrap().unwrap();
        assert_eq!(status, [404, 400, 400][i % 3], "client {i}");
    }
    finish(addr, task).await;
    drop(silent);
}

#[tokio::test]
async fn at_the_bound_the_oldest_idle_connection_makes_room() {
    let limits = Limits {
        max_connections: 8,
        first_byte_timeout: Duration::from_secs(30),
        read_timeout: Duration::from_secs(30),
        ..Limits::default()
    };
    let (addr, _, task) = start("http://127.0.0.1/cb", limits, LONG).await;
    let mut held = Vec::new();
    for _ in 0..8 {
        held.push(TcpStream::connect(addr).await.unwrap());
    }
    // Accepts are first come, first served: the eight are taken before the callback.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    finish(addr, task).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "served at once, not after the held ones (30 s): {:?}",
        started.elapsed()
    );
    // The oldest held connection was closed, without an answer, to make room.
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(Duration::from_secs(5), held[0].read(&mut buf))
        .await
        .expect("the oldest idle connection is closed")
        .unwrap_or(0);
    assert_eq!(n, 0);
}

#[tokio::test]
async fn ipv6_loopback_when_the_redirect_says_so() {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        eprintln!("skipping: no IPv6 loopback on this machine");
        return;
    }
    let (addr, uri, task) = start("http://[::1]:1/cb", Limits::default(), LONG).await;
    assert!(addr.is_ipv6());
    assert_eq!(uri, format!("http://[::1]:{}/cb", addr.port()));
    finish(addr, task).await;
}
