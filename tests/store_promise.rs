//! SPEC's concurrency promise, one test over every store (file, keyring, Redis, sqlite, memcached)
//! against oidc-provider (the burst on the file store also against django-oauth-toolkit), both of
//! which rotate refresh tokens: 32 `pancred token` processes on an expired
//! token make one refresh call and all print the same token; a lock holder killed mid-refresh
//! writes nothing and delays the next process by at most its lock's TTL (at once for the stores
//! whose lock is an OS file lock, which dies with its holder). The networked stores run their
//! processes on two "machines" (two HOME folders).
#![cfg(all(
    feature = "cli",
    feature = "keyring",
    feature = "redis",
    feature = "sqlite",
    feature = "memcached"
))]
#![allow(clippy::disallowed_methods)] // a test sets up files and stores as it needs

mod common;
mod memcached_support;

use common::oidc::{basic_client, Kind as Provider, Oidc, WEB_REDIRECT};
use common::{external, Run, Sandbox};
use rstest::rstest;
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
enum Kind {
    File,
    Keyring,
    Redis,
    Sqlite,
    Memcached,
}

/// The lock TTL given to the stores whose lock outlives a dead holder until it expires.
const TTL: Duration = Duration::from_secs(2);

struct Case {
    machines: Vec<Sandbox>,
    env: Vec<(&'static str, String)>,
    /// How long a dead holder's lock lasts (zero: the OS frees it with the process).
    ttl: Duration,
    profile: String,
}

fn unique(tag: &str) -> String {
    format!("{tag}-{}", uuid::Uuid::new_v4().simple())
}

/// Whether the Secret Service of tests/run.sh answers (unlocked); fails under tests/run.sh if not.
fn secret_service() -> bool {
    let ok = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
        && Command::new("dbus-send")
            .args([
                "--session",
                "--print-reply",
                "--reply-timeout=10000",
                "--dest=org.freedesktop.secrets",
                "/org/freedesktop/secrets/aliases/default",
                "org.freedesktop.DBus.Properties.Get",
                "string:org.freedesktop.Secret.Collection",
                "string:Locked",
            ])
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("boolean false"));
    if !ok {
        assert!(
            std::env::var("PANCRED_REQUIRE_ALL").is_err(),
            "no unlocked Secret Service: tests/run.sh provides one"
        );
        eprintln!("skipping: no unlocked Secret Service (run tests/run.sh)");
    }
    ok
}

impl Case {
    /// The store's settings, or None when its server is not there (skipped outside tests/run.sh).
    fn new(kind: Kind) -> Option<Case> {
        let one = || vec![Sandbox::new()];
        let ms = TTL.as_millis().to_string();
        let (machines, env, ttl) = match kind {
            Kind::File => (
                one(),
                vec![("PANCRED_STORE", "file".into())],
                Duration::ZERO,
            ),
            Kind::Keyring => {
                if !secret_service() {
                    return None;
                }
                (
                    one(),
                    vec![("PANCRED_STORE", "keyring".into())],
                    Duration::ZERO,
                )
            }
            Kind::Sqlite => {
                let m = one();
                let db = m[0].path().join("db/credentials.sqlite3");
                let env = vec![
                    ("PANCRED_STORE", "sqlite".into()),
                    ("PANCRED_SQLITE_PATH", db.display().to_string()),
                ];
                (m, env, Duration::ZERO)
            }
            Kind::Redis => {
                let url = external("PANCRED_TEST_REDIS_URL")?;
                let env = vec![
                    ("PANCRED_STORE", "redis".into()),
                    ("PANCRED_REDIS_URL", url),
                    ("PANCRED_REDIS_PREFIX", unique("promise") + ":"),
                    ("PANCRED_REDIS_LOCK_TTL_MS", ms),
                ];
                (vec![Sandbox::new(), Sandbox::new()], env, TTL)
            }
            Kind::Memcached => {
                // memcached counts expiry in whole seconds on a clock that can lose two of
                // them: its shortest lock TTL is longer.
                let memcached_ttl = TTL + Duration::from_secs(1);
                let url = memcached_support::shared_url()?;
                let env = vec![
                    ("PANCRED_STORE", "memcached".into()),
                    ("PANCRED_MEMCACHED_URL", url),
                    ("PANCRED_MEMCACHED_PREFIX", unique("promise") + ":"),
                    (
                        "PANCRED_MEMCACHED_LOCK_TTL_MS",
                        memcached_ttl.as_millis().to_string(),
                    ),
                ];
                (vec![Sandbox::new(), Sandbox::new()], env, memcached_ttl)
            }
        };
        Some(Case {
            machines,
            env,
            ttl,
            profile: unique("idp"),
        })
    }

