//! The rescue path against a store that refuses writes for a while (or for good).

use super::*;
use crate::store::memory::MemoryStore;
use crate::store::{ProfileLock, Store};
use std::os::unix::fs::PermissionsExt;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// A memory store whose next `failing` writes fail as an unreachable server's would.
struct Flaky {
    inner: MemoryStore,
    failing: AtomicU32,
    resets: AtomicU32,
    /// Can lose profiles nobody removed (memcached, Redis without persistence).
    forgets: AtomicBool,
}

impl Flaky {
    fn new(failing: u32) -> Arc<Self> {
        let inner = MemoryStore::new();
        let mut p = Profile::new("p");
        p.refresh_token = Some(Secret::new("rt-1"));
        p.access_token = Some(Secret::new("at-1"));
        inner.upsert(&p).unwrap();
        Arc::new(Flaky {
            inner,
            failing: AtomicU32::new(failing),
            resets: AtomicU32::new(0),
            forgets: AtomicBool::new(false),
        })
    }

    fn heal(&self) {
        self.failing.store(0, Ordering::SeqCst);
    }

    fn rt(&self) -> Option<String> {
        let p = self.inner.load("p").unwrap()?;
        p.refresh_token.map(|s| s.expose().to_string())
    }
}

impl Store for Flaky {
    fn kind(&self) -> &'static str {
        "flaky"
    }
    fn location(&self) -> String {
        "test".into()
    }
    fn load(&self, name: &str) -> Result<Option<Profile>, StoreError> {
        self.inner.load(name)
    }
    fn list(&self) -> Result<Vec<Profile>, StoreError> {
        self.inner.list()
    }
    fn upsert(&self, profile: &Profile) -> Result<(), StoreError> {
        let left = self.failing.load(Ordering::SeqCst);
        if left > 0 {
            self.failing.store(left - 1, Ordering::SeqCst);
            return Err(StoreError::Unavailable("the server went away".into()));
        }
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
    fn lock(&self, name: &str, timeout: Duration) -> Result<Box<dyn ProfileLock>, StoreError> {
        self.inner.lock(name, timeout)
    }
    /// A lease, as on Redis: the write of new tokens checks the store first.
    fn lock_can_lapse(&self) -> bool {
        true
    }
    fn reset(&self) {
        self.resets.fetch_add(1, Ordering::SeqCst);
    }
    fn can_forget(&self) -> bool {
        self.forgets.load(Ordering::SeqCst)
    }
}

fn engine(store: &Arc<Flaky>, dir: &Path) -> Engine {
    Engine::new(store.clone()).with_rescue_dir(dir)
}

fn rotated(rt: &str, at: &str) -> Profile {
    let mut p = Profile::new("p");
    p.refresh_token = Some(Secret::new(rt));
    p.access_token = Some(Secret::new(at));
    p.expires_at = Some(4_000_000_000);
    p
}

fn rt1() -> Option<Secret> {
    Some(Secret::new("rt-1"))
}

fn block<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn a_write_that_fails_briefly_is_retried_on_a_fresh_connection() {
    let dir = tempfile::tempdir().unwrap();
    let store = Flaky::new(2);
    let e = engine(&store, dir.path());
    block(e.store_tokens(rotated("rt-2", "at-2"), rt1())).unwrap();
    assert_eq!(store.rt().as_deref(), Some("rt-2"));
    assert_eq!(store.resets.load(Ordering::SeqCst), 2);
    assert!(e.take_notices().is_empty());
    assert!(!e.rescue_path("p").unwrap().exists());
}

#[test]
fn tokens_the_store_refuses_go_to_a_private_rescue_file_then_to_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = Flaky::new(u32::MAX);
    let e = engine(&store, dir.path());
    let started = Instant::now();
    block(e.store_tokens(rotated("rt-2", "at-2"), rt1())).unwrap();
    assert!(started.elapsed() >= RETRY_WINDOW, "retried for the window");
    let path = e.rescue_path("p").unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let notices = e.take_notices();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(
        notices[0].contains(&path.display().to_string()),
        "{notices:?}"
    );
    assert!(!notices[0].contains("rt-2"), "no secret in a notice");
    assert_eq!(
        store.rt().as_deref(),
        Some("rt-1"),
        "the store is unchanged"
    );

    // While the store still refuses writes, reads see the rescued tokens, never the spent one.
    let seen = block(e.load("p")).unwrap().unwrap();
    assert_eq!(seen.refresh_token.unwrap().expose(), "rt-2");
    let _lock = block(e.lock("p")).unwrap();
    assert!(path.exists(), "kept while the store refuses");
    drop(_lock);

    // The next use of the profile, once the store answers, stores them and removes the file.
    store.heal();
    drop(block(e.lock("p")).unwrap());
    assert_eq!(store.rt().as_deref(), Some("rt-2"));
    let stored = store.inner.load("p").unwrap().unwrap();
    assert_eq!(stored.access_token.unwrap().expose(), "at-2");
    assert!(!path.exists());
    let notices = e.take_notices();
    assert!(
        notices.iter().any(|n| n.contains("stored the tokens")),
        "{notices:?}"
    );
}

