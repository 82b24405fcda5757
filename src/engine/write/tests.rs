use super::*;
use crate::engine::ImportMode;
use crate::secret::Secret;
use crate::store::file::FileStore;
use crate::store::memory::MemoryStore;
use crate::store::{SharedStore, Store, StoreError};
use serde_json::json;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn rt() -> tokio::runtime::Runtime {
    crate::config::runtime(1).unwrap()
}

fn profile(name: &str, rt_value: &str) -> Profile {
    let mut p = Profile::new(name);
    p.client_id = Some("cid".into());
    p.refresh_token = Some(Secret::new(rt_value));
    p.scope = Some("openid".into());
    p
}

fn patch(v: Value) -> ProfilePatch {
    let Value::Object(m) = v else { panic!() };
    ProfilePatch::from_fields(m).unwrap()
}

#[test]
fn a_save_keeps_a_refresh_token_rotated_since_the_face_read_the_profile() {
    let store = Arc::new(MemoryStore::with_profiles([profile("lab", "rt-1")]));
    let engine = Engine::new(store.clone());
    // The face read the profile (rt-1) and the user edits the scope; meanwhile another
    // process rotates the refresh token.
    store.upsert(&profile("lab", "rt-2")).unwrap();
    let saved = rt()
        .block_on(engine.save("lab", patch(json!({"scope": "openid email"}))))
        .unwrap();
    let now = store.load("lab").unwrap().unwrap();
    assert_eq!(now.refresh_token.unwrap().expose(), "rt-2");
    assert_eq!(now.scope.as_deref(), Some("openid email"));
    assert!(saved.written && !saved.created);
}

#[test]
fn tokens_are_forgotten_only_when_asked() {
    let store = Arc::new(MemoryStore::with_profiles([profile("lab", "rt-1")]));
    let engine = Engine::new(store.clone());
    let r = rt();
    r.block_on(engine.save("lab", patch(json!({"client_id": "other"}))))
        .unwrap();
    assert!(store.load("lab").unwrap().unwrap().refresh_token.is_some());
    let mut p = patch(json!({"client_id": "third"}));
    p.forget = Forget::Tokens;
    r.block_on(engine.save("lab", p)).unwrap();
    assert!(store.load("lab").unwrap().unwrap().refresh_token.is_none());
}

#[test]
fn a_patch_that_changes_nothing_writes_nothing() {
    let store = Arc::new(MemoryStore::with_profiles([profile("lab", "rt-1")]));
    let saved = rt()
        .block_on(Engine::new(store).save("lab", patch(json!({"scope": "openid"}))))
        .unwrap();
    assert!(!saved.written);
}

#[test]
fn bad_patches_are_usage_errors_and_change_nothing() {
    let m = |v: Value| match v {
        Value::Object(m) => m,
        _ => panic!(),
    };
    let err = ProfilePatch::from_fields(m(json!({"scopes": "x"}))).unwrap_err();
    assert!(err.contains("scopes") && err.contains("scope"), "{err}");
    assert!(ProfilePatch::from_fields(m(json!({"pkce_verifier": "x"}))).is_err());
    let store = Arc::new(MemoryStore::with_profiles([profile("lab", "rt-1")]));
    let engine = Engine::new(store.clone());
    for bad in [
        json!({"token_url": "http://example.com/token"}),
        json!({"expires_at": "soon"}),
        json!({"dialect": "saml"}),
    ] {
        let err = rt().block_on(engine.save("lab", patch(bad))).unwrap_err();
        assert!(matches!(err, Error::Usage(_)), "{err}");
    }
    assert_eq!(store.load("lab").unwrap().unwrap(), profile("lab", "rt-1"));
}

#[test]
fn names_with_control_characters_are_refused() {
    let engine = Engine::new(Arc::new(MemoryStore::new()));
    for bad in ["", "  ", "a\nb", "x\u{1b}[2J"] {
        assert!(rt()
            .block_on(engine.save(bad, ProfilePatch::default()))
            .is_err());
    }
}

fn file_engine() -> (tempfile::TempDir, Engine, SharedStore) {
    let tmp = tempfile::tempdir().unwrap();
    let store: SharedStore = Arc::new(FileStore::new(tmp.path().join("credentials.json")));
    (tmp, Engine::new(store.clone()), store)
}

