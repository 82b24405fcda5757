//! The small `pancred` on the server stores. Redis: it reads a cached token from a plain server
//! itself (a client of its own, without TLS), with the Redis store's rules (keys, login,
//! database, eviction refusal, the words for a server that cannot be reached), and hands every
//! other form and every refusal to the whole program, which says what is wrong. memcached: it
//! opens the memcached store itself (plain TCP, built in).
#![cfg(all(feature = "cli", feature = "redis", feature = "memcached"))]

mod common;
mod redis_support;

use common::front::{handed_over, run, Vars};
use common::{have_program, jwt, now, Sandbox};
use redis_support::OwnRedis;
use serde_json::json;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

const FULL: &str = env!("CARGO_BIN_EXE_pancred-full");

/// Stores profile `name` (a token good for an hour, a provider that cannot be reached) through
/// the whole program, and returns the token.
fn store(sb: &Sandbox, env: Vars, name: &str) -> String {
    let token = jwt(&json!({"exp": now() + 3600, "sub": name}));
    let doc = json!({"profile": name, "dialect": "oauth2", "client_id": "c",
        "client_secret": "s", "refresh_token": "r", "token_url": "http://127.0.0.1:1/token",
        "access_token": token});
    let f = sb.path().join(format!("{name}.json"));
    #[allow(clippy::disallowed_methods)] // the test's own input file
    std::fs::write(&f, doc.to_string()).unwrap();
    let r = run(
        sb,
        FULL,
        &["init", "--from", f.to_str().unwrap(), "--write"],
        env,
        "",
    );
    assert_eq!(r.code, 0, "{}", r.all());
    token
}

/// What is not the small program's on any store: a token that needs a refresh goes to the
/// whole program, and a profile removed through it is never served again, by either program.
fn refresh_and_removal_are_the_whole_programs(sb: &Sandbox, env: Vars, name: &str, token: &str) {
    let (_, full) = handed_over(
        sb,
        &["--profile", name, "--leeway", "7200", "token"],
        env,
        "",
    );
    assert!(full, "a token that needs a refresh was answered");
    let r = run(sb, FULL, &["--profile", name, "remove", "--yes"], env, "");
    assert_eq!(r.code, 0, "{}", r.all());
    for program in [common::bin(), FULL] {
        let r = run(sb, program, &["--profile", name, "token"], env, "");
        assert_ne!(r.code, 0, "{}", r.all());
        assert!(
            !r.stdout.contains(token),
            "a removed profile's token was served"
        );
    }
}

fn prefix() -> String {
    format!(
        "front-{}-{}:",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    )
}

