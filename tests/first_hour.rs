//! A new user's first hour, as the README leads them: import from pancloud's file (with and
//! without another store), rotation of a refresh token given in `PAN_*` variables, the
//! sandbox's snippet pasted into a shell, and the hints where a newcomer gets stuck.
#![cfg(feature = "cli")]

mod common;

use common::oidc::{basic_client, init, stored, Oidc, WEB_REDIRECT};
use common::{Run, Sandbox};
use serde_json::{json, Value};

fn ok(r: &Run) {
    assert_eq!(r.code, 0, "{}", r.all());
}

fn sqlite(sb: &Sandbox) -> String {
    sb.path().join("db.sqlite3").display().to_string()
}

/// A pancloud file with one profile holding a refresh token, and one with settings only.
fn pancloud_file(sb: &Sandbox) {
    init(
        sb,
        &json!({"profile": "lab", "client_id": "cid", "client_secret": "cs",
                "refresh_token": "rt-lab", "scope": "read"}),
    );
    init(sb, &json!({"profile": "bare", "client_id": "cid"}));
    ok(&sb.run(&["use", "lab"]));
}

#[test]
fn import_moves_tokens_so_one_grant_never_lives_in_two_stores() {
    let sb = Sandbox::new();
    pancloud_file(&sb);
    let db = sqlite(&sb);
    let r = sb.run(&["--store", "sqlite", "--sqlite-path", &db, "import"]);
    ok(&r);
    assert!(r.stdout.contains("moved lab"), "{}", r.stdout);
    assert!(r.stdout.contains("imported bare"), "{}", r.stdout);
    assert!(
        r.stderr.contains("now live only in the sqlite store"),
        "{}",
        r.stderr
    );
    // The file keeps the settings, without tokens, and says where they went.
    let left = stored(&sb, "lab");
    assert!(
        left.get("refresh_token").is_none_or(Value::is_null),
        "{left}"
    );
    assert_eq!(left["scope"], "read");
    assert!(
        left["moved_to"].as_str().unwrap().contains("sqlite"),
        "{left}"
    );
    // The other store has them, and the default came along.
    let r = sb.run(&["--store", "sqlite", "--sqlite-path", &db, "show", "--json"]);
    ok(&r);
    let shown: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(shown["profile"], "lab");
    assert_eq!(shown["has_refresh_token"], true, "{shown}");
    // A second import never takes the tokens away from the store that has them now.
    ok(&sb.run(&["--store", "sqlite", "--sqlite-path", &db, "import"]));
    let r = sb.run(&["--store", "sqlite", "--sqlite-path", &db, "show", "--json"]);
    let shown: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(shown["has_refresh_token"], true, "{shown}");
    let shown = sb.run(&["--profile", "lab", "show"]);
    assert!(shown.stdout.contains("tokens moved to"), "{}", shown.stdout);
    // Where the file is used now, the hint says where the tokens are.
    let r = sb.run(&["--profile", "lab", "refresh"]);
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(
        r.stderr
            .contains("hint: the tokens of profile 'lab' were moved to the sqlite store"),
        "{}",
        r.stderr
    );
    // export moves them back: pancloud's file works again.
    let r = sb.run(&[
        "--store",
        "sqlite",
        "--sqlite-path",
        &db,
        "export",
        "--to",
        sb.creds.to_str().unwrap(),
    ]);
    ok(&r);
    let back = stored(&sb, "lab");
    assert!(back["refresh_token"].is_string(), "{back}");
    assert!(back.get("moved_to").is_none_or(Value::is_null), "{back}");
}

#[test]
fn import_with_copy_keeps_both_and_says_what_that_costs() {
    let sb = Sandbox::new();
    pancloud_file(&sb);
    let db = sqlite(&sb);
    let r = sb.run(&[
        "--store",
        "sqlite",
        "--sqlite-path",
        &db,
        "import",
        "--copy",
    ]);
    ok(&r);
    assert!(r.stderr.contains("warning: --copy"), "{}", r.stderr);
    assert!(stored(&sb, "lab")["refresh_token"].is_string());
}

