//! Values larger than one entry holds, on a keyring that enforces the Windows Credential
//! Manager's limit (2560 bytes of UTF-16 per credential, refused with keyring-core's `TooLong`
//! as `windows-native-keyring-store` does).

use super::entries::PARTS_SERVICE;
use super::*;
use crate::secret::Secret;
use keyring_core::api::{CredentialApi, CredentialStoreApi};
use keyring_core::{mock, Entry};
use std::any::Any;
use std::collections::HashMap;

const LIMIT: u32 = 2560;

/// keyring-core's mock keyring, refusing every value over the limit.
struct Limited {
    inner: Arc<CredentialStore>,
}

struct LimitedCred {
    inner: Entry,
}

impl CredentialApi for LimitedCred {
    fn set_secret(&self, secret: &[u8]) -> keyring_core::Result<()> {
        let utf16 = String::from_utf8_lossy(secret).encode_utf16().count() * 2;
        if utf16 > LIMIT as usize {
            return Err(keyring_core::Error::TooLong(
                "password encoded as UTF-16".into(),
                LIMIT,
            ));
        }
        self.inner.set_secret(secret)
    }
    fn get_secret(&self) -> keyring_core::Result<Vec<u8>> {
        self.inner.get_secret()
    }
    fn delete_credential(&self) -> keyring_core::Result<()> {
        self.inner.delete_credential()
    }
    fn get_credential(&self) -> keyring_core::Result<Option<Arc<keyring_core::Credential>>> {
        Ok(None)
    }
    fn get_specifiers(&self) -> Option<(String, String)> {
        self.inner.get_specifiers()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl CredentialStoreApi for Limited {
    fn vendor(&self) -> String {
        "pancred test: a keyring with Windows' blob limit".into()
    }
    fn id(&self) -> String {
        "limited".into()
    }
    fn build(
        &self,
        service: &str,
        user: &str,
        _mods: Option<&HashMap<&str, &str>>,
    ) -> keyring_core::Result<Entry> {
        let inner = Entry::new_in_store(&self.inner, service, user)?;
        Ok(Entry::new_with_credential(Arc::new(LimitedCred { inner })))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn limited() -> (Arc<CredentialStore>, Arc<CredentialStore>) {
    let inner: Arc<CredentialStore> = mock::Store::new().unwrap();
    let outer: Arc<CredentialStore> = Arc::new(Limited {
        inner: inner.clone(),
    });
    (outer, inner)
}

fn with_token(name: &str, token: String) -> Profile {
    let mut p = Profile::new(name);
    p.refresh_token = Some(Secret::new("rt".to_string()));
    p.access_token = Some(Secret::new(token));
    p
}

/// What the keyring itself holds under `service`/`user` (no limit on reads).
fn raw(creds: &Arc<CredentialStore>, service: &str, user: &str) -> Option<String> {
    Entry::new_in_store(creds, service, user)
        .unwrap()
        .get_password()
        .ok()
}

fn envelope_id(creds: &Arc<CredentialStore>, name: &str) -> (String, u64) {
    let text = raw(creds, SERVICE, name).expect("the profile's entry");
    let v: Value = serde_json::from_str(&text).unwrap();
    let parts = &v["pancred_parts"];
    (
        parts["id"].as_str().expect("an envelope").to_string(),
        parts["count"].as_u64().unwrap(),
    )
}

#[test]
fn a_64_kb_token_is_kept_in_parts_under_the_limit_and_read_back_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let (creds, inner) = limited();
    let path = tmp.path().join("profiles.json");
    let store = KeyringStore::with_credential_store(Backend::Mock, creds, path);
    let big = "g".repeat(64 * 1024) + "é😀";
    let p = with_token("lab", big.clone());
    store.upsert(&p).unwrap();
    assert_eq!(store.load("lab").unwrap(), Some(p.clone()));

    // Every value the keyring holds is within its limit; the parts hold the whole value.
    let (id, count) = envelope_id(&inner, "lab");
    assert!(count >= 52, "{count} parts");
    let mut whole = String::new();
    for n in 0..count {
        let part = raw(&inner, PARTS_SERVICE, &format!("lab/{id}/{n}")).expect("a part");
        assert!(part.encode_utf16().count() * 2 <= LIMIT as usize);
        whole.push_str(&part);
    }
    assert!(whole.contains(&big));

    // A smaller value: one entry again, the old parts deleted.
    let small = with_token("lab", "small".into());
    store.upsert(&small).unwrap();
    assert_eq!(store.load("lab").unwrap(), Some(small));
    for n in 0..count {
        assert_eq!(raw(&inner, PARTS_SERVICE, &format!("lab/{id}/{n}")), None);
    }

    // A large one again, then a remove: nothing left.
    store.upsert(&p).unwrap();
    let (id, count) = envelope_id(&inner, "lab");
    assert!(store.remove("lab").unwrap());
    assert_eq!(raw(&inner, SERVICE, "lab"), None);
    for n in 0..count {
        assert_eq!(raw(&inner, PARTS_SERVICE, &format!("lab/{id}/{n}")), None);
    }
}

#[test]
fn a_missing_part_is_reported_not_read_as_another_value() {
    let tmp = tempfile::tempdir().unwrap();
    let (creds, inner) = limited();
    let store =
        KeyringStore::with_credential_store(Backend::Mock, creds, tmp.path().join("profiles.json"));
    store.upsert(&with_token("lab", "x".repeat(8000))).unwrap();
    let (id, _) = envelope_id(&inner, "lab");
    Entry::new_in_store(&inner, PARTS_SERVICE, &format!("lab/{id}/1"))
        .unwrap()
        .delete_credential()
        .unwrap();
    let err = store.load("lab").unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    assert!(!err.to_string().contains("xxxx"), "{err}");
}
