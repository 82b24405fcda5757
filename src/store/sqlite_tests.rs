use super::*;
use crate::secret::Secret;
use std::os::unix::fs::PermissionsExt;

fn store() -> (tempfile::TempDir, SqliteStore) {
    let tmp = tempfile::tempdir().unwrap();
    let s = SqliteStore::open(tmp.path().join("db/creds.sqlite3"), Duration::from_secs(5)).unwrap();
    (tmp, s)
}

fn profile(name: &str, secret: &str) -> Profile {
    let mut p = Profile::new(name);
    p.client_id = Some(format!("id-{name}"));
    p.client_secret = Some(Secret::new(secret));
    p
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn profiles_round_trip_in_insertion_order() {
    let (_t, s) = store();
    s.upsert(&profile("b", "sb")).unwrap();
    s.upsert(&profile("a", "sa")).unwrap();
    s.upsert(&profile("b", "sb2")).unwrap();
    let names: Vec<_> = s.list().unwrap().into_iter().map(|p| p.profile).collect();
    assert_eq!(names, ["b", "a"]);
    let b = s.load("b").unwrap().unwrap();
    assert_eq!(b.client_secret.as_ref().map(Secret::expose), Some("sb2"));
    assert!(s.load("c").unwrap().is_none());
    assert!(s.remove("a").unwrap());
    assert!(!s.remove("a").unwrap());
}

#[test]
fn private_files_in_wal_mode() {
    let (_t, s) = store();
    s.upsert(&profile("a", "secret")).unwrap();
    assert_eq!(mode(s.path()), 0o600);
    assert_eq!(mode(s.path().parent().unwrap()), 0o700);
    let wal = s.path().with_extension("sqlite3-wal");
    assert!(wal.exists(), "WAL mode keeps a -wal file while open");
    assert_eq!(mode(&wal), 0o600);
    let shm = s.path().with_extension("sqlite3-shm");
    assert_eq!(mode(&shm), 0o600);
    let other = Connection::open(s.path()).unwrap();
    let jm: String = other
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(jm, "wal");
}

#[test]
fn default_profile_follows_rename_and_goes_with_remove() {
    let (_t, s) = store();
    s.upsert(&profile("a", "sa")).unwrap();
    s.upsert(&profile("z", "sz")).unwrap();
    assert_eq!(s.default_profile().unwrap(), None);
    s.set_default_profile("a").unwrap();
    assert!(s.rename_profile("a", "b").unwrap());
    assert_eq!(s.default_profile().unwrap().as_deref(), Some("b"));
    assert!(s.load("a").unwrap().is_none());
    let b = s.load("b").unwrap().unwrap();
    assert_eq!(b.client_secret.as_ref().map(Secret::expose), Some("sa"));
    // The renamed profile keeps its place.
    let names: Vec<_> = s.list().unwrap().into_iter().map(|p| p.profile).collect();
    assert_eq!(names, ["b", "z"]);
    assert!(!s.rename_profile("nobody", "x").unwrap());
    // Onto an existing name: refused, nothing changed.
    assert!(s.rename_profile("b", "z").is_err());
    assert_eq!(s.list().unwrap().len(), 2);
    assert_eq!(
        s.load("z")
            .unwrap()
            .unwrap()
            .client_secret
            .unwrap()
            .expose(),
        "sz"
    );
    assert!(s.remove("b").unwrap());
    assert_eq!(s.default_profile().unwrap(), None);
}

#[test]
fn a_file_that_is_not_a_database_is_reported_and_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("creds.sqlite3");
    let garbage = b"this is not SQLite, just some text that is long enough to look like a header....................................".to_vec();
    std::fs::write(&path, &garbage).unwrap();
    let err = match SqliteStore::open(&path, Duration::from_secs(1)) {
        Err(e) => e,
        Ok(_) => panic!("a text file opened as a database"),
    };
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    assert!(std::fs::read(&path).unwrap() == garbage, "the file changed");
    assert!(!tmp.path().join("creds.sqlite3-wal").exists());
}

#[test]
fn someone_elses_database_is_refused_and_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("app.db");
    Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    let before = std::fs::read(&path).unwrap();
    let err = match SqliteStore::open(&path, Duration::from_secs(1)) {
        Err(e) => e,
        Ok(_) => panic!("a foreign database was taken over"),
    };
    assert!(err.to_string().contains("not a pancred database"), "{err}");
    assert!(
        std::fs::read(&path).unwrap() == before,
        "the database changed"
    );
}

#[test]
fn a_row_that_is_not_a_profile_is_corrupt() {
    let (_t, s) = store();
    s.upsert(&profile("a", "sa")).unwrap();
    Connection::open(s.path())
        .unwrap()
        .execute("UPDATE profiles SET doc = '{not json' WHERE name = 'a'", [])
        .unwrap();
    assert!(matches!(s.load("a"), Err(StoreError::Corrupt { .. })));
    assert!(matches!(s.list(), Err(StoreError::Corrupt { .. })));
}

#[test]
fn a_write_locked_past_the_timeout_fails_and_changes_nothing() {
    let (_t, s) = store();
    s.upsert(&profile("a", "sa")).unwrap();
    let s = SqliteStore::open(s.path(), Duration::from_millis(300)).unwrap();
    let mut other = Connection::open(s.path()).unwrap();
    let tx = other
        .transaction_with_behavior(TransactionBehavior::Exclusive)
        .unwrap();
    let start = std::time::Instant::now();
    let err = s.upsert(&profile("a", "changed")).unwrap_err();
    assert!(err.to_string().contains("locked"), "{err}");
    assert!(start.elapsed() >= Duration::from_millis(250));
    assert!(s.set_default_profile("a").is_err());
    drop(tx);
    let a = s.load("a").unwrap().unwrap();
    assert_eq!(a.client_secret.as_ref().map(Secret::expose), Some("sa"));
    assert_eq!(s.default_profile().unwrap(), None);
}

#[test]
fn concurrent_writers_lose_nothing() {
    let (_t, s) = store();
    let path = s.path().to_path_buf();
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let path = path.clone();
            std::thread::spawn(move || {
                let s = SqliteStore::open(&path, Duration::from_secs(20)).unwrap();
                for j in 0..10 {
                    s.upsert(&profile(&format!("p{i}-{j}"), "x")).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(s.list().unwrap().len(), 80);
}

#[test]
fn the_refresh_lock_is_per_profile_and_exclusive() {
    let (_t, s) = store();
    let other = SqliteStore::open(s.path(), Duration::from_secs(1)).unwrap();
    let held = s.lock("a", Duration::from_secs(1)).unwrap();
    let err = match other.lock("a", Duration::from_millis(50)) {
        Err(e) => e,
        Ok(_) => panic!("two holders of one lock"),
    };
    assert!(matches!(err, StoreError::LockTimeout { .. }));
    other.lock("b", Duration::from_millis(50)).unwrap();
    drop(held);
    other.lock("a", Duration::from_millis(50)).unwrap();
}