#[test]
fn import_where_the_file_is_the_store_already_succeeds_and_says_why() {
    let sb = Sandbox::new();
    pancloud_file(&sb);
    let before = std::fs::read(&sb.creds).unwrap();
    let r = sb.run(&["import"]);
    ok(&r);
    assert!(
        r.stderr.contains("is the store pancred uses here already"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("choose another with --store"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read(&sb.creds).unwrap(), before, "nothing changed");
}

#[test]
fn a_refresh_token_rotated_from_pan_variables_is_stored_and_announced() {
    let Some(oidc) = Oidc::start() else { return };
    let sb = Sandbox::new();
    let client = basic_client();
    // A grant whose refresh token the user handles by hand, as pancloud users do with PAN_*.
    let lab = oidc.login(&sb, "handheld", &client, WEB_REDIRECT);
    let rt = lab["refresh_token"].as_str().unwrap().to_string();
    ok(&sb.run(&["--profile", "handheld", "remove", "--yes"]));
    init(&sb, &oidc.profile("ci", &client, WEB_REDIRECT));
    let env = |c: &mut std::process::Command| {
        c.env("PAN_REFRESH_TOKEN", &rt)
            .env("PAN_CLIENT_ID", client.id)
            .env("PAN_CLIENT_SECRET", client.secret.as_deref().unwrap());
    };
    let mut c = sb.cmd(&["--profile", "ci", "refresh"]);
    env(&mut c);
    let r: Run = c.output().unwrap().into();
    ok(&r);
    assert!(
        r.stderr.contains("rotated PAN_REFRESH_TOKEN"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("profile 'ci'"), "{}", r.stderr);
    assert!(!r.stderr.contains(&rt), "never echo the token");
    let kept = stored(&sb, "ci")["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(kept, rt, "the rotated refresh token is stored");
    // Without the variables, the stored grant goes on working.
    let before = oidc.refreshes();
    ok(&sb.run(&["--profile", "ci", "refresh"]));
    assert_eq!(oidc.refreshes(), before + 1);
}

#[test]
fn a_rotated_token_from_outside_never_overwrites_another_live_grant() {
    let Some(oidc) = Oidc::start() else { return };
    let sb = Sandbox::new();
    let client = basic_client();
    let other = oidc.login(&sb, "other", &client, WEB_REDIRECT);
    let rt = other["refresh_token"].as_str().unwrap().to_string();
    let mine = oidc.login(&sb, "mine", &client, WEB_REDIRECT);
    let mut c = sb.cmd(&["--profile", "mine", "refresh"]);
    c.env("PAN_REFRESH_TOKEN", &rt)
        .env("PAN_CLIENT_ID", client.id)
        .env("PAN_CLIENT_SECRET", client.secret.as_deref().unwrap());
    let r: Run = c.output().unwrap().into();
    ok(&r);
    assert!(r.stderr.contains("profile 'mine-rotated'"), "{}", r.stderr);
    assert_eq!(stored(&sb, "mine")["refresh_token"], mine["refresh_token"]);
    assert!(stored(&sb, "mine-rotated")["refresh_token"].is_string());
}

#[test]
fn the_sandbox_snippet_pastes_into_bash_as_it_is() {
    let sb = Sandbox::new();
    let mut child = sb
        .cmd(&["sandbox", "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut out = String::new();
    {
        use std::io::{BufRead, BufReader};
        let mut lines = BufReader::new(child.stdout.take().unwrap());
        while !out.contains("Requests (one line each") {
            if lines.read_line(&mut out).unwrap() == 0 {
                break;
            }
        }
    }
    let start = out.find("cat > sandbox.json").expect("a snippet");
    let end = out[start..].find("\n\n").map(|e| start + e).unwrap();
    // Only the `init` half: the login would wait for a browser.
    let snippet = out[start..end].replace(" && pancred login --profile sandbox", "");
    let bindir = std::path::Path::new(common::bin()).parent().unwrap();
    let path = format!("{}:{}", bindir.display(), std::env::var("PATH").unwrap());
    let mut bash = sb.program("bash");
    bash.current_dir(sb.path())
        .env("PATH", path)
        .stdin(std::process::Stdio::piped());
    let mut b = bash
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = b.stdin.take().unwrap();
        stdin.write_all(snippet.as_bytes()).unwrap();
        stdin.write_all(b"\necho pasted-$?\n").unwrap();
    }
    let r: Run = b.wait_with_output().unwrap().into();
    let _ = child.kill();
    let _ = child.wait();
    assert!(r.stdout.contains("pasted-0"), "{snippet}\n{}", r.all());
    assert_eq!(stored(&sb, "sandbox")["client_id"], "oauth2-demo");
}

#[test]
fn a_missing_profile_lists_the_ones_there_are() {
    let sb = Sandbox::new();
    pancloud_file(&sb);
    ok(&sb.run(&["--profile", "lab", "remove", "--yes"]));
    let r = sb.run(&["token"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains("hint: the profiles here are: bare"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("pancred use NAME"), "{}", r.stderr);
}

#[test]
fn after_a_revoke_the_hint_names_login() {
    let sb = Sandbox::new();
    init(
        &sb,
        &json!({"profile": "p", "client_id": "cid", "client_secret": "cs"}),
    );
    let r = sb.run(&["--profile", "p", "token"]);
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(
        r.stderr.contains("run `pancred --profile p login`"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_public_client_without_client_auth_none_gets_the_fix_named() {
    let sb = Sandbox::new();
    init(
        &sb,
        &json!({"profile": "p", "dialect": "oauth2", "client_id": "cid",
                "refresh_token": "rt", "token_url": "http://127.0.0.1:9/token"}),
    );
    let r = sb.run(&["--profile", "p", "refresh"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("set client_auth to none"), "{}", r.all());
}

#[test]
fn argument_errors_carry_the_pancred_prefix() {
    let sb = Sandbox::new();
    let r = sb.run(&["token", "--no-such-flag"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.starts_with("pancred: error:"), "{}", r.stderr);
}

#[test]
fn bash_completes_profile_names_from_the_store() {
    let sb = Sandbox::new();
    pancloud_file(&sb);
    let r = sb.run(&["completions", "bash"]);
    ok(&r);
    let script = sb.path().join("pancred.bash");
    std::fs::write(&script, &r.stdout).unwrap();
    let bindir = std::path::Path::new(common::bin()).parent().unwrap();
    let path = format!("{}:{}", bindir.display(), std::env::var("PATH").unwrap());
    // What bash does on `pancred use <TAB>` and `pancred token --profile l<TAB>`.
    let probe = format!(
        "source {}\n\
         COMP_WORDS=(pancred use ''); COMP_CWORD=2; COMP_TYPE=9\n\
         _clap_complete_pancred pancred '' use; echo \"use: ${{COMPREPLY[*]}}\"\n\
         COMP_WORDS=(pancred token --profile l); COMP_CWORD=3\n\
         _clap_complete_pancred pancred l --profile; echo \"profile: ${{COMPREPLY[*]}}\"\n",
        script.display()
    );
    let out: Run = sb
        .program("bash")
        .env("PATH", path)
        .arg("-c")
        .arg(probe)
        .output()
        .unwrap()
        .into();
    let use_line = out
        .stdout
        .lines()
        .find(|l| l.starts_with("use:"))
        .unwrap_or_default();
    assert!(
        use_line.contains("lab") && use_line.contains("bare"),
        "{}",
        out.all()
    );
    let profile_line = out
        .stdout
        .lines()
        .find(|l| l.starts_with("profile:"))
        .unwrap_or_default();
    assert!(
        profile_line.contains("lab") && !profile_line.contains("bare"),
        "{}",
        out.all()
    );
}

const REDIRECT: &str = "http://127.0.0.1/callback";

#[test]
fn init_makes_a_public_client_use_client_auth_none_when_the_issuer_allows_it() {
    let Some(oidc) = Oidc::start() else { return };
    let sb = Sandbox::new();
    let client = common::oidc::native_client();
    let mut fields = oidc.profile("cli", &client, REDIRECT);
    fields.as_object_mut().unwrap().remove("client_auth");
    let f = sb.path().join("cli.json");
    std::fs::write(&f, fields.to_string()).unwrap();
    let r = sb.run(&["init", "--from", f.to_str().unwrap(), "--write"]);
    ok(&r);
    assert!(r.stderr.contains("client_auth: none"), "{}", r.stderr);
    assert_eq!(stored(&sb, "cli")["client_auth"], "none");
    // And a login then works with no secret at all.
    let r = sb.run(&["--profile", "cli", "auth-url"]);
    ok(&r);
    let (code, _) = oidc.authorize(r.stdout.trim(), REDIRECT);
    ok(&sb.run(&["--profile", "cli", "exchange", "--code", &code]));
    assert!(stored(&sb, "cli")["refresh_token"].is_string());
}