#[test]
fn a_rename_in_the_file_store_moves_the_default_in_the_same_write() {
    let (_t, engine, store) = file_engine();
    store.upsert(&profile("old", "rt-1")).unwrap();
    store.upsert(&profile("other", "rt-x")).unwrap();
    store.set_default_profile("old").unwrap();
    rt().block_on(engine.rename("old", "new")).unwrap();
    assert_eq!(store.load("old").unwrap(), None);
    assert_eq!(
        store
            .load("new")
            .unwrap()
            .unwrap()
            .refresh_token
            .unwrap()
            .expose(),
        "rt-1"
    );
    assert_eq!(store.default_profile().unwrap().as_deref(), Some("new"));
    let err = rt().block_on(engine.rename("new", "other")).unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    assert!(store.load("new").unwrap().is_some());
}

/// A store without an atomic rename (like the keyring), whose `remove` fails while `fail` > 0.
struct Flaky {
    inner: MemoryStore,
    fail: AtomicUsize,
}

impl Store for Flaky {
    fn kind(&self) -> &'static str {
        "flaky"
    }
    fn location(&self) -> String {
        "test".into()
    }
    fn load(&self, n: &str) -> std::result::Result<Option<Profile>, StoreError> {
        self.inner.load(n)
    }
    fn list(&self) -> std::result::Result<Vec<Profile>, StoreError> {
        self.inner.list()
    }
    fn upsert(&self, p: &Profile) -> std::result::Result<(), StoreError> {
        self.inner.upsert(p)
    }
    fn remove(&self, n: &str) -> std::result::Result<bool, StoreError> {
        if self.fail.load(Ordering::SeqCst) > 0 {
            self.fail.fetch_sub(1, Ordering::SeqCst);
            return Err(StoreError::Unavailable("the keyring went away".into()));
        }
        self.inner.remove(n)
    }
    fn default_profile(&self) -> std::result::Result<Option<String>, StoreError> {
        self.inner.default_profile()
    }
    fn set_default_profile(&self, n: &str) -> std::result::Result<(), StoreError> {
        self.inner.set_default_profile(n)
    }
    fn lock(&self, n: &str, t: Duration) -> std::result::Result<Box<dyn ProfileLock>, StoreError> {
        self.inner.lock(n, t)
    }
}

#[test]
fn an_interrupted_rename_leaves_a_whole_copy_and_a_rerun_finishes_it() {
    let store = Arc::new(Flaky {
        inner: MemoryStore::with_profiles([profile("old", "rt-1")]),
        fail: AtomicUsize::new(1),
    });
    store.set_default_profile("old").unwrap();
    let engine = Engine::new(store.clone());
    assert!(rt().block_on(engine.rename("old", "new")).is_err());
    // Never zero copies: the new one is whole, with its tokens.
    let copy = store.load("new").unwrap().unwrap();
    assert_eq!(copy.refresh_token.unwrap().expose(), "rt-1");
    rt().block_on(engine.rename("old", "new")).unwrap();
    assert_eq!(store.load("old").unwrap(), None);
    assert!(store.load("new").unwrap().is_some());
    assert_eq!(store.default_profile().unwrap().as_deref(), Some("new"));
    // Run once more after it finished: nothing to do, no error.
    rt().block_on(engine.rename("old", "new")).unwrap();
}

#[test]
fn import_copies_every_profile_and_the_default() {
    let (tmp, engine, store) = file_engine();
    let src = FileStore::new(tmp.path().join("pancloud.json"));
    src.upsert(&profile("a", "rt-a")).unwrap();
    src.upsert(&profile("b", "rt-b")).unwrap();
    src.set_default_profile("b").unwrap();
    store.upsert(&profile("a", "old")).unwrap();
    let out = rt()
        .block_on(engine.import(src.path(), ImportMode::Copy))
        .unwrap();
    // 'a' here holds another grant: it is kept, and the incoming one goes beside it.
    assert_eq!(
        out.copied,
        vec![("a-imported".to_string(), false), ("b".to_string(), false)]
    );
    assert_eq!(
        out.renamed,
        vec![("a".to_string(), "a-imported".to_string())]
    );
    let rt_of = |n: &str| {
        store
            .load(n)
            .unwrap()
            .and_then(|p| p.refresh_token)
            .map(|s| s.expose().to_string())
    };
    assert_eq!(rt_of("a").as_deref(), Some("old"));
    assert_eq!(rt_of("a-imported").as_deref(), Some("rt-a"));
    assert_eq!(out.default_set.as_deref(), Some("b"));
    // Again: the same grant under the second name is simply replaced, nothing new appears.
    let again = rt()
        .block_on(engine.import(src.path(), ImportMode::Copy))
        .unwrap();
    assert_eq!(again.renamed, out.renamed);
    assert_eq!(store.profile_names().unwrap().len(), 3);
    // With replace, the incoming grant takes the name.
    let replaced = rt()
        .block_on(engine.import_replacing(src.path(), ImportMode::Copy, true))
        .unwrap();
    assert!(replaced.renamed.is_empty());
    assert_eq!(rt_of("a").as_deref(), Some("rt-a"));
    assert_eq!(store.default_profile().unwrap().as_deref(), Some("b"));
    let same = rt()
        .block_on(engine.import(Path::new(&store.location()), ImportMode::Move))
        .unwrap();
    assert!(same.already_here && same.copied.is_empty());
}

