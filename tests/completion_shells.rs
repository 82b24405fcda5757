//! Shell completion of profile names in the real bash, zsh and fish, driven in tmux, with names
//! a shared store could hold from someone else: command substitutions, backticks, quotes,
//! spaces, a glob, a `;`. Pressing Tab completes the name quoted for that shell and Enter runs
//! pancred with exactly that name: nothing runs, nothing globs.
#![allow(clippy::disallowed_methods)] // (a test sets up its files and stores as it likes)
#![cfg(feature = "cli")]

mod common;

use common::tmux::Tmux;
use common::{bin, have_program, Run, Sandbox};
use std::path::Path;
use std::time::Duration;

const HOSTILE: &[&str] = &[
    "$(touch x)",
    "`touch y`",
    "it's \"q\"",
    "a b",
    "*",
    "a;touch z",
    "$HOME",
];

/// One store per name, so that each completes alone: `store-N.json`.
fn stores(sb: &Sandbox) {
    for (i, name) in HOSTILE.iter().enumerate() {
        let init = sb.path().join(format!("init-{i}.json"));
        let doc = serde_json::json!({"profile": name, "client_id": "c"});
        std::fs::write(&init, doc.to_string()).unwrap();
        let r: common::Run = sb
            .cmd(&["init", "--from", init.to_str().unwrap(), "--write"])
            .env(
                "PAN_CREDENTIALS_DBFILE",
                sb.path().join(format!("store-{i}.json")),
            )
            .output()
            .unwrap()
            .into();
        assert_eq!(r.code, 0, "{name}: {}", r.all());
    }
}

struct Shell {
    name: &'static str,
    /// The shell's command line, run in the folder the test checks.
    start: &'static str,
    /// Loads pancred's completion script (written to `pancred.SHELL` in the sandbox).
    setup: &'static str,
    /// Sets the store variable to `{}` and clears the screen.
    select: &'static str,
}

const SHELLS: &[Shell] = &[
    Shell {
        name: "bash",
        start: "bash --norc --noprofile",
        setup: "PS1='$ '; source ../pancred.bash",
        select: "export PAN_CREDENTIALS_DBFILE={}; clear",
    },
    Shell {
        name: "zsh",
        start: "zsh -f",
        setup: "PS1='$ '; autoload -U compinit; compinit -u -D; source ../pancred.zsh",
        select: "export PAN_CREDENTIALS_DBFILE={}; clear",
    },
    Shell {
        name: "fish",
        start: "fish --no-config --private",
        setup: "function fish_prompt; echo '$ '; end; set -g fish_autosuggestion_enabled 0; source ../pancred.fish",
        select: "set -gx PAN_CREDENTIALS_DBFILE {}; clear",
    },
];

