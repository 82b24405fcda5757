//! The access tokens' copy in the kernel keyring, and writes made only when a value changed, on
//! keyring-core's mock keyring with the real kernel keyring as the cache.

use super::*;
use crate::secret::Secret;
use keyring_core::mock;
use token_cache::CachedToken;

struct Fixture {
    tmp: tempfile::TempDir,
    creds: Arc<CredentialStore>,
}

impl Fixture {
    fn new() -> Self {
        Fixture {
            tmp: tempfile::tempdir().unwrap(),
            creds: mock::Store::new().unwrap(),
        }
    }

    fn path(&self) -> PathBuf {
        self.tmp.path().join("config/pancred/profiles.json")
    }

    /// The store as the whole program opens it (with the copy in the kernel keyring).
    fn store(&self) -> KeyringStore {
        KeyringStore::with_credential_store(Backend::Mock, self.creds.clone(), self.path())
            .with_token_cache()
    }

    /// The store as the small program reads it.
    fn cached_view(&self) -> CachedTokens {
        CachedTokens::new(self.path())
    }

    /// The access token the small program would see.
    fn cached_token(&self, name: &str) -> Option<String> {
        let p = self.cached_view().load(name).unwrap()?;
        p.access_token.map(|t| t.expose().to_string())
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn with_token(name: &str, token: &str) -> Profile {
    let mut p = Profile::new(name);
    p.client_id = Some("cid".into());
    p.refresh_token = Some(Secret::new(format!("rt-{token}")));
    p.access_token = Some(Secret::new(token.to_string()));
    p.expires_at = Some(now() + 3600);
    p
}

/// Whether this machine lets this process keep a key in its user keyring (a container's seccomp
/// profile may refuse every keyctl call): the cache is then skipped, which other tests check.
fn kernel_keyring() -> bool {
    let fx = Fixture::new();
    let cache = TokenCache::for_store(&fx.path());
    let copy = CachedToken {
        access_token: "probe".into(),
        expires_at: None,
    };
    cache.put("probe", &copy, 60);
    let ok = cache.get("probe") == Some(copy);
    let _ = cache.forget("probe");
    if !ok {
        eprintln!("skipping: no usable kernel user keyring here");
    }
    ok
}

#[test]
fn the_copy_follows_every_write_and_never_outlives_a_revoke_remove_or_rename() {
    if !kernel_keyring() {
        return;
    }
    let fx = Fixture::new();
    let s = fx.store();
    s.upsert(&with_token("lab", "at-1")).unwrap();
    assert_eq!(fx.cached_token("lab").as_deref(), Some("at-1"));
    // The view holds the settings, never the refresh token.
    let seen = fx.cached_view().load("lab").unwrap().unwrap();
    assert_eq!(seen.client_id.as_deref(), Some("cid"));
    assert!(seen.refresh_token.is_none());

    // A refresh replaces it.
    s.upsert(&with_token("lab", "at-2")).unwrap();
    assert_eq!(fx.cached_token("lab").as_deref(), Some("at-2"));

    // A revoke (the token forgotten) removes it.
    let mut revoked = with_token("lab", "at-2");
    revoked.access_token = None;
    s.upsert(&revoked).unwrap();
    assert_eq!(fx.cached_token("lab"), None);

    // A rename moves it; nothing is served under the old name.
    s.upsert(&with_token("lab", "at-3")).unwrap();
    assert!(s.rename("lab", "lab2").unwrap());
    assert_eq!(fx.cached_view().load("lab").unwrap(), None);
    assert_eq!(TokenCache::for_store(&fx.path()).get("lab"), None);
    assert_eq!(fx.cached_token("lab2").as_deref(), Some("at-3"));

    // A remove removes it.
    assert!(s.remove("lab2").unwrap());
    assert_eq!(TokenCache::for_store(&fx.path()).get("lab2"), None);
}

#[test]
fn a_copy_for_another_expiry_or_another_store_is_not_served() {
    if !kernel_keyring() {
        return;
    }
    let fx = Fixture::new();
    fx.store().upsert(&with_token("lab", "at-1")).unwrap();
    // Another store (another profiles.json) has its own copies.
    let other = Fixture::new();
    let mut p = with_token("lab", "at-1");
    p.access_token = None;
    other.store().upsert(&p).unwrap();
    assert_eq!(other.cached_token("lab"), None);
    // profiles.json says another expiry (a pancred that knew nothing of the copy wrote it).
    let cache = TokenCache::for_store(&fx.path());
    let mut copy = cache.get("lab").unwrap();
    copy.expires_at = Some(1);
    cache.put("lab", &copy, 60);
    assert_eq!(fx.cached_token("lab"), None);
    fx.store().remove("lab").unwrap();
}

#[test]
fn the_copy_is_readable_by_this_user_only() {
    if !kernel_keyring() {
        return;
    }
    use linux_keyutils::{KeyRing, KeyRingIdentifier};
    let fx = Fixture::new();
    fx.store().upsert(&with_token("lab", "at-1")).unwrap();
    let user = KeyRing::from_special_id(KeyRingIdentifier::User, false).unwrap();
    let description = TokenCache::for_store(&fx.path()).description("lab");
    let key = user.search(&description).unwrap();
    let perms = key.metadata().unwrap().get_perms().bits();
    // possessor | user | group | other, a byte each: nothing for group or others.
    assert_eq!(perms & 0xffff, 0, "group/other permissions: {perms:#x}");
    assert_ne!(perms & 0x0002_0000, 0, "the user can read it: {perms:#x}");
    fx.store().remove("lab").unwrap();
}

#[test]
fn the_keyring_is_written_only_when_a_value_changed() {
    let fx = Fixture::new();
    let s = KeyringStore::with_credential_store(Backend::Mock, fx.creds.clone(), fx.path());
    let p = with_token("lab", "at-1");
    s.upsert(&p).unwrap();
    assert_eq!(s.keyring_writes(), 1);
    // The same profile again, and a change of settings only: no keyring write.
    s.upsert(&p).unwrap();
    let mut settings = p.clone();
    settings.scope = Some("openid".into());
    s.upsert(&settings).unwrap();
    s.set_default_profile("lab").unwrap();
    assert_eq!(s.keyring_writes(), 1);
    assert_eq!(s.load("lab").unwrap(), Some(settings.clone()));
    // A new token: one write.
    s.upsert(&with_token("lab", "at-2")).unwrap();
    assert_eq!(s.keyring_writes(), 2);
    // A remove: one delete.
    s.remove("lab").unwrap();
    assert_eq!(s.keyring_writes(), 3);
}
