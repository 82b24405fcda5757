//! A Redis store that fails just after a successful refresh never costs the rotated refresh
//! token: against oidc-provider (which rotates refresh tokens and revokes the grant when a spent
//! one comes back), a `pancred token` whose refresh is in flight sees Redis close its idle
//! connection, restart, freeze or kill its connection. The write is retried on a fresh
//! connection, or the tokens go to the rescue file and the next command stores them. Every time,
//! the grant stays alive: the provider never sees a spent token.
#![cfg(all(feature = "cli", feature = "redis"))]

mod common;
mod redis_support;

use common::oidc::Oidc;
use common::Sandbox;
use redis_support::{expire, login, rcmd, rrun, OwnRedis};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

const PREFIX: &str = "p:";

struct Setup {
    oidc: Oidc,
    redis: OwnRedis,
    sb: Sandbox,
    url: String,
    refreshes: u64,
}

impl Setup {
    fn start(redis_args: &[&str]) -> Option<Setup> {
        let oidc = Oidc::start()?;
        let redis = OwnRedis::start(redis_args)?;
        let sb = Sandbox::new();
        let url = redis.url();
        login(&oidc, &sb, &url, PREFIX, "svc");
        expire(&sb, &url, PREFIX, "svc");
        let refreshes = oidc.refreshes();
        Some(Setup {
            oidc,
            redis,
            sb,
            url,
            refreshes,
        })
    }

    fn count(&self, key: &str) -> u64 {
        self.oidc.counts()[key].as_u64().unwrap()
    }

    /// `pancred token` with its refresh held at the provider for `delay_ms`; returns once the
    /// request has reached the provider.
    ///
    /// The lock's TTL is the default (30 s): no renewal (every 10 s) touches the connection
    /// during the refresh, so the write is the first to meet the fault. A frozen server keeps
    /// the lock of the process it froze; `lock_ttl_ms` lets it lapse sooner.
    fn token_in_flight(&self, delay_ms: u64, lock_ttl_ms: Option<u64>) -> Child {
        let requests = self.count("token_requests");
        self.oidc.set_token_delay(delay_ms);
        let mut cmd = rcmd(&self.sb, &self.url, PREFIX, &["token", "--profile", "svc"]);
        if let Some(ttl) = lock_ttl_ms {
            cmd.env("PANCRED_REDIS_LOCK_TTL_MS", ttl.to_string());
        }
        let child = cmd
            .env("PANCRED_REDIS_TIMEOUT_MS", "500")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.count("token_requests") == requests {
            assert!(Instant::now() < deadline, "the refresh never arrived");
            std::thread::sleep(Duration::from_millis(10));
        }
        child
    }

    /// The token command's result: a token on stdout, exit 0; the stderr.
    fn printed_a_token(&self, out: Output) -> String {
        self.oidc.set_token_delay(0);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        let token = String::from_utf8_lossy(&out.stdout);
        let claims = pancred::jwt::claims(token.trim()).expect("a JWT on stdout");
        assert!(claims["exp"].as_i64().unwrap() > common::now() + 60);
        stderr
    }

    /// The grant is alive: two more refreshes succeed, and the provider never saw a spent token.
    fn grant_alive(&self) {
        for _ in 0..2 {
            let r = rrun(
                &self.sb,
                &self.url,
                PREFIX,
                &["refresh", "--profile", "svc"],
            );
            assert_eq!(r.code, 0, "{}", r.all());
        }
        assert_eq!(self.count("refresh_errors"), 0, "{}", self.oidc.counts());
        assert_eq!(self.count("refresh"), self.refreshes + 3);
    }

    /// A refresh whose write meets a frozen server, so its tokens wait in the rescue file; the
    /// server thawed after. Returns the profile's document as it was before the refresh, and the
    /// access token the refresh printed.
    fn refresh_into_the_rescue_file(&self) -> (String, String) {
        let before: String = redis::cmd("GET")
            .arg(format!("{PREFIX}profile:svc"))
            .query(&mut self.redis.raw())
            .unwrap();
        let child = self.token_in_flight(1000, Some(3000));
        self.redis.signal("STOP");
        let out = child.wait_with_output().unwrap();
        let printed = String::from_utf8_lossy(&out.stdout).trim().to_string();
        self.printed_a_token(out);
        assert_eq!(self.rescue_files().len(), 1);
        self.redis.signal("CONT");
        // The write sent to the frozen server may land when it thaws.
        std::thread::sleep(Duration::from_millis(200));
        (before, printed)
    }

    fn rescue_files(&self) -> Vec<std::path::PathBuf> {
        let dir = self.sb.home.join(".local/state/pancred/rescue");
        match std::fs::read_dir(dir) {
            Ok(d) => d.map(|e| e.unwrap().path()).collect(),
            Err(_) => Vec::new(),
        }
    }
}

#[test]
fn redis_closed_the_idle_connection_during_the_refresh() {
    let Some(s) = Setup::start(&["--timeout", "1"]) else {
        return;
    };
    // The server drops connections idle for a second; the provider answers after three.
    let child = s.token_in_flight(3000, None);
    let stderr = s.printed_a_token(child.wait_with_output().unwrap());
    assert!(!stderr.contains("warning"), "{stderr}");
    assert!(s.rescue_files().is_empty());
    s.grant_alive();
}

#[test]
fn redis_killed_by_client_kill_during_the_refresh() {
    let Some(s) = Setup::start(&[]) else {
        return;
    };
    let child = s.token_in_flight(1000, None);
    let killed: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("TYPE")
        .arg("normal")
        .query(&mut s.redis.raw())
        .unwrap();
    assert!(killed >= 1, "pancred's connection was killed");
    let stderr = s.printed_a_token(child.wait_with_output().unwrap());
    assert!(!stderr.contains("warning"), "{stderr}");
    s.grant_alive();
}

