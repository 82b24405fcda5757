//! The file store's own tests (pancloud's reading of the file is in tests/pancloud_interop.rs).

use super::*;
use crate::secret::Secret;
use serde_json::json;

fn store() -> (tempfile::TempDir, FileStore) {
    let tmp = tempfile::tempdir().unwrap();
    let s = FileStore::new(tmp.path().join("credentials.json"));
    (tmp, s)
}

#[test]
fn writes_pancloud_layout() {
    let (_t, s) = store();
    let mut p = Profile::new("default");
    p.client_id = Some("cid".into());
    p.client_secret = Some(Secret::new("cs"));
    s.upsert(&p).unwrap();
    let text = std::fs::read_to_string(s.path()).unwrap();
    assert_eq!(
        text,
        "{\n    \"profiles\": {\n        \"1\": {\n            \"client_id\": \"cid\",\n            \"client_secret\": \"cs\",\n            \"profile\": \"default\"\n        }\n    }\n}"
    );
}

#[test]
fn upsert_keeps_ids_and_other_tables() {
    let (_t, s) = store();
    std::fs::write(
        s.path(),
        json!({"_default": {"1": {"x": 1}}, "profiles": {"3": {"profile": "a"}, "7": {"profile": "b"}}}).to_string(),
    )
    .unwrap();
    let mut b = s.load("b").unwrap().unwrap();
    b.scope = Some("s".into());
    s.upsert(&b).unwrap();
    s.upsert(&Profile::new("c")).unwrap();
    let v: Value = serde_json::from_str(&std::fs::read_to_string(s.path()).unwrap()).unwrap();
    assert_eq!(v["_default"], json!({"1": {"x": 1}}));
    assert_eq!(v["profiles"]["7"]["scope"], "s");
    assert_eq!(v["profiles"]["8"]["profile"], "c");
    let names: Vec<_> = s.list().unwrap().into_iter().map(|p| p.profile).collect();
    assert_eq!(names, ["a", "b", "c"]);
}

#[test]
fn default_profile_round_trip_and_cleared_on_remove() {
    let (_t, s) = store();
    s.upsert(&Profile::new("a")).unwrap();
    assert_eq!(s.default_profile().unwrap(), None);
    s.set_default_profile("a").unwrap();
    assert_eq!(s.default_profile().unwrap().as_deref(), Some("a"));
    assert!(s.remove("a").unwrap());
    assert_eq!(s.default_profile().unwrap(), None);
}

#[test]
fn bad_files_are_errors_and_left_alone() {
    for bad in [
        "{\"profiles\": {\"1\": {\"profile\": ",
        "not json",
        "   \n",
        "[1, 2]",
        "{\"profiles\": []}",
        "{\"profiles\": {\"x\": {\"profile\": \"a\"}}}",
        "{\"profiles\": {\"1\": \"a\"}}",
        "{\"profiles\": {\"1\": {\"client_id\": \"no profile\"}}}",
    ] {
        let (_t, s) = store();
        std::fs::write(s.path(), bad).unwrap();
        assert!(matches!(s.list(), Err(StoreError::Corrupt { .. })), "{bad}");
        assert!(s.upsert(&Profile::new("z")).is_err(), "{bad}");
        assert!(s.set_default_profile("z").is_err(), "{bad}");
        assert_eq!(std::fs::read_to_string(s.path()).unwrap(), bad);
    }
}

#[test]
fn document_ids_up_to_u64_max() {
    let (_t, s) = store();
    let max = u64::MAX.to_string();
    std::fs::write(
        s.path(),
        json!({"profiles": {max.as_str(): {"profile": "a"}}}).to_string(),
    )
    .unwrap();
    assert_eq!(s.load("a").unwrap().unwrap().profile, "a");
    s.upsert(&Profile::new("b")).unwrap();
    let v: Value = serde_json::from_str(&std::fs::read_to_string(s.path()).unwrap()).unwrap();
    assert_eq!(v["profiles"]["18446744073709551616"]["profile"], "b");
    let names: Vec<_> = s.list().unwrap().into_iter().map(|p| p.profile).collect();
    assert_eq!(names, ["a", "b"]);
    // Past what any id can hold: an error, not a panic.
    let huge = u128::MAX.to_string();
    std::fs::write(
        s.path(),
        json!({"profiles": {huge.as_str(): {"profile": "a"}}}).to_string(),
    )
    .unwrap();
    assert!(s.upsert(&Profile::new("c")).is_err());
}

#[test]
fn zero_byte_file_is_reported() {
    let (_t, s) = store();
    std::fs::write(s.path(), "").unwrap();
    let err = s.list().unwrap_err().to_string();
    assert!(err.contains("empty"), "{err}");
    assert!(s.upsert(&Profile::new("a")).is_err());
    assert_eq!(std::fs::read(s.path()).unwrap(), b"");
}