/// Every cached command is answered by the small program from Redis; what it cannot answer
/// (another URL form, a refresh, a missing or removed profile) is the whole program's, and a
/// removed profile's token is never served by either.
#[test]
fn the_small_program_answers_from_a_plain_redis_itself() {
    if !have_program("strace") {
        return;
    }
    let Some(url) = common::external("PANCRED_TEST_REDIS_URL") else {
        return;
    };
    let sb = Sandbox::new();
    let prefix = prefix();
    let env: Vars = &[
        ("PANCRED_STORE", "redis"),
        ("PANCRED_REDIS_URL", &url),
        ("PANCRED_REDIS_PREFIX", &prefix),
    ];
    let token = store(&sb, env, "fleet");
    assert_eq!(run(&sb, FULL, &["use", "fleet"], env, "").code, 0);
    let kube = r#"{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential"}"#;
    let kube_env: Vars = &[
        ("PANCRED_STORE", "redis"),
        ("PANCRED_REDIS_URL", &url),
        ("PANCRED_REDIS_PREFIX", &prefix),
        ("KUBERNETES_EXEC_INFO", kube),
    ];
    let print_token = "printf %s \"$PANCRED_ACCESS_TOKEN\"";
    let answered: [(&[&str], Vars, &str); 5] = [
        (&["--profile", "fleet", "token"], env, ""),
        // The store's default profile, read from Redis too.
        (&["token"], env, ""),
        (&["kubectl-credential"], kube_env, ""),
        (
            &["git-credential", "get"],
            env,
            "protocol=https\nhost=git.example\n\n",
        ),
        (&["exec", "--", "sh", "-c", print_token], env, ""),
    ];
    for (args, env, input) in answered {
        let (r, full) = handed_over(&sb, args, env, input);
        assert_eq!(r.code, 0, "{args:?}: {}", r.all());
        assert!(r.stdout.contains(&token), "{args:?}: {}", r.stdout);
        assert!(!full, "{args:?} ran the whole program: {}", r.all());
    }

    // Other forms of URL are the Redis store's: TLS, Sentinel, Cluster, a query, a CA file.
    let sentinel = "redis+sentinel://127.0.0.1:1/mymaster".to_string();
    let tls = url.replacen("redis://", "rediss://", 1);
    let resp3 = format!("{}?protocol=resp3", url.trim_end_matches('/'));
    for (what, other_url, extra) in [
        ("sentinel", sentinel.as_str(), None),
        ("tls", tls.as_str(), None),
        ("a query", resp3.as_str(), None),
        ("a CA file", url.as_str(), Some("/nonexistent/ca.pem")),
    ] {
        let mut vars = vec![
            ("PANCRED_STORE", "redis"),
            ("PANCRED_REDIS_URL", other_url),
            ("PANCRED_REDIS_PREFIX", prefix.as_str()),
            ("PANCRED_REDIS_TIMEOUT_MS", "1000"),
        ];
        if let Some(ca) = extra {
            vars.push(("PANCRED_REDIS_CA_FILE", ca));
        }
        let (r, full) = handed_over(&sb, &["--profile", "fleet", "token"], &vars, "");
        assert!(full, "{what}: not handed over: {}", r.all());
    }
    // A profile that is not there; a token that needs a refresh; a removed profile.
    let (r, full) = handed_over(&sb, &["--profile", "nobody", "token"], env, "");
    assert!(full && r.code != 0, "{}", r.all());
    refresh_and_removal_are_the_whole_programs(&sb, env, "fleet", &token);
}

/// A password (in the URL, or REDISCLI_AUTH), a database number and a Unix socket: the small
/// program logs in and reads them as the Redis store does. A wrong password goes to the whole
/// program, which says it was refused, and no password is ever shown.
#[test]
fn logins_databases_and_sockets_are_read_as_the_store_reads_them() {
    if !have_program("strace") {
        return;
    }
    let pw = "pw-front-9f3k";
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("redis.sock");
    let Some(server) = OwnRedis::start(&[
        "--requirepass",
        pw,
        "--unixsocket",
        sock.to_str().unwrap(),
        "--unixsocketperm",
        "700",
    ]) else {
        return;
    };
    let sb = Sandbox::new();
    let with_pw = format!("redis://:{pw}@127.0.0.1:{}/3", server.port);
    let env: Vars = &[("PANCRED_STORE", "redis"), ("PANCRED_REDIS_URL", &with_pw)];
    let token = store(&sb, env, "db3");
    // (The same profile is not in database 0.)
    let in_zero = format!("redis://:{pw}@127.0.0.1:{}/", server.port);
    let r = run(
        &sb,
        FULL,
        &["--profile", "db3", "token"],
        &[("PANCRED_STORE", "redis"), ("PANCRED_REDIS_URL", &in_zero)],
        "",
    );
    assert_ne!(r.code, 0, "{}", r.all());

    let no_pw = format!("redis://127.0.0.1:{}/3", server.port);
    let socket = format!("redis+unix://{}?db=3&pass={pw}", sock.display());
    let answered: [Vars; 3] = [
        env,
        &[
            ("PANCRED_STORE", "redis"),
            ("PANCRED_REDIS_URL", &no_pw),
            ("REDISCLI_AUTH", pw),
        ],
        &[("PANCRED_STORE", "redis"), ("PANCRED_REDIS_URL", &socket)],
    ];
    for vars in answered {
        let (r, full) = handed_over(&sb, &["--profile", "db3", "token"], vars, "");
        assert_eq!(r.code, 0, "{vars:?}: {}", r.all());
        assert_eq!(r.stdout.trim(), token);
        assert!(!full, "{vars:?}: ran the whole program");
    }

    let wrong = format!("redis://:wrong-pw-77@127.0.0.1:{}/3", server.port);
    for vars in [
        &[("PANCRED_STORE", "redis"), ("PANCRED_REDIS_URL", &wrong)][..],
        &[("PANCRED_STORE", "redis"), ("PANCRED_REDIS_URL", &no_pw)],
    ] {
        let (r, full) = handed_over(&sb, &["--profile", "db3", "token"], vars, "");
        assert_eq!(r.code, 5, "{}", r.all());
        assert!(
            full,
            "a refused login was not the whole program's to report"
        );
        assert!(r.stderr.contains("refused access"), "{}", r.stderr);
        assert!(
            !r.all().contains("wrong-pw-77") && !r.all().contains(pw),
            "{}",
            r.all()
        );
    }
}