#[test]
fn redis_restarted_during_the_refresh() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap();
    let args = [
        "--dir",
        dir,
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
    ];
    let Some(mut s) = Setup::start(&args) else {
        return;
    };
    let child = s.token_in_flight(1500, None);
    // Down at once, back after 0.3 s, before the provider answers.
    s.redis.restart(Duration::from_millis(300));
    let stderr = s.printed_a_token(child.wait_with_output().unwrap());
    assert!(!stderr.contains("warning"), "{stderr}");
    s.grant_alive();
}

#[test]
fn redis_frozen_during_the_refresh_keeps_the_tokens_in_the_rescue_file() {
    let Some(s) = Setup::start(&[]) else {
        return;
    };
    let child = s.token_in_flight(1000, Some(3000));
    s.redis.signal("STOP");
    let out = child.wait_with_output().unwrap();
    let stderr = s.printed_a_token(out);
    let files = s.rescue_files();
    assert_eq!(files.len(), 1, "{stderr}");
    assert!(stderr.contains("are not safe in the"), "{stderr}");
    assert!(
        stderr.contains(&files[0].display().to_string()),
        "says where: {stderr}"
    );
    // The truth about a write sent to a frozen server: it may still land when it thaws (and
    // then the rescue file is found already stored, below).
    assert!(stderr.contains("may still be applied"), "{stderr}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    // Thawed: the next command stores the rescued tokens first, and says so.
    s.redis.signal("CONT");
    let r = rrun(&s.sb, &s.url, PREFIX, &["refresh", "--profile", "svc"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(s.rescue_files().is_empty(), "{}", r.stderr);
    assert_eq!(s.count("refresh_errors"), 0, "{}", s.oidc.counts());
    let r = rrun(&s.sb, &s.url, PREFIX, &["refresh", "--profile", "svc"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(s.count("refresh_errors"), 0, "{}", s.oidc.counts());
    assert_eq!(s.count("refresh"), s.refreshes + 3);
}

/// Each command that hands out a token, run on a profile whose refreshed tokens wait in the
/// rescue file while the store answers again: it stores them (under the lock) before answering,
/// so a second machine on the same Redis, which has no rescue file, refreshes with the new
/// refresh token and not the spent one.
#[test]
fn every_command_that_hands_out_a_rescued_token_stores_it_first() {
    let Some(mut s) = Setup::start(&[]) else {
        return;
    };
    let other = Sandbox::new();
    let commands: [(&[&str], &str); 4] = [
        (&["token", "--profile", "svc"], ""),
        (
            &["--profile", "svc", "git-credential", "get"],
            "protocol=https\nhost=git.example\n\n",
        ),
        (&["--profile", "svc", "kubectl-credential"], ""),
        (&["--profile", "svc", "exec", "--", "true"], ""),
    ];
    for (args, input) in commands {
        let key = format!("{PREFIX}profile:svc");
        let (before, _) = s.refresh_into_the_rescue_file();
        // The write may have landed when the server thawed: put the profile back as it was, as
        // if it never had.
        let () = redis::cmd("SET")
            .arg(&key)
            .arg(&before)
            .query(&mut s.redis.raw())
            .unwrap();

        // The cached token comes from the rescue: the command must store it first.
        let mut cmd = rcmd(&s.sb, &s.url, PREFIX, args);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        use std::io::Write;
        let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(s.rescue_files().is_empty(), "{args:?}: {stderr}");

        // Another machine on the same Redis, without the rescue file.
        let r = rrun(&other, &s.url, PREFIX, &["refresh", "--profile", "svc"]);
        assert_eq!(r.code, 0, "{args:?}: {}", r.all());
        assert_eq!(
            s.count("refresh_errors"),
            0,
            "{args:?}: {}",
            s.oidc.counts()
        );
        expire(&s.sb, &s.url, PREFIX, "svc");
        s.refreshes = s.oidc.refreshes();
    }
}

/// While refreshed tokens wait in the rescue file, the small `pancred` (which reads a plain Redis
/// itself) never serves the token Redis holds, even one that looks good: it names the store as
/// the Redis store does, finds the rescue and leaves the command to the whole program, which
/// stores the rescued tokens first and serves the rescued access token.
#[test]
fn a_waiting_rescue_is_found_by_the_small_program_too() {
    let Some(s) = Setup::start(&[]) else {
        return;
    };
    let key = format!("{PREFIX}profile:svc");
    let (before, rescued) = s.refresh_into_the_rescue_file();
    // Redis holds the spent refresh token beside an access token that looks good for an hour.
    let mut doc: serde_json::Value = serde_json::from_str(&before).unwrap();
    let planted = common::jwt(&serde_json::json!({"exp": common::now() + 3600, "sub": "stale"}));
    doc["access_token"] = planted.clone().into();
    doc["expires_at"] = (common::now() + 3600).into();
    let () = redis::cmd("SET")
        .arg(&key)
        .arg(doc.to_string())
        .query(&mut s.redis.raw())
        .unwrap();

    let r = rrun(&s.sb, &s.url, PREFIX, &["token", "--profile", "svc"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_ne!(
        r.stdout.trim(),
        planted,
        "the store's token was served over the rescue"
    );
    assert_eq!(r.stdout.trim(), rescued);
    assert!(s.rescue_files().is_empty(), "{}", r.stderr);
    // And the grant lives on: the rescued refresh token is the one in the store.
    s.grant_alive();
}