#[test]
fn a_second_rescue_before_the_first_is_applied_keeps_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let store = Flaky::new(u32::MAX);
    let e = engine(&store, dir.path());
    block(e.store_tokens(rotated("rt-2", "at-2"), rt1())).unwrap();
    // The next refresh spent rt-2 (served from the rescue) and got rt-3.
    block(e.store_tokens(rotated("rt-3", "at-3"), Some(Secret::new("rt-2")))).unwrap();
    store.heal();
    drop(block(e.lock("p")).unwrap());
    assert_eq!(store.rt().as_deref(), Some("rt-3"));
}

#[test]
fn a_removed_or_logged_in_again_profile_keeps_what_the_store_has() {
    let dir = tempfile::tempdir().unwrap();
    let store = Flaky::new(u32::MAX);
    let e = engine(&store, dir.path());
    block(e.store_tokens(rotated("rt-2", "at-2"), rt1())).unwrap();
    store.inner.remove("p").unwrap();
    store.heal();
    assert!(block(e.load("p")).unwrap().is_none());
    drop(block(e.lock("p")).unwrap());
    assert!(store.inner.load("p").unwrap().is_none(), "not brought back");
    assert!(!e.rescue_path("p").unwrap().exists());
    let notices = e.take_notices();
    assert!(notices.iter().any(|n| n.contains("removed")), "{notices:?}");

    let store = Flaky::new(u32::MAX);
    let e = engine(&store, dir.path());
    block(e.store_tokens(rotated("rt-2", "at-2"), rt1())).unwrap();
    store.heal();
    store
        .inner
        .upsert(&rotated("rt-login", "at-login"))
        .unwrap();
    drop(block(e.lock("p")).unwrap());
    assert_eq!(store.rt().as_deref(), Some("rt-login"));
}

#[test]
fn a_rescue_of_another_store_is_not_applied_here() {
    let dir = tempfile::tempdir().unwrap();
    let store = Flaky::new(u32::MAX);
    block(engine(&store, dir.path()).store_tokens(rotated("rt-2", "at-2"), rt1())).unwrap();
    let other = Arc::new(MemoryStore::new());
    let e = Engine::new(other).with_rescue_dir(dir.path());
    assert!(block(e.load("p")).unwrap().is_none());
}

#[test]
fn a_write_never_replaces_a_grant_stored_by_someone_else_meanwhile() {
    // This refresh spent rt-1; while it ran (its lock lapsed), another holder stored rt-9.
    let dir = tempfile::tempdir().unwrap();
    let store = Flaky::new(0);
    store.inner.upsert(&rotated("rt-9", "at-9")).unwrap();
    let e = engine(&store, dir.path());
    block(e.store_tokens(rotated("rt-2", "at-2"), rt1())).unwrap();
    assert_eq!(
        store.rt().as_deref(),
        Some("rt-9"),
        "the newer grant was overwritten"
    );
    let notices = e.take_notices();
    assert!(
        notices
            .iter()
            .any(|n| n.contains("changed while this refresh ran")),
        "{notices:?}"
    );
    // The usual case writes: the store still holds the token this refresh spent.
    store.inner.upsert(&rotated("rt-1", "at-1")).unwrap();
    block(e.store_tokens(rotated("rt-2", "at-2"), rt1())).unwrap();
    assert_eq!(store.rt().as_deref(), Some("rt-2"));
}

#[test]
fn a_rescue_file_that_is_a_fifo_is_reported_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let store = Flaky::new(0);
    let e = engine(&store, dir.path());
    let path = e.rescue_path("p").unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    assert!(std::process::Command::new("mkfifo")
        .arg(&path)
        .status()
        .unwrap()
        .success());
    let start = Instant::now();
    let p = block(e.load("p")).unwrap().unwrap();
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(p.refresh_token, rt1(), "the store's tokens are used");
    let notices = e.take_notices().join("\n");
    assert!(
        notices.contains("cannot read a rescue file") && notices.contains("named pipe"),
        "{notices}"
    );
}

