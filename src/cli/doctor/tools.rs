//! The tools set up to call pancred: git's credential helpers (their order) and kubectl's exec
//! plugins. Each tool runs at most [`TIMEOUT`]; a tool that is not installed is skipped.

use crate::diagnose::{Check, TIMEOUT};
use crate::rules::git_helpers::{runs_pancred, storing_before_pancred};
use std::process::{Command, Output, Stdio};
use std::time::Instant;

/// Runs `cmd` to its end, or kills it after [`TIMEOUT`]; `None` when it cannot run or timed out.
fn run_bounded(mut cmd: Command) -> Option<Output> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return child.wait_with_output().ok(),
            Ok(None) if started.elapsed() < TIMEOUT => {
                std::thread::sleep(std::time::Duration::from_millis(10))
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

/// The helpers git runs, in order (an empty value clears the ones before it, as in git).
pub fn helper_order(values: &str) -> Vec<String> {
    let mut list = Vec::new();
    for v in values.lines() {
        if v.trim().is_empty() {
            list.clear();
        } else {
            list.push(v.to_string());
        }
    }
    list
}

pub fn git_helpers() -> Check {
    const NAME: &str = "git-helper";
    let mut cmd = Command::new("git");
    cmd.args(["config", "--get-all", "credential.helper"]);
    let Some(out) = run_bounded(cmd) else {
        return Check::skip(NAME, "git is not installed (or did not answer)");
    };
    let helpers = helper_order(&String::from_utf8_lossy(&out.stdout));
    let Some(at) = helpers.iter().position(|h| runs_pancred(h)) else {
        return Check::skip(NAME, "no credential.helper runs pancred");
    };
    let Some(first) = storing_before_pancred(&helpers) else {
        return Check::ok(
            NAME,
            format!(
                "pancred is helper {} of {} and no storage helper comes before it",
                at + 1,
                helpers.len()
            ),
        );
    };
    Check::warn(
        NAME,
        format!(
            "credential.helper lists `{}` before pancred: git answers from that copy (an expired \
             token, kept in plain text by `store`) before it asks pancred",
            crate::text::Safe(first)
        ),
        "put pancred first: remove the storage helper (`git config --global --unset-all \
         credential.helper STORE-HELPER`), or set an empty helper before pancred's line to clear \
         the ones above it (`credential.helper=` then pancred's)",
    )
}

pub fn kubectl(search_path: Option<&std::path::Path>) -> Check {
    const NAME: &str = "kubectl";
    let mut cmd = Command::new("kubectl");
    cmd.args(["config", "view", "-o", "json"]);
    let Some(out) = run_bounded(cmd).filter(|o| o.status.success()) else {
        return Check::skip(
            NAME,
            "kubectl is not installed, has no configuration, or did not answer",
        );
    };
    let Ok(config) = serde_json::from_slice::<serde_json::Value>(&out.stdout) else {
        return Check::skip(NAME, "kubectl's configuration is not JSON");
    };
    let users = config["users"].as_array().cloned().unwrap_or_default();
    let mut ours = Vec::new();
    let mut broken = Vec::new();
    for u in &users {
        let exec = &u["user"]["exec"];
        let Some(command) = exec["command"].as_str().filter(|c| c.contains("pancred")) else {
            continue;
        };
        let name = crate::text::Safe(u["name"].as_str().unwrap_or("?")).to_string();
        let args: Vec<&str> = exec["args"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        if !args.contains(&"kubectl-credential") {
            broken.push(format!(
                "user {name} runs pancred without `kubectl-credential` in its args"
            ));
        } else if !runnable(command, search_path) {
            broken.push(format!(
                "user {name} runs {}, which is not found",
                crate::text::Safe(command)
            ));
        } else {
            ours.push(name);
        }
    }
    if !broken.is_empty() {
        return Check::fail(
            NAME,
            broken.join("; "),
            "set the user's exec command to pancred's full path with args [\"--profile\", \"NAME\", \"kubectl-credential\"] (see the README)",
        );
    }
    match ours.is_empty() {
        true => Check::skip(NAME, "no kubectl user runs pancred"),
        false => Check::ok(NAME, format!("users running pancred: {}", ours.join(", "))),
    }
}

/// Whether kubectl would find `command` (a path, or a name on PATH).
fn runnable(command: &str, search_path: Option<&std::path::Path>) -> bool {
    if command.contains('/') {
        return std::path::Path::new(command).is_file();
    }
    search_path.is_some_and(|path| {
        std::env::split_paths(path.as_os_str()).any(|dir| dir.join(command).is_file())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_helper_clears_the_ones_before_it() {
        let order = helper_order("store\n\n!pancred git-credential\ncache --timeout 60\n");
        assert_eq!(order, ["!pancred git-credential", "cache --timeout 60"]);
        assert!(runs_pancred(
            "!/usr/bin/pancred --profile gh git-credential"
        ));
    }
}
