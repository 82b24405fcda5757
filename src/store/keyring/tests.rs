use super::*;
use crate::profile::fields;
use keyring_core::{mock, Entry};
use std::os::unix::fs::PermissionsExt;

struct Fixture {
    _tmp: tempfile::TempDir,
    creds: Arc<CredentialStore>,
    path: PathBuf,
}

impl Fixture {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("config/pancred/profiles.json");
        let creds: Arc<CredentialStore> = mock::Store::new().unwrap();
        Fixture {
            _tmp: tmp,
            creds,
            path,
        }
    }

    /// A store as another process would open it: same keyring, same file.
    fn store(&self) -> KeyringStore {
        KeyringStore::with_credential_store(Backend::Mock, self.creds.clone(), self.path.clone())
    }

    fn raw_entry(&self, name: &str) -> Entry {
        Entry::new_in_store(&self.creds, SERVICE, name).unwrap()
    }

    fn fail_next_call(&self, name: &str, err: keyring_core::Error) {
        let entry = self.raw_entry(name);
        let cred: &mock::Cred = entry.as_any().downcast_ref().unwrap();
        cred.set_error(err);
    }
}

/// A profile with every secret field set (generically, so a secret field added later is covered).
fn full_profile(name: &str) -> Profile {
    let mut doc = serde_json::Map::new();
    doc.insert("profile".into(), name.into());
    doc.insert("client_id".into(), "cid".into());
    doc.insert("scope".into(), "openid offline_access".into());
    doc.insert("expires_at".into(), 4600.into());
    for f in fields::secret_fields() {
        doc.insert(f.to_string(), format!("s3cret-{f}").into());
    }
    Profile::from_json(Value::Object(doc)).unwrap()
}

#[test]
fn round_trip_through_keyring_and_file() {
    let fx = Fixture::new();
    let p = full_profile("lab");
    fx.store().upsert(&p).unwrap();
    let other = fx.store();
    assert_eq!(other.load("lab").unwrap(), Some(p.clone()));
    assert_eq!(other.list().unwrap(), vec![p]);
    assert_eq!(other.load("nope").unwrap(), None);

    // One keyring entry holding every secret field; the file holds none of them.
    let stored: Value = serde_json::from_str(&fx.raw_entry("lab").get_password().unwrap()).unwrap();
    let keys: Vec<&str> = stored
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected: Vec<&str> = fields::secret_fields().collect();
    expected.sort();
    assert_eq!(keys, expected);
    let text = std::fs::read_to_string(&fx.path).unwrap();
    assert!(
        !text.contains("s3cret"),
        "a secret reached the file: {text}"
    );
    assert!(text.contains("\"expires_at\": 4600") && text.contains("offline_access"));

    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&fx.path), 0o600);
    assert_eq!(mode(fx.path.parent().unwrap()), 0o700);
}

#[test]
fn forgetting_secrets_removes_them_from_the_keyring() {
    let fx = Fixture::new();
    let s = fx.store();
    let mut p = full_profile("p");
    s.upsert(&p).unwrap();
    let Value::Object(doc) = p.to_json() else {
        panic!("not an object")
    };
    p = Profile::from_json(Value::Object(split::split(doc).0)).unwrap();
    s.upsert(&p).unwrap();
    assert!(matches!(
        fx.raw_entry("p").get_password(),
        Err(keyring_core::Error::NoEntry)
    ));
    assert_eq!(s.load("p").unwrap(), Some(p));
}

#[test]
fn default_profile_and_remove() {
    let fx = Fixture::new();
    let s = fx.store();
    s.upsert(&full_profile("a")).unwrap();
    s.upsert(&full_profile("b")).unwrap();
    s.set_default_profile("a").unwrap();
    assert_eq!(fx.store().default_profile().unwrap().as_deref(), Some("a"));
    assert!(s.remove("a").unwrap());
    assert!(!s.remove("a").unwrap());
    assert_eq!(s.default_profile().unwrap(), None);
    assert!(matches!(
        fx.raw_entry("a").get_password(),
        Err(keyring_core::Error::NoEntry)
    ));
    let names: Vec<String> = s.list().unwrap().into_iter().map(|p| p.profile).collect();
    assert_eq!(names, ["b"]);
}

#[test]
fn a_refused_keyring_write_changes_nothing() {
    let fx = Fixture::new();
    let s = fx.store();
    let p = full_profile("p");
    s.upsert(&p).unwrap();
    let before = std::fs::read(&fx.path).unwrap();
    let mut changed = p.clone();
    changed.scope = Some("other".into());
    changed.refresh_token = Some(crate::secret::Secret::new("rolled"));
    fx.fail_next_call("p", keyring_core::Error::NoStorageAccess("locked".into()));
    let err = s.upsert(&changed).unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err}");
    assert_eq!(std::fs::read(&fx.path).unwrap(), before);
    assert_eq!(s.load("p").unwrap(), Some(p));
}