/// A server that may evict any key is refused on every path, unless allowed.
#[test]
fn an_evicting_redis_is_refused_by_the_small_program_too() {
    let Some(server) =
        OwnRedis::start(&["--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru"])
    else {
        return;
    };
    let sb = Sandbox::new();
    let url = server.url();
    let allowed: Vars = &[
        ("PANCRED_STORE", "redis"),
        ("PANCRED_REDIS_URL", &url),
        ("PANCRED_REDIS_ALLOW_EVICTION", "1"),
    ];
    let token = store(&sb, allowed, "lru");
    let r = run(
        &sb,
        common::bin(),
        &["--profile", "lru", "token"],
        allowed,
        "",
    );
    assert_eq!(r.stdout.trim(), token, "{}", r.all());
    let refused: Vars = &[("PANCRED_STORE", "redis"), ("PANCRED_REDIS_URL", &url)];
    let r = run(
        &sb,
        common::bin(),
        &["--profile", "lru", "token"],
        refused,
        "",
    );
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("maxmemory-policy allkeys-lru"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty(), "a token was served: {}", r.stdout);
}

/// A Redis server that accepts connections and never answers costs a cached token one timeout,
/// with the error that names the server, in both programs; the small one says it itself.
#[test]
fn a_frozen_redis_costs_one_timeout() {
    let frozen = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("redis://{}/", frozen.local_addr().unwrap());
    let sb = Sandbox::new();
    let env: Vars = &[
        ("PANCRED_STORE", "redis"),
        ("PANCRED_REDIS_URL", &url),
        ("PANCRED_REDIS_TIMEOUT_MS", "1500"),
    ];
    let mut said = Vec::new();
    for program in [common::bin(), FULL] {
        let started = Instant::now();
        let r = run(&sb, program, &["--profile", "fleet", "token"], env, "");
        let took = started.elapsed();
        assert_eq!(r.code, 5, "{}", r.all());
        assert!(
            r.stderr.contains("did not answer within 1500 ms"),
            "{}",
            r.all()
        );
        assert!(
            took < Duration::from_millis(2900),
            "{program}: {took:?} for one 1.5 s timeout: {}",
            r.all()
        );
        said.push(r.stderr.split(" (gave up").next().unwrap_or("").to_string());
    }
    assert_eq!(said[0], said[1], "the two programs word it differently");
    if have_program("strace") {
        let (r, full) = handed_over(&sb, &["--profile", "fleet", "token"], env, "");
        assert_eq!(r.code, 5, "{}", r.all());
        assert!(
            !full,
            "the small program waited, then handed over: {}",
            r.all()
        );
    }
    drop(frozen);
}

