//! The `pancred` program itself: a small executable that answers a cached token and hands every
//! other command line to `pancred-full`, the whole program, installed beside it.
//!
//! kubectl runs its credential plugin before every request and git its helper on every fetch, so
//! the cached token is the path users feel most. Most of its time went to loading the whole
//! program (TLS, the async runtime, the TUI, every store: a large executable with tens of
//! thousands of relocations) before reading one file. This executable links only what the
//! answer needs: the quick argument reader, the file store's read, pancloud's resolution rule and
//! the token's state, all the library's own functions, so the answer is the one `pancred-full`
//! gives.
//!
//! It answers only when it is sure: `token`, `git-credential get`, `kubectl-credential` and `exec`
//! in their plain forms, the file store, no `PAN_*` credentials, no rescue waiting, a stored token
//! valid beyond the leeway. Anything else (a refresh, another store, an error to report, any
//! other command) runs `pancred-full` with the same arguments, environment and standard streams,
//! in this same process (`exec`), so nothing is read twice and signals reach it as before.

use super::git_credential;
use super::kubectl;
use super::{Cli, Command, GlobalArgs};
use crate::profile::{Profile, TokenState};
use crate::resolve::{process_env, resolve, CredentialSet};
use crate::secret::Secret;
use crate::store::{file, fsutil, StoreKind};
use std::ffi::OsString;
use std::path::PathBuf;

/// The whole program's executable, looked for beside this one.
pub const FULL_PROGRAM: &str = "pancred-full";

/// Runs the process: the cached answer, else the whole program.
pub fn run() -> i32 {
    let args: Vec<OsString> = std::env::args_os().collect();
    if let Some(code) = answer(args.get(1..).unwrap_or_default()) {
        return code;
    }
    hand_over(&args)
}

/// The exit code when this program answered the command line itself; `None` when the whole
/// program must run it.
fn answer(args: &[OsString]) -> Option<i32> {
    // Shell completion calls back with its own variable set: that is the whole program's.
    if std::env::var_os("COMPLETE").is_some() {
        return None;
    }
    let cli = super::quick_args::parse(args, &|v| std::env::var_os(v))?;
    let Cli {
        global, command, ..
    } = cli;
    match command? {
        Command::Token { .. } => {
            let (token, _, _) = cached(&global)?;
            Some(finish(super::output::print_line(token.expose())))
        }
        Command::KubectlCredential { exec_info } => {
            // A request kubectl's version cannot be answered: the whole program says why.
            let api_version = kubectl::api_version(exec_info.as_deref()).ok()?;
            let (token, expiry, _) = cached(&global)?;
            let answer = kubectl::exec_credential(api_version, &token, expiry);
            Some(finish(super::output::print_json(&answer)))
        }
        Command::GitCredential {
            operation,
            username,
        } if operation == "get" => {
            // Decided before git's request is read: after it, standard input is spent and the
            // whole program could not read it again.
            let (token, expiry, stored) = cached(&global)?;
            Some(finish(
                git_credential::read_request(std::io::stdin().lock()).and_then(|request| {
                    if !git_credential::answers_for(Some(&stored), &request, &username) {
                        return Ok(());
                    }
                    git_credential::answer(&request, &username, &token, expiry)
                }),
            ))
        }
        Command::Exec { env, command } => {
            super::exec::check_names(&env).ok()?;
            let (program, args) = command.split_first()?;
            let (token, _, stored) = cached(&global)?;
            let command =
                super::exec::command_with_token(program, args, stored.dialect, &env, &token);
            run_command(program, command)
        }
        _ => None,
    }
}

/// `exec`'s command with the token in its environment, as the whole program runs it: its exit
/// code is this process's, and SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 are passed on to it (SIGINT
/// and SIGQUIT from a terminal reach it through the process group, so they are only waited out).
/// `None` when it cannot be set up that way (the whole program then runs it).
#[cfg(unix)]
fn run_command(program: &std::ffi::OsStr, mut command: std::process::Command) -> Option<i32> {
    use nix::sys::signal::{kill, SigSet, Signal};
    use nix::unistd::Pid;
    let mut watched = SigSet::empty();
    for s in [
        Signal::SIGTERM,
        Signal::SIGHUP,
        Signal::SIGUSR1,
        Signal::SIGUSR2,
        Signal::SIGINT,
        Signal::SIGQUIT,
    ] {
        watched.add(s);
    }
    // Blocked before the command and the watching thread start, so that every one of these
    // signals waits for `wait` below, however soon it comes. (The standard library clears the mask
    // in the command's process.)
    watched.thread_block().ok()?;
    let (pid_tx, pid_rx) = std::sync::mpsc::channel::<Pid>();
    let forwarding = std::thread::Builder::new().spawn(move || {
        let Ok(pid) = pid_rx.recv() else {
            return;
        };
        loop {
            match watched.wait() {
                Ok(Signal::SIGINT | Signal::SIGQUIT) => {}
                // The command may have ended meanwhile: its status is the answer.
                Ok(sig) => drop(kill(pid, sig)),
                Err(_) => break,
            }
        }
    });
    if forwarding.is_err() {
        // No thread to spare: the whole program runs it, with the signals as they came.
        let _ = watched.thread_unblock();
        return None;
    }
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(e) => return Some(super::exec::not_started(program, &e)),
    };
    drop(command);
    if let Ok(pid) = i32::try_from(child.id()) {
        let _ = pid_tx.send(Pid::from_raw(pid));
    }
    Some(match child.wait() {
        Ok(status) => super::exec::code_of(status),
        Err(e) => {
            eprintln!("pancred: error: waiting for the command failed: {e}");
            1
        }
    })
}