fn completes_quoted_in(shell: &Shell) {
    let sb = Sandbox::new();
    stores(&sb);
    let r = sb.run(&["completions", shell.name]);
    assert_eq!(r.code, 0, "{}", r.all());
    std::fs::write(sb.path().join(format!("pancred.{}", shell.name)), &r.stdout).unwrap();
    // The folder the shell runs in: files a glob would find.
    let cwd = sb.path().join("cwd");
    std::fs::create_dir_all(&cwd).unwrap();
    for f in ["a.txt", "b.txt"] {
        std::fs::write(cwd.join(f), "").unwrap();
    }
    let bindir = Path::new(bin()).parent().unwrap();
    let tmux = Tmux::new(&format!("complete-{}", shell.name));
    tmux.start(
        150,
        40,
        &format!(
            "cd {cwd} && env -i HOME={home} PATH={bindir}:/usr/bin:/bin TERM=xterm-256color \
             PANCRED_STORE=file XDG_CONFIG_HOME={home}/.config {start}",
            cwd = cwd.display(),
            home = sb.home.display(),
            bindir = bindir.display(),
            start = shell.start,
        ),
    );
    tmux.keys(&["-l", shell.setup]);
    tmux.keys(&["Enter"]);
    for (i, name) in HOSTILE.iter().enumerate() {
        let store = sb.path().join(format!("store-{i}.json"));
        let select = shell.select.replace("{}", &store.display().to_string());
        tmux.keys(&["-l", &select]);
        tmux.keys(&["Enter"]);
        tmux.wait(&format!("{}: a clear screen", shell.name), |s| {
            !s.contains("PAN_CREDENTIALS_DBFILE")
        });
        tmux.keys(&["-l", "pancred show --profile "]);
        tmux.keys(&["Tab"]);
        let line = tmux.wait_within(
            &format!("{}: {name:?} completed", shell.name),
            Duration::from_secs(20),
            |s| {
                s.lines().any(|l| {
                    l.split_once("--profile ")
                        .is_some_and(|(_, v)| !v.trim().is_empty())
                })
            },
        );
        // Let the shell finish drawing what it inserted, then run the line.
        std::thread::sleep(Duration::from_millis(300));
        let completed = tmux.screen();
        assert!(!completed.contains("a.txt"), "{}: {completed}", shell.name);
        tmux.keys(&["Enter"]);
        let screen = tmux.wait_within(
            &format!(
                "{}: pancred show for {name:?} (line was {line:?})",
                shell.name
            ),
            Duration::from_secs(20),
            |s| {
                s.lines().any(|l| {
                    l.strip_prefix("profile ")
                        .is_some_and(|v| v.trim() == *name)
                })
            },
        );
        assert!(!screen.contains("error"), "{}: {screen}", shell.name);
    }
    // Nothing ran: no file made by a name, in the folder or anywhere in the sandbox's HOME.
    let mut files: Vec<String> = std::fs::read_dir(&cwd)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["a.txt", "b.txt"], "{}", shell.name);
    for f in ["x", "y", "z"] {
        assert!(!sb.home.join(f).exists() && !sb.path().join(f).exists());
    }
}

#[test]
fn bash_completes_hostile_names_quoted() {
    if have_program("tmux") && have_program("bash") {
        completes_quoted_in(&SHELLS[0]);
    }
}

#[test]
fn zsh_completes_hostile_names_quoted() {
    if have_program("tmux") && have_program("zsh") {
        completes_quoted_in(&SHELLS[1]);
    }
}

#[test]
fn fish_completes_hostile_names_quoted() {
    if have_program("tmux") && have_program("fish") {
        completes_quoted_in(&SHELLS[2]);
    }
}

/// The install lines the README gives work as pasted in a new account's HOME, where the
/// completion folders do not exist yet; and so do those of `pancred completions --help`.
#[test]
fn the_readme_install_lines_work_in_a_fresh_home() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let row = readme
        .lines()
        .find(|l| l.starts_with("| `pancred completions SHELL`"))
        .expect("the completions row");
    let install = &row[row.find("Install:").expect("install lines")..];
    let lines: Vec<&str> = install.split('`').skip(1).step_by(2).collect();
    let help = Sandbox::new().run(&["completions", "--help"]).stdout;
    let from_help: Vec<String> = help
        .lines()
        .filter_map(|l| {
            l.split_once(": ")
                .filter(|(s, _)| ["bash", "fish"].contains(s))
        })
        .map(|(_, cmd)| cmd.to_string())
        .collect();
    assert_eq!(from_help.len(), 2, "{help}");
    let bindir = Path::new(bin()).parent().unwrap();
    for line in lines
        .iter()
        .map(|l| l.to_string())
        .chain(from_help)
        .filter(|l| l.contains("completions bash") || l.contains("completions fish"))
    {
        let sb = Sandbox::new();
        let mut c = sb.program("bash");
        c.args(["-c", &line])
            .env("PATH", format!("{}:/usr/bin:/bin", bindir.display()));
        let r: Run = c.output().unwrap().into();
        assert_eq!(r.code, 0, "{line}: {}", r.all());
        let target = line
            .rsplit("> ")
            .next()
            .unwrap()
            .replace('~', &sb.home.display().to_string());
        let script = std::fs::read_to_string(&target).unwrap();
        assert!(script.contains("PANCRED_COMPLETE"), "{line}: {script}");
    }
}
