//! The CLI over pancloud's credentials file: concurrency, bad files, permissions, exit codes,
//! and no secret in any output.
#![cfg(feature = "cli")]
#![allow(clippy::disallowed_methods)] // a test sets up files and stores as it needs

mod common;

use common::{jwt, now, Sandbox};
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;

fn write_init(sb: &Sandbox, name: &str, fields: Value) -> String {
    let p = sb.dir.path().join(name);
    std::fs::write(&p, fields.to_string()).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn fifty_concurrent_writers_all_land() {
    let sb = Sandbox::new();
    let children: Vec<_> = (0..50)
        .map(|i| {
            let f = write_init(
                &sb,
                &format!("p{i}.json"),
                json!({"profile": format!("p{i}"), "client_id": format!("id-{i}")}),
            );
            let mut c = sb.cmd(&["init", "--from", &f, "--write"]);
            c.stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped());
            c.spawn().unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let rows: Vec<Value> = serde_json::from_str(&sb.run(&["list", "--json"]).stdout).unwrap();
    assert_eq!(rows.len(), 50);
    for i in 0..50 {
        let row = rows
            .iter()
            .find(|r| r["profile"] == format!("p{i}"))
            .expect("profile landed");
        assert_eq!(row["client_id"], format!("id-{i}"));
    }
    // No temporary files left beside it.
    let names: Vec<_> = std::fs::read_dir(sb.creds.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".locks"))
        .collect();
    assert_eq!(names, ["credentials.json"]);
}

#[test]
fn bad_files_are_reported_and_never_touched() {
    let cases = [
        (
            "corrupt",
            "{\"profiles\": {\"1\": {\"profile\": \"a\",, }}}",
        ),
        (
            "truncated",
            "{\n    \"profiles\": {\n        \"1\": {\n            \"client_id\": \"x\",",
        ),
        ("empty", ""),
        ("wrong shape: array", "[{\"profile\": \"a\"}]"),
        ("wrong shape: table", "{\"profiles\": [\"a\"]}"),
        (
            "wrong shape: document",
            "{\"profiles\": {\"1\": {\"client_id\": 5, \"profile\": \"a\"}}}",
        ),
    ];
    for (what, content) in cases {
        let sb = Sandbox::new();
        std::fs::create_dir_all(sb.creds.parent().unwrap()).unwrap();
        std::fs::write(&sb.creds, content).unwrap();
        let init = write_init(&sb, "i.json", json!({"profile": "a", "client_id": "new"}));
        let commands: [&[&str]; 6] = [
            &["list"],
            &["show", "--profile", "a"],
            &["init", "--from", &init, "--write"],
            &["use", "a"],
            &["remove", "--yes", "--profile", "a"],
            &["list", "--json"],
        ];
        for args in commands {
            let r = sb.run(args);
            assert!(
                r.code == 2 || r.code == 5,
                "{what}: {args:?} exited {}",
                r.code
            );
            assert!(
                r.stderr.contains(sb.creds.to_str().unwrap()),
                "{what}: {args:?}: {}",
                r.stderr
            );
            assert!(r.stdout.is_empty(), "{what}: {args:?}");
            assert_eq!(
                std::fs::read_to_string(&sb.creds).unwrap(),
                content,
                "{what}: {args:?} changed the file"
            );
        }
        let gen = sb.run_with_input(&["generate"], "id\nsecret\nrt\na\ny\n");
        assert_eq!(gen.code, 5, "{what}: generate");
        assert_eq!(std::fs::read_to_string(&sb.creds).unwrap(), content);
    }
}

#[test]
fn a_new_file_is_private() {
    let sb = Sandbox::new();
    let init = write_init(
        &sb,
        "i.json",
        json!({"client_id": "c", "client_secret": "s"}),
    );
    assert_eq!(sb.run(&["init", "--from", &init, "--write"]).code, 0);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&sb.creds), 0o600);
    assert_eq!(mode(sb.creds.parent().unwrap()), 0o700);
    // A file pancloud created 0644 becomes 0600 on pancred's first write.
    std::fs::set_permissions(&sb.creds, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(sb.run(&["use", "default"]).code, 0);
    assert_eq!(mode(&sb.creds), 0o600);
}

#[test]
fn no_secret_reaches_any_output() {
    let sb = Sandbox::new();
    let token = jwt(&json!({"exp": now() + 600, "sub": "svc", "scope": "read"}));
    let secrets = [
        "cs-VERY-secret",
        "rt-VERY-secret",
        "dt-VERY-secret",
        token.as_str(),
    ];
    let init = write_init(
        &sb,
        "i.json",
        json!({"profile": "p", "client_id": "cid", "client_secret": secrets[0], "refresh_token": secrets[1], "developer_token": secrets[2], "access_token": token}),
    );
    let mut runs = vec![
        sb.run(&["init", "--from", &init]),
        sb.run(&["init", "--from", &init, "--json"]),
        sb.run(&["init", "--from", &init, "--write"]),
        sb.run(&["list"]),
        sb.run(&["list", "--json"]),
        sb.run(&["show", "--profile", "p"]),
        sb.run(&["show", "--profile", "p", "--json"]),
        sb.run(&["use", "p"]),
        sb.run(&["show"]),
        sb.run(&["completions", "bash"]),
        sb.run_with_input(
            &["generate"],
            &format!("cid2\n{}\n{}\nq\ny\n", secrets[0], secrets[1]),
        ),
        sb.run(&["--profile", "nope", "show"]),
    ];
    runs.push(sb.run(&["remove", "--yes", "--profile", "q"]));
    for r in &runs {
        for s in secrets {
            assert!(!r.all().contains(s), "a secret was printed:\n{}", r.all());
        }
    }
    // The masked form is what people see instead.
    assert!(runs[5].stdout.contains("******"));
}