#[test]
fn a_store_that_forgot_the_profile_keeps_the_rescue_until_it_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = Flaky::new(u32::MAX);
    store.forgets.store(true, Ordering::SeqCst);
    let e = engine(&store, dir.path());
    block(e.store_tokens(rotated("rt-2", "at-2"), rt1())).unwrap();
    let path = e.rescue_path("p").unwrap();
    e.take_notices();
    // The server restarted empty.
    store.inner.remove("p").unwrap();
    store.heal();
    drop(block(e.lock("p")).unwrap());
    assert!(path.exists(), "a forgotten profile is not a removal");
    let notices = e.take_notices();
    assert!(
        notices.iter().any(|n| n.contains("not a removal")
            && n.contains(&path.display().to_string())
            && n.contains("pancred import")),
        "{notices:?}"
    );
    // The profile comes back from its old copy (an import), holding the spent refresh token:
    // the write that brings it back carries the rescued tokens instead.
    block(e.update("p", |_| Ok(Some(rotated("rt-1", "at-1"))))).unwrap();
    assert_eq!(store.rt().as_deref(), Some("rt-2"));
    assert!(!path.exists());
    let notices = e.take_notices();
    assert!(
        notices.iter().any(|n| n.contains("stored the tokens")),
        "{notices:?}"
    );
}

#[test]
fn a_profile_recreated_without_tokens_in_a_forgetful_store_gets_the_rescue() {
    let dir = tempfile::tempdir().unwrap();
    let store = Flaky::new(u32::MAX);
    store.forgets.store(true, Ordering::SeqCst);
    let e = engine(&store, dir.path());
    block(e.store_tokens(rotated("rt-2", "at-2"), rt1())).unwrap();
    store.inner.remove("p").unwrap();
    store.heal();
    block(e.update("p", |_| Ok(Some(Profile::new("p"))))).unwrap();
    assert_eq!(store.rt().as_deref(), Some("rt-2"));
    // `pancred remove` takes a waiting rescue with it.
    store.failing.store(u32::MAX, Ordering::SeqCst);
    block(e.store_tokens(rotated("rt-3", "at-3"), Some(Secret::new("rt-2")))).unwrap();
    store.heal();
    store.inner.remove("p").unwrap();
    assert!(e.rescue_path("p").unwrap().exists());
    block(e.remove("p")).unwrap();
    assert!(!e.rescue_path("p").unwrap().exists());
}

#[test]
fn a_superseded_rescue_is_set_aside_not_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let store = Flaky::new(u32::MAX);
    let e = engine(&store, dir.path());
    block(e.store_tokens(rotated("rt-2", "at-2"), rt1())).unwrap();
    store.heal();
    store
        .inner
        .upsert(&rotated("rt-login", "at-login"))
        .unwrap();
    drop(block(e.lock("p")).unwrap());
    assert_eq!(store.rt().as_deref(), Some("rt-login"));
    let kept: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
        .collect();
    assert!(
        kept.iter().any(|t| t.contains("rt-2")),
        "the rescued grant is kept"
    );
}

#[test]
fn a_cached_token_is_never_answered_before_the_rescue_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let store = Flaky::new(u32::MAX);
    let e = engine(&store, dir.path());
    block(e.store_tokens(rotated("rt-2", "at-2"), rt1())).unwrap();
    store.heal();
    assert!(
        e.cached_access_token("p").unwrap().is_none(),
        "the cached path must hand over to the locked one"
    );
    let token = block(e.fresh_access_token("p")).unwrap();
    assert_eq!(token.expose(), "at-2");
    assert_eq!(
        store.rt().as_deref(),
        Some("rt-2"),
        "stored before answering"
    );
    assert!(!e.rescue_path("p").unwrap().exists());
    assert_eq!(
        e.cached_access_token("p").unwrap().unwrap().token.expose(),
        "at-2"
    );
}

#[test]
fn a_rescue_file_others_can_change_is_not_used() {
    let dir = tempfile::tempdir().unwrap();
    let store = Flaky::new(u32::MAX);
    let e = engine(&store, dir.path());
    block(e.store_tokens(rotated("rt-2", "at-2"), rt1())).unwrap();
    let path = e.rescue_path("p").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
    e.take_notices();
    let seen = block(e.load("p")).unwrap().unwrap();
    assert_eq!(seen.refresh_token.unwrap().expose(), "rt-1");
    let notices = e.take_notices();
    assert!(
        notices
            .iter()
            .any(|n| n.contains("other users can write it")),
        "{notices:?}"
    );
    assert!(path.exists(), "left as it is");
}
