//! Every store's change token (what the TUI watches to show other processes' writes): it stays
//! put while nothing is written, and every kind of write by another handle on the same store
//! (another process, in effect) moves it.
#![cfg(all(
    feature = "cli",
    feature = "keyring",
    feature = "redis",
    feature = "sqlite"
))]
#![allow(clippy::disallowed_methods)] // a test sets up files and stores as it needs

mod common;

use pancred::store::file::FileStore;
use pancred::store::keyring::{Backend, KeyringStore};
use pancred::store::redis::{RedisConfig, RedisStore};
use pancred::store::sqlite::SqliteStore;
use pancred::{Profile, Store};
use rstest::rstest;
use std::time::Duration;

enum Kind {
    File,
    Sqlite,
    Keyring,
    Redis,
}

/// Two handles on one store (the watcher's and the writer's), or None when the store's server is
/// not there (skipped outside tests/run.sh).
fn open(kind: Kind, dir: &std::path::Path) -> Option<(Box<dyn Store>, Box<dyn Store>)> {
    let wait = Duration::from_secs(5);
    Some(match kind {
        Kind::File => {
            let f = dir.join("credentials.json");
            (Box::new(FileStore::new(&f)), Box::new(FileStore::new(&f)))
        }
        Kind::Sqlite => {
            let f = dir.join("credentials.sqlite3");
            (
                Box::new(SqliteStore::open(&f, wait).unwrap()),
                Box::new(SqliteStore::open(&f, wait).unwrap()),
            )
        }
        Kind::Keyring => {
            let creds = keyring_core::mock::Store::new().unwrap();
            let meta = dir.join("profiles.json");
            let one =
                KeyringStore::with_credential_store(Backend::Mock, creds.clone(), meta.clone());
            (
                Box::new(one),
                Box::new(KeyringStore::with_credential_store(
                    Backend::Mock,
                    creds,
                    meta,
                )),
            )
        }
        Kind::Redis => {
            let url = common::external("PANCRED_TEST_REDIS_URL")?;
            let mut cfg = RedisConfig::new(url);
            cfg.prefix = format!("changes-{}:", uuid::Uuid::new_v4().simple());
            (
                Box::new(RedisStore::connect(&cfg).unwrap()),
                Box::new(RedisStore::connect(&cfg).unwrap()),
            )
        }
    })
}

#[rstest]
#[case::file(Kind::File)]
#[case::sqlite(Kind::Sqlite)]
#[case::keyring(Kind::Keyring)]
#[case::redis(Kind::Redis)]
fn every_write_moves_the_change_token_and_nothing_else_does(#[case] kind: Kind) {
    let dir = tempfile::tempdir().unwrap();
    let Some((watcher, writer)) = open(kind, dir.path()) else {
        return;
    };
    let token = || watcher.change_token().unwrap().expect("the store can tell");
    let mut last = token();
    let mut p = Profile::new("work");
    p.client_id = Some("cid".into());
    let moved = |what: &str, last: &mut u64| {
        let now = token();
        assert_ne!(now, *last, "{what} did not move the token");
        assert_eq!(now, token(), "no write: {what} twice gives one token");
        *last = now;
    };
    writer.upsert(&p).unwrap();
    moved("a new profile", &mut last);
    let _ = writer.list().unwrap();
    let _ = writer.load("work").unwrap();
    assert_eq!(token(), last, "reads are not changes");
    p.access_token = Some(pancred::Secret::new("new-token"));
    writer.upsert(&p).unwrap();
    moved("a refresh", &mut last);
    writer.set_default_profile("work").unwrap();
    moved("a new default", &mut last);
    writer.rename("work", "play").unwrap();
    moved("a rename", &mut last);
    writer.remove("play").unwrap();
    moved("a removal", &mut last);
}
