//! `pancred exec [--env NAME]... -- CMD [ARGS...]`: runs a command with a fresh access token in
//! its environment (never in its arguments) and exits with the command's code.
//!
//! Both programs run the command through [`run`]: see there for its signals.

use super::context::Context;
use super::oauth_cmds::{block_on, engine};
use super::serve::{Endpoint, ServeOptions};
use crate::env::ACCESS_TOKEN as ENV_ACCESS_TOKEN;
use crate::profile::Dialect;
use crate::secret::Secret;
use crate::Error;
use std::ffi::{OsStr, OsString};

/// The variable every command run by `exec` finds its token in.
pub const ENV_PANCRED_ACCESS_TOKEN: &str = "PANCRED_ACCESS_TOKEN";

/// Runs the command; the result is the exit code pancred ends with.
pub fn exec(
    ctx: &Context,
    extra_env: &[String],
    serve: Option<ServeOptions>,
    command: &[OsString],
) -> Result<i32, Error> {
    let Some((program, args)) = command.split_first() else {
        return Err(Error::Usage("exec needs a command after `--`".into()));
    };
    check_names(extra_env)?;
    let (engine, name) = engine(ctx)?;
    // (`pancred` already answered from a cached token when there was one: this is a refresh,
    // or a login when one is needed and can happen here.)
    let (token, stored) = match engine.cached_access_token(&name)? {
        Some(c) => (c.token, c.stored),
        None => {
            let caller = super::login_gate::Caller::default();
            super::login_gate::with_login(ctx, &name, ctx.global.login, caller, || {
                block_on(async {
                    let token = engine.fresh_access_token(&name).await?;
                    Ok((token, engine.load(&name).await?))
                })
            })?
        }
    };
    let (p, _) = engine.working(&name, stored.as_ref());
    let child = command_with_token(program, args, p.dialect, extra_env, &token);
    drop(token);
    match serve {
        Some(options) => serving(engine, &name, &options, program, child),
        // No async runtime is left when the command starts: it runs under `run` alone.
        None => Ok(run(program, child)),
    }
}

/// `exec --serve`: the command runs while the endpoint answers tokens (see `serve.rs`) on a
/// runtime of its own; both end together.
fn serving(
    engine: crate::Engine,
    name: &str,
    options: &ServeOptions,
    program: &OsStr,
    mut child: std::process::Command,
) -> Result<i32, Error> {
    let runtime = crate::config::runtime(2)?;
    let result = runtime.block_on(async {
        // Only the program's name is noted for the TUI: arguments may hold anything.
        let shown = std::path::Path::new(program)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let endpoint = Endpoint::start(engine.clone(), name, options, &shown).await?;
        for (var, value) in endpoint.env() {
            child.env(var, value);
        }
        let program = program.to_os_string();
        let code = tokio::task::spawn_blocking(move || run(&program, child))
            .await
            .unwrap_or(1);
        endpoint.stop();
        Ok(code)
    });
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    result
}

/// `--env` names must be variable names, and not ones the loader, a shell or an interpreter
/// acts on (see [`super::env_names`]).
pub(super) fn check_names(extra_env: &[String]) -> Result<(), Error> {
    for name in extra_env {
        if name.is_empty() || name.contains('=') || name.contains('\0') {
            return Err(Error::Usage(format!(
                "--env {name:?} is not a variable name"
            )));
        }
        if let Some(why) = super::env_names::refusal(name) {
            return Err(Error::Usage(format!(
                "--env {}: {why}, so the token must not go there; choose another name \
                 (e.g. TOKEN or the one your program reads)",
                crate::text::Safe(name)
            )));
        }
    }
    Ok(())
}

/// CMD with the token in its environment (never in its arguments): in `PANCRED_ACCESS_TOKEN`, in
/// `PAN_ACCESS_TOKEN` for a pancloud profile, and in the `--env` names.
pub(super) fn command_with_token(
    program: &OsStr,
    args: &[OsString],
    dialect: Dialect,
    extra_env: &[String],
    token: &Secret,
) -> std::process::Command {
    let mut cmd = std::process::Command::new(program);
    cmd.args(args).env(ENV_PANCRED_ACCESS_TOKEN, token.expose());
    // pancloud programs take PAN_ACCESS_TOKEN as the whole credential set: they use the token
    // as it is and never refresh it themselves.
    if dialect == Dialect::Pancloud {
        cmd.env(ENV_ACCESS_TOKEN, token.expose());
    }
    for name in extra_env {
        cmd.env(name, token.expose());
    }
    cmd
}