#[test]
fn exit_codes_and_messages() {
    let sb = Sandbox::new();
    let r = sb.run(&["show", "--profile", "ghost"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("no profile 'ghost'"), "{}", r.stderr);

    let bad_json = sb.dir.path().join("bad.json");
    std::fs::write(&bad_json, "{client_id: x}").unwrap();
    let r = sb.run(&["init", "--from", bad_json.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not valid JSON"), "{}", r.stderr);

    let unknown = write_init(
        &sb,
        "u.json",
        json!({"client_id": "x", "clientsecret": "typo"}),
    );
    let r = sb.run(&["init", "--from", &unknown, "--write"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("clientsecret"), "{}", r.stderr);
    assert!(!sb.creds.exists(), "nothing written on bad input");

    assert_eq!(sb.run(&["frobnicate"]).code, 2);
    assert_eq!(sb.run(&["--store", "floppy", "list"]).code, 2);

    // Declining the confirmation keeps the profile and exits 130.
    let ok = write_init(&sb, "ok.json", json!({"profile": "keep", "client_id": "x"}));
    assert_eq!(sb.run(&["init", "--from", &ok, "--write"]).code, 0);
    let r = sb.run_with_input(&["remove", "--profile", "keep"], "n\n");
    assert_eq!(r.code, 130);
    assert!(
        r.stderr.contains("Delete PROFILE 'keep' [Y/N]?"),
        "{}",
        r.stderr
    );
    assert_eq!(sb.run(&["show", "--profile", "keep"]).code, 0);
    let r = sb.run_with_input(&["remove", "--profile", "keep"], "y\n");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(sb.run(&["show", "--profile", "keep"]).code, 1);
    assert_eq!(sb.run(&["remove", "--yes", "--profile", "keep"]).code, 1);
}

#[test]
fn dry_run_init_writes_nothing_and_write_merges() {
    let sb = Sandbox::new();
    let f = write_init(
        &sb,
        "a.json",
        json!({"profile": "lab", "client_id": "one", "scope": "s1"}),
    );
    let r = sb.run(&["init", "--from", &f]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("one") && r.stderr.contains("nothing written"));
    assert!(!sb.creds.exists());
    assert_eq!(sb.run(&["init", "--from", &f, "--write"]).code, 0);
    let g = write_init(&sb, "b.json", json!({"profile": "lab", "client_id": "two"}));
    assert_eq!(sb.run(&["init", "--from", &g, "--write"]).code, 0);
    let show: Value =
        serde_json::from_str(&sb.run(&["show", "--profile", "lab", "--json"]).stdout).unwrap();
    assert_eq!(show["client_id"], "two");
    assert_eq!(show["scope"], "s1", "fields not in the file are kept");
}

#[test]
fn profile_selection_default_and_env() {
    let sb = Sandbox::new();
    for name in ["alpha", "beta"] {
        let f = write_init(
            &sb,
            &format!("{name}.json"),
            json!({"profile": name, "client_id": format!("id-{name}")}),
        );
        assert_eq!(sb.run(&["init", "--from", &f, "--write"]).code, 0);
    }
    assert_eq!(sb.run(&["show"]).code, 1, "no 'default' profile yet");
    assert_eq!(sb.run(&["use", "beta"]).code, 0);
    let list = sb.run(&["list"]).stdout;
    assert!(
        list.lines()
            .any(|l| l.starts_with('*') && l.contains("beta")),
        "{list}"
    );
    let show: Value = serde_json::from_str(&sb.run(&["show", "--json"]).stdout).unwrap();
    assert_eq!(show["client_id"], "id-beta");
    assert_eq!(show["default"], true);
    let mut c = sb.cmd(&["show", "--json"]);
    c.env("PANCRED_PROFILE", "alpha");
    let out: Value = serde_json::from_slice(&c.output().unwrap().stdout).unwrap();
    assert_eq!(out["client_id"], "id-alpha");
    assert_eq!(sb.run(&["use", "gamma"]).code, 1);
}

#[test]
fn list_states_and_countdowns() {
    let sb = Sandbox::new();
    let t = now();
    for (name, exp) in [
        ("valid", t + 3600),
        ("expiring", t + 30),
        ("expired", t - 120),
    ] {
        let f = write_init(
            &sb,
            &format!("{name}.json"),
            json!({"profile": name, "access_token": jwt(&json!({"exp": exp}))}),
        );
        assert_eq!(sb.run(&["init", "--from", &f, "--write"]).code, 0);
    }
    let f = write_init(
        &sb,
        "m.json",
        json!({"profile": "missing", "client_id": "x"}),
    );
    assert_eq!(sb.run(&["init", "--from", &f, "--write"]).code, 0);
    let rows: Vec<Value> = serde_json::from_str(&sb.run(&["list", "--json"]).stdout).unwrap();
    let state = |n: &str| rows.iter().find(|r| r["profile"] == n).unwrap()["state"].clone();
    assert_eq!(state("valid"), "valid");
    assert_eq!(state("expiring"), "expiring");
    assert_eq!(state("expired"), "expired");
    assert_eq!(state("missing"), "missing");
    let text = sb.run(&["list"]).stdout;
    assert!(text.contains("expired 2m"), "{text}");
    assert!(text.contains("no token"), "{text}");
}