#[cfg(not(unix))]
fn run_command(program: &std::ffi::OsStr, mut command: std::process::Command) -> Option<i32> {
    Some(match command.status() {
        Ok(status) => super::exec::code_of(status),
        Err(e) => super::exec::not_started(program, &e),
    })
}

/// The selected profile's stored access token when it is valid beyond the leeway, with its expiry
/// and the profile; `None` whenever the whole program is needed to answer (or to report).
fn cached(global: &GlobalArgs) -> Option<(Secret, Option<i64>, Profile)> {
    // pancloud's variables and any bad setting: the whole program resolves and reports them.
    if std::env::vars_os().any(|(k, _)| {
        k.to_str()
            .is_none_or(|k| k.starts_with("PAN_") && k != "PAN_CREDENTIALS_DBFILE")
    }) {
        return None;
    }
    let config = crate::config::EngineConfig::from_env().ok()?;
    let path = match global.store.unwrap_or(config.store.kind) {
        StoreKind::File => global.credentials_file.clone(),
        // `auto` with an explicit pancloud file is the file store; otherwise it asks the keyring.
        StoreKind::Auto if global.credentials_file.is_some() => global.credentials_file.clone(),
        _ => return None,
    };
    let path: PathBuf = match path {
        Some(p) => p,
        None => file::default_path().ok()?,
    };
    // A file others can read is warned about, and a waiting rescue is applied or reported.
    if fsutil::readable_by_others(&path).is_some() || crate::engine::rescue_folder_exists() {
        return None;
    }
    let store = file::FileStore::new(path);
    let explicit = global.profile.clone().or_else(super::context::env_profile);
    let (_, stored) = store.load_selected(explicit).ok()?;
    let stored = stored?;
    if stored.moved_to.is_some() || stored.extra.contains_key(crate::store::UNREADABLE_NOTE) {
        return None;
    }
    // The rule `Engine::working` applies: pancloud's resolution over the stored profile.
    let resolved = resolve(&CredentialSet::default(), None, &process_env, Some(&stored));
    let p = resolved.apply_to(&stored);
    let now = crate::clock::Clock::now(&crate::clock::SystemClock);
    if p.token_state(now, global.leeway) != TokenState::Valid {
        return None;
    }
    let token = p.access_token.clone()?;
    let expiry = crate::engine::expiry_of(&token, Some(&stored));
    Some((token, expiry, stored))
}

/// The exit code of an answer, its error reported as the whole program reports one.
fn finish(result: Result<(), crate::Error>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(e) => {
            super::report(&e);
            super::exit::exit_code(&e)
        }
    }
}

/// Where the whole program is: beside this executable (symbolic links followed).
fn full_program() -> std::io::Result<PathBuf> {
    let me = std::env::current_exe()?;
    Ok(me.with_file_name(format!("{FULL_PROGRAM}{}", std::env::consts::EXE_SUFFIX)))
}

/// Runs the whole program on the same command line; returns only when it could not be started.
fn hand_over(args: &[OsString]) -> i32 {
    let full = match full_program() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("pancred: error: cannot find this program's own path: {e}");
            return 2;
        }
    };
    let mut command = std::process::Command::new(&full);
    command.args(args.get(1..).unwrap_or_default());
    #[cfg(unix)]
    let error = {
        use std::os::unix::process::CommandExt;
        // The same name in messages and help as the user typed.
        if let Some(arg0) = args.first() {
            command.arg0(arg0);
        }
        command.exec()
    };
    #[cfg(not(unix))]
    let error = match command.status() {
        Ok(status) => return status.code().unwrap_or(1),
        Err(e) => e,
    };
    eprintln!(
        "pancred: error: cannot run {}: {error}\n  pancred answers cached tokens itself and runs \
         {FULL_PROGRAM} for everything else; install both programs in the same folder \
         (`cargo install` does)",
        crate::text::Safe(&full.display().to_string())
    );
    2
}
