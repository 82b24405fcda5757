//! The `pancred` program itself: a small executable that answers a cached token and hands every
//! other command line to `pancred-full`, the whole program, installed beside it.
//!
//! kubectl runs its credential plugin before every request and git its helper on every fetch, so
//! the cached token is the path users feel most. Most of its time went to loading the whole
//! program (TLS, the async runtime, the TUI, every store: a large executable with tens of
//! thousands of relocations) before reading one file. This executable links only what the
//! answer needs, and decides nothing itself: it reads the command line with the quick reader of
//! the one grammar, the settings from the one environment table, and asks the one decision both
//! programs make ([`super::cached::answer`]), opening only the cached stores ([`crate::store::open_cached`]). Anything else runs
//! `pancred-full` with the same arguments, environment and standard streams, in this same
//! process (`exec`), so signals reach it as before.

use super::cached;
use super::context::Context;
use std::ffi::OsString;
use std::path::PathBuf;

/// The whole program's executable, looked for beside this one.
pub const FULL_PROGRAM: &str = "pancred-full";

/// Runs the process: the cached answer, else the whole program.
pub fn run() -> i32 {
    write_errors_not_signals();
    let args: Vec<OsString> = std::env::args_os().collect();
    if let Some(code) = answer(args.get(1..).unwrap_or_default()) {
        return code;
    }
    hand_over(&args)
}

/// The exit code when the cached answer did; `None` when the whole program must run.
fn answer(args: &[OsString]) -> Option<i32> {
    let cli = super::quick_args::parse(args)?;
    // A bad setting: the whole program reports it.
    let ctx = Context::new(cli.global).ok()?;
    cached::answer(&ctx, cli.command.as_ref()?, &crate::store::open_cached)
}

/// A write to a closed pipe (`pancred token | head -c0`) becomes an error the answer reports, as
/// in the whole program, where the Rust runtime ignores SIGPIPE. A handler rather than "ignore":
/// the programs this one starts (`pancred-full`, exec's command) get the default back.
fn write_errors_not_signals() {
    #[cfg(unix)]
    {
        let seen = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let _ = signal_hook::flag::register(signal_hook::consts::SIGPIPE, seen);
    }
}

/// Runs the whole program with `input` (the request read from standard input) as its standard
/// input, and returns its exit code. A child rather than `exec`: a pipe could not hold the bytes
/// alone while this process turned into the reader.
fn run_with_input(mut command: std::process::Command, input: &[u8], full: &std::path::Path) -> i32 {
    use std::io::Write;
    let child = command.stdin(std::process::Stdio::piped()).spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "pancred: error: cannot run {}: {e}",
                crate::text::Safe(&full.display().to_string())
            );
            return 2;
        }
    };
    // (A child that stops reading early has said why on stderr.)
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input);
    }
    match child.wait() {
        Ok(status) => status.code().unwrap_or_else(|| {
            #[cfg(unix)]
            {
                use std::os::unix::process::ExitStatusExt;
                128 + status.signal().unwrap_or(0)
            }
            #[cfg(not(unix))]
            1
        }),
        Err(_) => 1,
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
    // git's request, read to choose the profile: the whole program gets the same bytes.
    if let Some(request) = super::git_credential::spent_input() {
        return run_with_input(command, request, &full);
    }
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