/// The command could not be started: said on stderr, with the shell's codes (127 not found, 126
/// found but not runnable).
pub(super) fn not_started(program: &OsStr, e: &std::io::Error) -> i32 {
    let shown = program.to_string_lossy();
    eprintln!("pancred: error: cannot run {shown:?}: {e}");
    if e.kind() == std::io::ErrorKind::NotFound {
        127
    } else {
        126
    }
}

/// pancred's exit code for the command's status: its code, or 128 + the signal that killed it,
/// as a shell reports it.
pub(super) fn code_of(status: std::process::ExitStatus) -> i32 {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        status
            .code()
            .or_else(|| status.signal().map(|s| 128 + s))
            .unwrap_or(1)
    }
    #[cfg(not(unix))]
    status.code().unwrap_or(1)
}

/// Runs `command` (for both programs: the one way pancred runs a command) and returns the exit
/// code pancred ends with: the command's, or 128 + the signal that killed it.
///
/// The command starts with an empty signal mask and the default action for every signal pancred
/// handles (and for SIGPIPE, which the Rust runtime ignores); signals ignored by whoever started
/// pancred stay ignored, as a shell leaves them (`nohup`). While it runs, SIGTERM, SIGHUP, SIGUSR1
/// and SIGUSR2 sent to pancred are passed on to it; SIGINT and SIGQUIT from a terminal reach it
/// through the process group, so pancred only waits for it to decide, as a shell does.
#[cfg(unix)]
pub(super) fn run(program: &OsStr, mut command: std::process::Command) -> i32 {
    use nix::sys::signal::{kill, Signal};
    use nix::unistd::Pid;
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2};
    // Handlers, not a blocked mask: the command inherits no blocked signal, and a caught signal
    // goes back to its default action when the command's program starts.
    let watched = [SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGINT, SIGQUIT];
    let mut signals = match signal_hook::iterator::Signals::new(watched) {
        Ok(s) => s,
        Err(e) => return cannot_watch(&e),
    };
    let handle = signals.handle();
    let (pid_tx, pid_rx) = std::sync::mpsc::channel::<Pid>();
    // Started before the command: a signal that comes as soon as it runs waits in the handlers'
    // queue and is passed on once its process id is known.
    let forwarder = std::thread::Builder::new().spawn(move || {
        let Ok(pid) = pid_rx.recv() else {
            return;
        };
        for sig in signals.forever() {
            if matches!(sig, SIGINT | SIGQUIT) {
                continue;
            }
            if let Ok(sig) = Signal::try_from(sig) {
                // The command may have ended meanwhile: its status is the answer.
                let _ = kill(pid, sig);
            }
        }
    });
    let forwarder = match forwarder {
        Ok(f) => f,
        Err(e) => return cannot_watch(&e),
    };
    default_signals_in(&mut command);
    let status = match command.spawn() {
        Ok(mut child) => {
            drop(command);
            if let Ok(pid) = i32::try_from(child.id()) {
                let _ = pid_tx.send(Pid::from_raw(pid));
            }
            child.wait()
        }
        Err(e) => {
            handle.close();
            drop(pid_tx);
            let _ = forwarder.join();
            return not_started(program, &e);
        }
    };
    handle.close();
    drop(pid_tx);
    let _ = forwarder.join();
    match status {
        Ok(status) => code_of(status),
        Err(e) => {
            eprintln!("pancred: error: waiting for the command failed: {e}");
            1
        }
    }
}

#[cfg(not(unix))]
pub(super) fn run(program: &OsStr, mut command: std::process::Command) -> i32 {
    match command.status() {
        Ok(status) => code_of(status),
        Err(e) => not_started(program, &e),
    }
}

#[cfg(unix)]
fn cannot_watch(e: &std::io::Error) -> i32 {
    // Never a command that pancred could not stop: it is not started.
    eprintln!("pancred: error: cannot watch signals for the command: {e}");
    1
}

/// In the command's process, between fork and exec: an empty signal mask, and SIGPIPE (ignored
/// by the Rust runtime and by `pancred`'s entry point) back to its default action. The standard
/// library leaves the mask as the parent had it.
#[cfg(unix)]
#[allow(unsafe_code)]
fn default_signals_in(command: &mut std::process::Command) {
    use nix::sys::signal::{signal, SigHandler, SigSet, Signal};
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs in the child after fork and before exec, and calls only
    // async-signal-safe functions (pthread_sigmask and sigaction); it allocates nothing.
    unsafe {
        command.pre_exec(|| {
            SigSet::empty()
                .thread_set_mask()
                .map_err(std::io::Error::from)?;
            signal(Signal::SIGPIPE, SigHandler::SigDfl).map_err(std::io::Error::from)?;
            Ok(())
        });
    }
}
