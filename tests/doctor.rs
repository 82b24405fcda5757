//! `pancred doctor` through the real binary: a healthy setup that exits 0, a credentials file
//! others can read, a leftover rescue file, a storage helper before pancred in git's
//! configuration, and a skewed clock (Debian's faketime) against the sandbox provider.
//! The stores' broken setups: tests/doctor_stores.rs.
#![allow(clippy::disallowed_methods)] // (a test sets up its files and stores as it likes)
#![cfg(feature = "cli")]

mod common;

use common::doctor::{doctor, doctor_cmd, healthy, provider, report, status};
use common::{have_program, Run};
use std::os::unix::fs::PermissionsExt;

#[test]
fn a_healthy_setup_exits_0_and_says_all_is_well() {
    let p = provider();
    let sb = healthy(&p);
    let (run, checks) = report(doctor(&sb));
    assert_eq!(
        run.code,
        0,
        "{}",
        serde_json::to_string_pretty(&checks).unwrap()
    );
    assert_eq!(status(&checks, "credentials-file"), "ok");
    assert_eq!(status(&checks, "provider"), "ok");
    assert_eq!(status(&checks, "clock"), "ok");
    // The human report too: one line per check, and the verdict.
    let text: Run = doctor_cmd(&sb, common::bin())
        .arg("doctor")
        .output()
        .unwrap()
        .into();
    assert_eq!(text.code, 0, "{}", text.all());
    assert!(
        text.stdout
            .lines()
            .any(|l| l.starts_with("ok    provider: ")),
        "{}",
        text.stdout
    );
    assert!(text.stdout.ends_with("All well.\n"), "{}", text.stdout);
}

#[test]
fn a_credentials_file_others_can_read_is_a_failure_with_chmod() {
    let p = provider();
    let sb = healthy(&p);
    std::fs::set_permissions(&sb.creds, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (run, checks) = report(doctor(&sb));
    assert_eq!(run.code, 1);
    let c = &checks["credentials-file"];
    assert_eq!(c["status"], "fail", "{c}");
    assert!(c["detail"].as_str().unwrap().contains("mode 0644"), "{c}");
    assert!(c["fix"].as_str().unwrap().contains("chmod 600"), "{c}");
}

#[test]
fn a_leftover_rescue_file_names_its_profile() {
    let p = provider();
    let sb = healthy(&p);
    let dir = sb.home.join(".local/state/pancred/rescue");
    std::fs::create_dir_all(&dir).unwrap();
    let hex: String = "work".bytes().map(|b| format!("{b:02x}")).collect();
    std::fs::write(dir.join(format!("00112233aabbccdd-{hex}.json")), "{}").unwrap();
    let (run, checks) = report(doctor(&sb));
    assert_eq!(run.code, 1);
    assert_eq!(status(&checks, "rescue-files"), "warn");
    assert!(checks["rescue-files"]["detail"]
        .as_str()
        .unwrap()
        .contains("'work'"));
}

#[test]
fn a_storage_helper_before_pancred_is_reported() {
    if !have_program("git") {
        return;
    }
    let p = provider();
    let sb = healthy(&p);
    let config = sb.path().join("gitconfig");
    let git = |args: &[&str]| {
        let s = doctor_cmd(&sb, "git").args(args).status().unwrap();
        assert!(s.success());
    };
    git(&["config", "--global", "--add", "credential.helper", "store"]);
    git(&[
        "config",
        "--global",
        "--add",
        "credential.helper",
        "!pancred git-credential",
    ]);
    let (run, checks) = report(doctor(&sb));
    assert_eq!(run.code, 1);
    assert_eq!(
        status(&checks, "git-helper"),
        "warn",
        "{}",
        checks["git-helper"]
    );
    assert!(checks["git-helper"]["detail"]
        .as_str()
        .unwrap()
        .contains("store"));
    // An empty helper clears the ones before it: the fix the report gives works.
    std::fs::write(
        &config,
        "[credential]\n\thelper = store\n\thelper =\n\thelper = !pancred git-credential\n",
    )
    .unwrap();
    let (run, checks) = report(doctor(&sb));
    assert_eq!(
        status(&checks, "git-helper"),
        "ok",
        "{}",
        checks["git-helper"]
    );
    assert_eq!(run.code, 0);
}

#[test]
fn a_skewed_clock_is_measured_against_the_providers_date_header() {
    if !have_program("faketime") {
        return;
    }
    let p = provider();
    let sb = healthy(&p);
    let mut c = doctor_cmd(&sb, "faketime");
    c.args(["-f", "+2h", common::bin(), "doctor", "--json"]);
    let (run, checks) = report(c);
    assert_eq!(run.code, 1);
    let clock = &checks["clock"];
    assert_eq!(clock["status"], "warn", "{clock}");
    let detail = clock["detail"].as_str().unwrap();
    assert!(detail.contains("ahead of the provider's"), "{detail}");
    let secs: i64 = detail
        .split("clock is ")
        .nth(1)
        .unwrap()
        .split('s')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((7190..=7210).contains(&secs), "{detail}");
}