#[test]
fn a_malformed_keyring_value_is_reported_without_echoing_it() {
    let fx = Fixture::new();
    let s = fx.store();
    s.upsert(&Profile::new("p")).unwrap();
    fx.raw_entry("p").set_password("not-json-s3cret").unwrap();
    let err = s.load("p").unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }));
    assert!(!err.to_string().contains("s3cret"), "{err}");
    // The entry is left for the user to inspect.
    assert_eq!(fx.raw_entry("p").get_password().unwrap(), "not-json-s3cret");

    fx.fail_next_call("p", keyring_core::Error::BadEncoding(b"s3cret".to_vec()));
    let err = s.load("p").unwrap_err();
    assert!(!format!("{err} {err:?}").contains("s3cret"), "{err:?}");
}

#[test]
fn a_bad_settings_file_is_an_error_and_left_alone() {
    for bad in [
        "{\"profiles\": ",
        "[]",
        "{\"profiles\": []}",
        "{\"profiles\": {\"a\": 1}}",
        "{\"version\": 99}",
    ] {
        let fx = Fixture::new();
        std::fs::create_dir_all(fx.path.parent().unwrap()).unwrap();
        std::fs::write(&fx.path, bad).unwrap();
        let s = fx.store();
        assert!(matches!(s.list(), Err(StoreError::Corrupt { .. })), "{bad}");
        assert!(s.upsert(&full_profile("z")).is_err(), "{bad}");
        assert_eq!(std::fs::read_to_string(&fx.path).unwrap(), bad);
        // Nothing reached the keyring either.
        assert!(fx.raw_entry("z").get_password().is_err());
    }
}

#[test]
fn a_settings_file_that_is_a_fifo_is_an_error_at_once() {
    let fx = Fixture::new();
    std::fs::create_dir_all(fx.path.parent().unwrap()).unwrap();
    assert!(std::process::Command::new("mkfifo")
        .arg(&fx.path)
        .status()
        .unwrap()
        .success());
    let start = std::time::Instant::now();
    let s = fx.store();
    let err = s.list().unwrap_err().to_string();
    assert!(err.contains("named pipe"), "{err}");
    assert!(s.upsert(&full_profile("z")).is_err());
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[test]
fn a_keyring_that_never_answers_times_out() {
    let start = std::time::Instant::now();
    let err = backend::with_deadline(Duration::from_millis(100), "testing", || {
        std::thread::sleep(Duration::from_secs(5))
    })
    .unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)));
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[test]
fn an_entry_removed_behind_our_back_is_reported_for_that_profile_only() {
    let fx = Fixture::new();
    fx.store().upsert(&full_profile("gone")).unwrap();
    fx.store().upsert(&full_profile("fine")).unwrap();
    fx.raw_entry("gone").delete_credential().unwrap();
    let err = fx.store().load("gone").unwrap_err().to_string();
    assert!(err.contains("the keyring entry is gone"), "{err}");
    assert!(err.contains("refresh_token"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");
    // list still shows both: the fine one whole, the broken one with its settings and the reason.
    let listed = fx.store().list().unwrap();
    assert_eq!(listed.len(), 2);
    let fine = listed.iter().find(|p| p.profile == "fine").unwrap();
    assert!(fine.refresh_token.is_some());
    let gone = listed.iter().find(|p| p.profile == "gone").unwrap();
    assert!(gone.extra.contains_key(crate::store::UNREADABLE_NOTE));
    // remove still works, and the name can be set up again.
    assert!(fx.store().remove("gone").unwrap());
    fx.store().upsert(&Profile::new("gone")).unwrap();
    assert!(fx.store().load("gone").unwrap().is_some());
}

#[test]
fn writing_a_name_whose_settings_are_gone_keeps_the_secrets_still_in_the_keyring() {
    let fx = Fixture::new();
    fx.store().upsert(&full_profile("lab")).unwrap();
    // profiles.json lost (or edited by hand): the keyring entry is still there.
    std::fs::remove_file(&fx.path).unwrap();
    let mut p = Profile::new("lab");
    p.client_id = Some("new-client".into());
    fx.store().upsert(&p).unwrap();
    let back = fx.store().load("lab").unwrap().unwrap();
    assert_eq!(back.client_id.as_deref(), Some("new-client"));
    assert_eq!(
        back.refresh_token.as_ref().map(|s| s.expose()),
        Some("s3cret-refresh_token")
    );
}

#[test]
fn names_are_read_without_touching_a_secret() {
    let fx = Fixture::new();
    fx.store().upsert(&full_profile("a")).unwrap();
    fx.store().upsert(&full_profile("b")).unwrap();
    // A keyring that would refuse the next read of a's secrets: names need none.
    fx.fail_next_call("a", keyring_core::Error::NoStorageAccess("locked".into()));
    assert_eq!(fx.store().profile_names().unwrap(), ["a", "b"]);
}