#[test]
fn import_moves_tokens_out_of_the_file_and_never_takes_tokens_away() {
    let (tmp, engine, store) = file_engine();
    let src = FileStore::new(tmp.path().join("pancloud.json"));
    let mut a = profile("a", "rt-a");
    a.scope = Some("read".into());
    src.upsert(&a).unwrap();
    src.upsert(&Profile::new("settings-only")).unwrap();
    let out = rt()
        .block_on(engine.import(src.path(), ImportMode::Move))
        .unwrap();
    assert_eq!(out.moved, vec!["a".to_string()]);
    // The tokens are here, and only here; the file keeps the settings and says where they went.
    let here = store.load("a").unwrap().unwrap();
    assert_eq!(
        here.refresh_token.as_ref().map(|s| s.expose()),
        Some("rt-a")
    );
    assert_eq!(here.moved_to, None);
    let left = src.load("a").unwrap().unwrap();
    assert_eq!(left.refresh_token, None);
    assert_eq!(left.scope.as_deref(), Some("read"));
    assert!(left.moved_to.unwrap().contains(&store.location()));
    // A second import (the file has no tokens now) keeps the tokens this store holds.
    rt().block_on(engine.import(src.path(), ImportMode::Move))
        .unwrap();
    let again = store.load("a").unwrap().unwrap();
    assert_eq!(
        again.refresh_token.as_ref().map(|s| s.expose()),
        Some("rt-a")
    );
}

#[test]
fn a_value_stored_by_another_program_does_not_block_an_unrelated_edit() {
    let mut p = profile("lab", "rt-1");
    p.token_url = Some("http://api.example.invalid".into());
    let store = Arc::new(MemoryStore::with_profiles([p]));
    let engine = Engine::new(store.clone());
    rt().block_on(engine.save("lab", patch(json!({"scope": "x"}))))
        .unwrap();
    let err = rt()
        .block_on(engine.save("lab", patch(json!({"revoke_url": "http://far.example/r"}))))
        .unwrap_err();
    assert!(err.to_string().contains("allow_insecure_http"), "{err}");
}

#[test]
fn a_shadowed_duplicate_document_is_left_as_it_was() {
    let (tmp, engine, _store) = file_engine();
    let path = tmp.path().join("pancloud.json");
    std::fs::write(
        &path,
        json!({"profiles": {
            "1": {"profile": "a", "client_id": "c", "refresh_token": "rt-first"},
            "2": {"profile": "a", "client_id": "c2", "refresh_token": "rt-second"}
        }})
        .to_string(),
    )
    .unwrap();
    let out = rt()
        .block_on(engine.import(&path, ImportMode::Move))
        .unwrap();
    assert_eq!(out.shadowed, vec!["a".to_string()]);
    let after: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(
        after["profiles"]["1"]["refresh_token"],
        serde_json::Value::Null
    );
    assert_eq!(
        after["profiles"]["2"],
        json!({"profile": "a", "client_id": "c2", "refresh_token": "rt-second"}),
        "the skipped document keeps its refresh token"
    );
}

#[test]
fn an_incoming_profile_without_a_refresh_token_never_takes_one_away() {
    let (tmp, engine, store) = file_engine();
    let src = FileStore::new(tmp.path().join("pancloud.json"));
    let mut only_access = Profile::new("a");
    only_access.access_token = Some(Secret::new("at-x"));
    src.upsert(&only_access).unwrap();
    store.upsert(&profile("a", "rt-here")).unwrap();
    rt().block_on(engine.import(src.path(), ImportMode::Move))
        .unwrap();
    let here = store.load("a").unwrap().unwrap();
    assert_eq!(
        here.refresh_token.as_ref().map(|s| s.expose()),
        Some("rt-here")
    );
}
