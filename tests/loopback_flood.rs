//! Any number of idle local connections can neither starve the browser's callback nor keep a
//! login waiting: the listener alone under a flood that reconnects as fast as it is cut off, and
//! `pancred login` with headless Chromium through the same flood.
#![cfg(feature = "cli")]

mod common;

use common::login::{init, login_cmd, Login, LONG};
use common::pancloud_stub::{PancloudStub, AUTHORIZE_PATH};
use common::Sandbox;
use pancred::loopback::{Limits, Listener};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// More idle connections than the listener serves at once (128), each reopened as soon as the
/// listener closes it, until `stop`.
fn flood(addr: SocketAddr, n: usize, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let mut tasks = Vec::new();
            for _ in 0..n {
                let stop = stop.clone();
                tasks.push(tokio::spawn(async move {
                    while !stop.load(Ordering::Relaxed) {
                        if let Ok(mut s) = TcpStream::connect(addr).await {
                            let mut sink = Vec::new();
                            let _ = tokio::time::timeout(
                                Duration::from_secs(1),
                                s.read_to_end(&mut sink),
                            )
                            .await;
                        }
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }));
            }
            for t in tasks {
                let _ = t.await;
            }
        })
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_idle_connections_cannot_starve_the_callback() {
    let listener = Listener::bind("http://127.0.0.1/cb", Some(0))
        .await
        .unwrap()
        .with_limits(Limits::default());
    let addr = listener.local_addr().unwrap();
    let wait = tokio::spawn(async move { listener.wait("st", LONG, std::future::pending()).await });
    let stop = Arc::new(AtomicBool::new(false));
    let flooder = flood(addr, 200, stop.clone());
    tokio::time::sleep(Duration::from_millis(800)).await;
    let started = Instant::now();
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /cb?code=c0de&state=st HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out)).await;
    let answer = String::from_utf8_lossy(&out).into_owned();
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "the callback got {answer:?}"
    );
    let cb = tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .expect("the wait ends")
        .unwrap()
        .expect("the code");
    assert_eq!(cb.code.expose(), "c0de");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    stop.store(true, Ordering::Relaxed);
    flooder.join().unwrap();
}

#[test]
fn a_real_browser_logs_in_through_the_flood() {
    let Some(js) = common::external("PANCRED_TEST_JS") else {
        return;
    };
    let stub = PancloudStub::start();
    let sb = Sandbox::new();
    let mut p = stub.profile("default");
    p.as_object_mut().unwrap().remove("refresh_token");
    p["auth_base_url"] = json!(format!("{}{AUTHORIZE_PATH}", stub.url));
    p["redirect_uri"] = json!("http://127.0.0.1/callback");
    init(&sb, p);
    let mut login = Login::spawn(login_cmd(&sb, &["--no-browser", "--timeout", "60"]), false);
    let url = login.url();
    let port = login.port();
    let stop = Arc::new(AtomicBool::new(false));
    let flooder = flood(SocketAddr::from(([127, 0, 0, 1], port)), 160, stop.clone());
    std::thread::sleep(Duration::from_millis(800));
    let mut browser = std::process::Command::new("node");
    browser.arg(format!("{js}/browser-login.mjs")).arg(&url);
    if let Ok(chromium) = std::env::var("PANCRED_TEST_CHROMIUM") {
        browser.env("PANCRED_TEST_CHROMIUM", chromium);
    }
    let out = browser.output().expect("run the browser");
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    stop.store(true, Ordering::Relaxed);
    assert!(said.contains("browser-login: landed HTTP 200"), "{said}");
    let (code, _, stderr) = login.finish();
    flooder.join().unwrap();
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("logged in"), "{stderr}");
    let _ = LONG;
}
