//! Inside one process: concurrent callers share one in-flight refresh and all get its result;
//! the HTTP helper retries once after a 401 with a refreshed token.
#![cfg(feature = "cli")]
#![allow(clippy::disallowed_methods)] // a test sets up files and stores as it needs

mod common;

use common::pancloud_stub::{Fault, PancloudStub};
use pancred::authorized_client::AuthorizedClient;
use pancred::cli::exit_code;
use pancred::store::memory::MemoryStore;
use pancred::store::ProfileLock;
use pancred::{Engine, Error, Profile, Secret, SharedStore, Store, StoreError};
use rstest::rstest;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn profile(s: &PancloudStub, cache_token: bool) -> Profile {
    let mut v = s.profile("lab");
    v["cache_token"] = serde_json::json!(cache_token);
    Profile::from_json(v).unwrap()
}

fn engine(store: SharedStore) -> Engine {
    Engine::new(store).with_http_timeout(Duration::from_secs(30))
}

async fn burst(engine: &Engine, n: usize) -> Vec<Result<Secret, Error>> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let e = engine.clone();
            tokio::spawn(async move { e.fresh_access_token("lab").await })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// With cache_token off nothing is stored, so only single flight can keep this to one call.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_tasks_share_one_refresh() {
    let s = PancloudStub::start();
    s.state().delay = Duration::from_millis(300);
    let store: SharedStore = Arc::new(MemoryStore::with_profiles([profile(&s, false)]));
    let e = engine(store.clone());
    let results = burst(&e, 64).await;
    let tokens: Vec<String> = results
        .into_iter()
        .map(|r| r.expect("every caller gets the token").expose().to_string())
        .collect();
    assert!(tokens.iter().all(|t| t == &tokens[0]));
    assert_eq!(Some(&tokens[0]), s.state().last_access_token.as_ref());
    assert_eq!(s.refresh_calls(), 1);
    // Nothing cached: the next caller refreshes again (a new flight).
    e.fresh_access_token("lab").await.unwrap();
    assert_eq!(s.refresh_calls(), 2);
    assert!(store.load("lab").unwrap().unwrap().access_token.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failed_refresh_reaches_every_caller_once() {
    let s = PancloudStub::start();
    s.state().delay = Duration::from_millis(300);
    s.set_fault(Some(Fault::InvalidGrant));
    let p = profile(&s, true);
    let store: SharedStore = Arc::new(MemoryStore::with_profiles([p.clone()]));
    let results = burst(&engine(store.clone()), 32).await;
    for r in results {
        let err = r.expect_err("the refresh failed");
        assert_eq!(exit_code(&err), 4);
        assert!(err.to_string().contains("invalid_grant"), "{err}");
    }
    assert_eq!(s.refresh_calls(), 1);
    assert_eq!(
        store.load("lab").unwrap().unwrap(),
        p,
        "a failed refresh changed the store"
    );
}

/// A memory store whose refresh lock is slow and then fails, the way a store can (a bad setting,
/// a file it may not open): every caller waiting on that refresh must see the same failure.
struct FailingLock {
    inner: MemoryStore,
    error: StoreError,
    locks: AtomicUsize,
}

impl Store for FailingLock {
    fn kind(&self) -> &'static str {
        "memory"
    }
    fn location(&self) -> String {
        self.inner.location()
    }
    fn load(&self, name: &str) -> Result<Option<Profile>, StoreError> {
        self.inner.load(name)
    }
    fn list(&self) -> Result<Vec<Profile>, StoreError> {
        self.inner.list()
    }
    fn upsert(&self, profile: &Profile) -> Result<(), StoreError> {
        self.inner.upsert(profile)
    }
    fn remove(&self, name: &str) -> Result<bool, StoreError> {
        self.inner.remove(name)
    }
    fn default_profile(&self) -> Result<Option<String>, StoreError> {
        self.inner.default_profile()
    }
    fn set_default_profile(&self, name: &str) -> Result<(), StoreError> {
        self.inner.set_default_profile(name)
    }
    fn lock(&self, _name: &str, _timeout: Duration) -> Result<Box<dyn ProfileLock>, StoreError> {
        self.locks.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(300));
        Err(self.error.clone())
    }
}

#[rstest]
#[case::bad_setting(StoreError::Config("the store is not set up".into()), 2)]
#[case::io(StoreError::io("/creds.json", std::io::ErrorKind::PermissionDenied.into()), 5)]
#[case::unreachable(StoreError::Unavailable("no keyring".into()), 5)]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_waiter_gets_the_same_error_and_exit_code(
    #[case] error: StoreError,
    #[case] code: i32,
) {
    let s = PancloudStub::start();
    let store = Arc::new(FailingLock {
        inner: MemoryStore::with_profiles([profile(&s, true)]),
        error: error.clone(),
        locks: AtomicUsize::new(0),
    });
    let results = burst(&engine(store.clone()), 16).await;
    assert_eq!(store.locks.load(Ordering::SeqCst), 1, "one shared refresh");
    for r in results {
        let err = r.expect_err("the store failed");
        assert_eq!(exit_code(&err), code, "{err}");
        assert_eq!(err.to_string(), error.to_string());
        match (&err, &error) {
            (Error::Store(StoreError::Io { source, .. }), StoreError::Io { .. }) => {
                assert_eq!(source.kind(), std::io::ErrorKind::PermissionDenied)
            }
            (Error::Store(got), want) => {
                assert_eq!(std::mem::discriminant(got), std::mem::discriminant(want))
            }
            (other, _) => panic!("expected the store's error, got {other:?}"),
        }
    }
    assert_eq!(s.refresh_calls(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn file_store_tasks_and_a_cached_token_afterwards() {
    let dir = tempfile::tempdir().unwrap();
    let s = PancloudStub::start();
    s.state().roll = true;
    s.state().delay = Duration::from_millis(200);
    let file = pancred::store::file::FileStore::new(dir.path().join("credentials.json"));
    file.upsert(&profile(&s, true)).unwrap();
    let store: SharedStore = Arc::new(file);
    let e = engine(store.clone());
    let results = burst(&e, 48).await;
    assert!(results.iter().all(|r| r.is_ok()));
    assert_eq!(s.refresh_calls(), 1);
    let stored = store.load("lab").unwrap().unwrap();
    assert_eq!(
        stored.refresh_token.unwrap().expose(),
        s.state().refresh_token
    );
    // Valid now: no further call.
    e.fresh_access_token("lab").await.unwrap();
    assert_eq!(s.refresh_calls(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorized_client_retries_once_after_401() {
    let s = PancloudStub::start();
    // A cached token that looks valid but the resource server does not accept.
    let mut p = profile(&s, true);
    p.set_access_token(
        Secret::new(common::jwt(
            &serde_json::json!({"exp": common::now() + 3600}),
        )),
        None,
        common::now(),
    );
    let store: SharedStore = Arc::new(MemoryStore::with_profiles([p]));
    let client = AuthorizedClient::new(engine(store.clone()), "lab").unwrap();
    let url = format!("{}/resource", s.url);
    let resp = client.send(|h| h.get(&url)).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(s.refresh_calls(), 1);
    // The refreshed token is stored and used directly next time.
    let resp = client.send(|h| h.get(&url)).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(s.refresh_calls(), 1);
    let statuses = s
        .requests()
        .into_iter()
        .filter(|r| r.path == "/resource")
        .count();
    assert_eq!(statuses, 3, "one 401, its retry, and the next request");
}