    fn cmd(&self, machine: usize, args: &[&str]) -> Command {
        let mut c = self.machines[machine % self.machines.len()].cmd(args);
        c.args(["--profile", &self.profile]);
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    fn run(&self, machine: usize, args: &[&str]) -> Run {
        self.cmd(machine, args).output().unwrap().into()
    }

    fn init(&self, fields: &Value) {
        let f = self.machines[0].path().join(unique("init") + ".json");
        std::fs::write(&f, fields.to_string()).unwrap();
        let r = self.run(0, &["init", "--from", f.to_str().unwrap(), "--write"]);
        assert_eq!(r.code, 0, "init: {}", r.all());
    }

    /// Logs the profile in at the provider (auth-url, its forms, exchange), then makes the
    /// stored access token one that expired a minute ago.
    fn login_and_expire(&self, oidc: &Oidc) {
        self.init(&oidc.profile(&self.profile, &basic_client(), WEB_REDIRECT));
        let r = self.run(0, &["auth-url"]);
        assert_eq!(r.code, 0, "auth-url: {}", r.all());
        let (code, _) = oidc.authorize(r.stdout.trim(), WEB_REDIRECT);
        let r = self.run(0, &["exchange", "--code", &code]);
        assert_eq!(r.code, 0, "exchange: {}", r.all());
        let exp = common::now() - 60;
        self.init(&json!({
            "profile": self.profile,
            "access_token": common::jwt(&json!({"exp": exp, "sub": "old"})),
            "expires_at": exp,
        }));
        assert_eq!(self.run(1, &["token", "--no-refresh"]).code, 1, "stale");
    }

    fn token(&self, machine: usize) -> Child {
        self.cmd(machine, &["token"])
            // Generous: 32 processes queue for the lock one after another on a loaded machine.
            .env("PANCRED_LOCK_TIMEOUT", "120")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }
}

impl Drop for Case {
    fn drop(&mut self) {
        // The keyring is shared with other tests: leave no entry behind.
        let _ = self.run(0, &["remove", "--yes"]);
    }
}

fn count(oidc: &Oidc, what: &str) -> u64 {
    oidc.counts()[what].as_u64().unwrap()
}

#[rstest]
#[case::file(Kind::File, Provider::OidcProvider)]
#[case::file_django_oauth_toolkit(Kind::File, Provider::Dot)]
#[case::keyring(Kind::Keyring, Provider::OidcProvider)]
#[case::redis(Kind::Redis, Provider::OidcProvider)]
#[case::sqlite(Kind::Sqlite, Provider::OidcProvider)]
#[case::memcached(Kind::Memcached, Provider::OidcProvider)]
fn a_burst_of_32_processes_makes_one_refresh(#[case] kind: Kind, #[case] provider: Provider) {
    let Some(case) = Case::new(kind) else { return };
    let Some(oidc) = Oidc::start_kind(provider, &[]) else {
        return;
    };
    case.login_and_expire(&oidc);
    let (refreshes, errors) = (count(&oidc, "refresh"), count(&oidc, "refresh_errors"));
    // A slow token endpoint keeps the first refresh in flight while the others pile up.
    oidc.set_token_delay(500);
    let children: Vec<Child> = (0..32).map(|i| case.token(i)).collect();
    let runs: Vec<Run> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap().into())
        .collect();
    oidc.set_token_delay(0);
    for r in &runs {
        assert_eq!(r.code, 0, "{kind:?}: {}", r.all());
    }
    let first = runs[0].stdout.trim().to_string();
    assert!(
        runs.iter().all(|r| r.stdout.trim() == first),
        "{kind:?}: the processes printed different tokens"
    );
    if oidc.jwt_access_tokens() {
        let claims = pancred::jwt::claims(&first).expect("a JWT access token");
        assert!(claims["exp"].as_i64().unwrap() > common::now() + 60);
    }
    assert!(!first.is_empty() && first != "old");
    assert_eq!(
        count(&oidc, "refresh"),
        refreshes + 1,
        "{kind:?}: {}",
        oidc.counts()
    );
    assert_eq!(count(&oidc, "refresh_errors"), errors, "{kind:?}");
    // The rotated refresh token was stored: the grant is alive and refreshes again.
    let again = case.run(1, &["refresh"]);
    assert_eq!(again.code, 0, "{kind:?}: {}", again.all());
    assert_eq!(count(&oidc, "refresh"), refreshes + 2);
}

#[rstest]
#[case::file(Kind::File)]
#[case::keyring(Kind::Keyring)]
#[case::redis(Kind::Redis)]
#[case::sqlite(Kind::Sqlite)]
#[case::memcached(Kind::Memcached)]
fn a_killed_lock_holder_delays_the_others_by_at_most_its_ttl(#[case] kind: Kind) {
    let Some(case) = Case::new(kind) else { return };
    let Some(oidc) = Oidc::start() else { return };
    case.login_and_expire(&oidc);
    let (refreshes, requests) = (count(&oidc, "refresh"), count(&oidc, "token_requests"));
    // The provider holds the holder's refresh request; the holder dies before it is answered.
    oidc.set_token_delay(30_000);
    let mut holder = case
        .cmd(0, &["token"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while count(&oidc, "token_requests") == requests {
        assert!(
            Instant::now() < deadline,
            "{kind:?}: the refresh never arrived"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    holder.kill().unwrap(); // SIGKILL, holding the lock
    holder.wait().unwrap();
    let killed = Instant::now();
    oidc.set_token_delay(0);
    let stale = case.run(0, &["token", "--no-refresh"]);
    assert_eq!(
        stale.code, 1,
        "{kind:?}: the killed refresh wrote something"
    );

    let r: Run = case
        .cmd(1, &["token"])
        .env("PANCRED_LOCK_TIMEOUT", "60")
        .output()
        .unwrap()
        .into();
    let waited = killed.elapsed();
    assert_eq!(r.code, 0, "{kind:?}: {}", r.all());
    // Process start-up and the refresh itself on a loaded machine: a few seconds of slack.
    assert!(
        waited < case.ttl + Duration::from_secs(8),
        "{kind:?}: waited {waited:?} for a dead holder's lock (TTL {:?})",
        case.ttl
    );
    let claims = pancred::jwt::claims(r.stdout.trim()).expect("a JWT");
    assert!(claims["exp"].as_i64().unwrap() > common::now() + 60);
    assert_eq!(
        count(&oidc, "refresh"),
        refreshes + 1,
        "{kind:?}: {}",
        oidc.counts()
    );
    assert_eq!(count(&oidc, "refresh_errors"), 0, "{kind:?}");
    // The refresh token the survivor stored is the grant's live one.
    let again = case.run(0, &["refresh"]);
    assert_eq!(again.code, 0, "{kind:?}: {}", again.all());
}