/// What a hostile or broken server sends (an HTTP answer, a length it never sends, deep
/// nesting, a reply cut short) is an error, never a panic, a hang or a token.
#[test]
fn a_hostile_server_costs_an_error_never_a_panic() {
    let answers: [&[u8]; 5] = [
        b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
        b"$16777216\r\nabc",
        b"*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n",
        b"*2\r\n$9\r\nmaxmemory\r\n",
        b"-ERR unknown command\r\n-ERR what\r\n$999999999999\r\n",
    ];
    let sb = Sandbox::new();
    for answer in answers {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("redis://{}/", listener.local_addr().unwrap());
        let served = std::thread::spawn(move || {
            // Each program connects once (the whole one maybe twice): answer every connection.
            listener.set_nonblocking(false).unwrap();
            for conn in listener.incoming().take(4) {
                let Ok(mut conn) = conn else { break };
                let mut buf = [0u8; 4096];
                let _ = conn.set_read_timeout(Some(Duration::from_millis(300)));
                let _ = conn.read(&mut buf);
                let _ = conn.write_all(answer);
            }
        });
        let env: Vars = &[
            ("PANCRED_STORE", "redis"),
            ("PANCRED_REDIS_URL", &url),
            ("PANCRED_REDIS_TIMEOUT_MS", "1000"),
        ];
        let started = Instant::now();
        let r = run(&sb, common::bin(), &["--profile", "p", "token"], env, "");
        assert_ne!(
            r.code,
            0,
            "{:?}: {}",
            String::from_utf8_lossy(answer),
            r.all()
        );
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
        assert!(r.stdout.is_empty(), "{}", r.stdout);
        assert!(started.elapsed() < Duration::from_secs(10), "{}", r.all());
        drop(served);
    }
}

/// On memcached the small program reads the cached token through the memcached store itself; a
/// token that needs a refresh, a missing profile and a removed one are the whole program's.
#[test]
fn the_small_program_answers_from_memcached_itself() {
    if !have_program("strace") {
        return;
    }
    let Some(url) = common::external("PANCRED_TEST_MEMCACHED_URL") else {
        return;
    };
    let sb = Sandbox::new();
    let prefix = prefix();
    let env: Vars = &[
        ("PANCRED_STORE", "memcached"),
        ("PANCRED_MEMCACHED_URL", &url),
        ("PANCRED_MEMCACHED_PREFIX", &prefix),
    ];
    let token = store(&sb, env, "cache");
    for args in [
        &["--profile", "cache", "token"][..],
        &[
            "--profile",
            "cache",
            "exec",
            "--",
            "sh",
            "-c",
            "printf %s \"$PANCRED_ACCESS_TOKEN\"",
        ],
    ] {
        let (r, full) = handed_over(&sb, args, env, "");
        assert_eq!(r.code, 0, "{args:?}: {}", r.all());
        assert_eq!(r.stdout.trim(), token, "{args:?}");
        assert!(!full, "{args:?} ran the whole program: {}", r.all());
    }
    refresh_and_removal_are_the_whole_programs(&sb, env, "cache", &token);

    // A memcached that is gone: said at once by the small program, in the store's words.
    let gone = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let gone_url = format!("memcache://{}", gone.local_addr().unwrap());
    drop(gone);
    let vars: Vars = &[
        ("PANCRED_STORE", "memcached"),
        ("PANCRED_MEMCACHED_URL", &gone_url),
    ];
    let (r, full) = handed_over(&sb, &["--profile", "cache", "token"], vars, "");
    assert_eq!(r.code, 5, "{}", r.all());
    assert!(
        !full,
        "an unreachable memcached was handed over: {}",
        r.all()
    );
}

/// A server that trickles its answer a byte at a time costs the call its timeout, not a timeout
/// per byte.
#[test]
fn a_trickling_server_costs_one_timeout() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("redis://{}/", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { break };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = conn.read(&mut buf);
                // A status line that never ends.
                while conn.write_all(b"+").is_ok() {
                    std::thread::sleep(Duration::from_millis(200));
                }
            });
        }
    });
    let sb = Sandbox::new();
    let env: Vars = &[
        ("PANCRED_STORE", "redis"),
        ("PANCRED_REDIS_URL", &url),
        ("PANCRED_REDIS_TIMEOUT_MS", "1000"),
    ];
    let started = Instant::now();
    let r = run(&sb, common::bin(), &["--profile", "p", "token"], env, "");
    let took = started.elapsed();
    assert_eq!(r.code, 5, "{}", r.all());
    assert!(
        r.stderr.contains("did not answer within 1000 ms"),
        "{}",
        r.all()
    );
    assert!(
        took < Duration::from_millis(1900),
        "{took:?} for one 1 s timeout"
    );
}
