//! `pancred exec --serve` across OpenSSH: `ssh -R REMOTE_SOCKET:LOCAL_SOCKET` gives a shell on
//! another account (standing in for another host) fresh tokens from `pancred token`, with no
//! store there, while the refresh token and the client secret never reach it.
#![allow(clippy::disallowed_methods)] // (a test sets up its files as it likes)
#![cfg(all(feature = "cli", target_os = "linux"))]

mod common;

use common::have_program;
use common::serve::{other_user, set_mode, setup};
use pancred::sandbox::demo;
use std::collections::HashSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SSHD: &str = "/usr/sbin/sshd";

/// sshd on a free loopback port, letting `user` in with a key; (server, port, client key).
fn sshd(dir: &Path, user: &str) -> (Child, u16, std::path::PathBuf) {
    let keygen = |name: &str| {
        let path = dir.join(name);
        let ok = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(&path)
            .status()
            .unwrap()
            .success();
        assert!(ok, "ssh-keygen");
        path
    };
    let host_key = keygen("host_key");
    let user_key = keygen("user_key");
    let authorized = dir.join("authorized_keys");
    std::fs::copy(user_key.with_extension("pub"), &authorized).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = dir.join("sshd_config");
    std::fs::write(
        &config,
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nPidFile {}\nAuthorizedKeysFile {}\n\
             StrictModes no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n\
             AllowStreamLocalForwarding yes\nStreamLocalBindUnlink yes\nAllowUsers {user}\n\
             LogLevel ERROR\n",
            host_key.display(),
            dir.join("sshd.pid").display(),
            authorized.display()
        ),
    )
    .unwrap();
    // Privilege separation wants its empty folder.
    std::fs::create_dir_all("/run/sshd").unwrap();
    let server = Command::new(SSHD)
        .args(["-D", "-e", "-f"])
        .arg(&config)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "sshd did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (server, port, user_key)
}

#[test]
fn a_remote_shell_gets_fresh_tokens_through_a_forwarded_socket() {
    if !Path::new(SSHD).exists() || !have_program("ssh") {
        assert!(
            std::env::var_os("PANCRED_REQUIRE_ALL").is_none(),
            "openssh-server and openssh-client are required"
        );
        return;
    }
    let Some(user) = other_user() else {
        return;
    };
    let s = setup(4);
    let dir = s.sb.path().join("ssh");
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    // The other account runs its own copy of pancred, which it can read.
    std::fs::copy(common::bin(), dir.join("bin/pancred")).unwrap();
    for d in [s.sb.path(), dir.as_path(), &dir.join("bin")] {
        set_mode(d, 0o755);
    }
    let (mut server, port, key) = sshd(&dir, user);
    let remote_socket = format!("/tmp/pancred-remote-{}.sock", std::process::id());
    let remote = format!(
        "export PANCRED_TOKEN_SOCKET={remote_socket}; i=0; while [ $i -lt 10 ]; do {bin} token || echo FAILED; i=$((i+1)); sleep 1; done; \
         echo ENV; env; echo FILES; ls -la ~; find ~ -type f -exec cat {{}} + 2>/dev/null; \
         echo PS; cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' '; exit 0",
        bin = dir.join("bin/pancred").display()
    );
    let ssh = format!(
        "ssh -q -i {key} -p {port} -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
         -o ExitOnForwardFailure=yes -R {remote_socket}:\"$PANCRED_TOKEN_SOCKET\" {user}@127.0.0.1 '{remote}'",
        key = key.display(),
    );
    let out = s.serve(&[], &ssh).output().unwrap();
    let _ = server.kill();
    let _ = server.wait();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (tokens, rest) = text.split_once("ENV\n").expect("the remote side's report");
    let tokens: Vec<&str> = tokens.lines().collect();
    assert_eq!(tokens.len(), 10, "{tokens:?}");
    assert!(
        tokens.iter().all(|t| t.split('.').count() == 3),
        "{tokens:?}"
    );
    let distinct: HashSet<&&str> = tokens.iter().collect();
    assert!(
        distinct.len() >= 2,
        "no fresh token over 10 s of 4 s tokens: {tokens:?}"
    );
    // The grant stayed here: nothing of it on the other side, in its environment, its files or
    // any process's arguments.
    for secret in [s.refresh_token.as_str(), demo::OAUTH2_SECRET] {
        assert!(!rest.contains(secret), "a secret reached the remote side");
    }
    assert!(rest.contains("PANCRED_TOKEN_SOCKET="), "{rest}");
    assert!(
        !rest.contains("credentials.json"),
        "a store on the remote side: {rest}"
    );
}
