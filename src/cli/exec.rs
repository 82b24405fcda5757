//! `pancred exec [--env NAME]... -- CMD [ARGS...]`: runs a command with a fresh access token in
//! its environment (never in its arguments) and exits with the command's code.
//!
//! SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 sent to pancred are passed on to the command. SIGINT and
//! SIGQUIT from a terminal already reach the command (it runs in pancred's process group), so
//! pancred only waits for it to decide, as a shell does.

use super::oauth_cmds::{block_on, engine};
use super::Context;
use crate::profile::Dialect;
use crate::resolve::ENV_ACCESS_TOKEN;
use crate::secret::Secret;
use crate::Error;
use std::ffi::{OsStr, OsString};

/// The variable every command run by `exec` finds its token in.
pub const ENV_PANCRED_ACCESS_TOKEN: &str = "PANCRED_ACCESS_TOKEN";

/// Runs the command; the result is the exit code pancred ends with.
pub fn exec(ctx: &Context, extra_env: &[String], command: &[OsString]) -> Result<i32, Error> {
    let Some((program, args)) = command.split_first() else {
        return Err(Error::Usage("exec needs a command after `--`".into()));
    };
    check_names(extra_env)?;
    let (engine, name) = engine(ctx)?;
    // A cached token is read on this thread; the runtime below then only supervises CMD.
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
    block_on(async {
        let (p, _) = engine.working(&name, stored.as_ref());
        // Listening before the command starts: a signal that comes as soon as it runs is passed on.
        let signals = Signals::listen()?;
        let mut cmd = tokio::process::Command::from(command_with_token(
            program, args, p.dialect, extra_env, &token,
        ));
        let child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => return Ok(not_started(program, &e)),
        };
        drop(token);
        signals.supervise(child).await
    })
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

/// The signals pancred watches while the command runs.
#[cfg(unix)]
struct Signals {
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
    usr1: tokio::signal::unix::Signal,
    usr2: tokio::signal::unix::Signal,
    /// Listened to only so that they do not end pancred before the command.
    int: tokio::signal::unix::Signal,
    quit: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn listen() -> Result<Self, Error> {
        use tokio::signal::unix::{signal, SignalKind};
        let listen = |kind: SignalKind| {
            signal(kind).map_err(|e| Error::Other(format!("cannot watch signals: {e}")))
        };
        Ok(Signals {
            term: listen(SignalKind::terminate())?,
            hup: listen(SignalKind::hangup())?,
            usr1: listen(SignalKind::user_defined1())?,
            usr2: listen(SignalKind::user_defined2())?,
            int: listen(SignalKind::interrupt())?,
            quit: listen(SignalKind::quit())?,
        })
    }

    /// Waits for the command, passing signals on; its exit code, or 128 + the signal that
    /// killed it, as a shell reports it.
    async fn supervise(mut self, mut child: tokio::process::Child) -> Result<i32, Error> {
        use nix::sys::signal::{kill, Signal};
        use nix::unistd::Pid;
        let pid = child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .map(Pid::from_raw);
        loop {
            let forward = tokio::select! {
                status = child.wait() => {
                    let status = status.map_err(|e| {
                        Error::Other(format!("waiting for the command failed: {e}"))
                    })?;
                    return Ok(code_of(status));
                }
                _ = self.term.recv() => Some(Signal::SIGTERM),
                _ = self.hup.recv() => Some(Signal::SIGHUP),
                _ = self.usr1.recv() => Some(Signal::SIGUSR1),
                _ = self.usr2.recv() => Some(Signal::SIGUSR2),
                _ = self.int.recv() => None,
                _ = self.quit.recv() => None,
            };
            if let (Some(sig), Some(pid)) = (forward, pid) {
                // The command may have ended meanwhile: its status comes next round.
                let _ = kill(pid, sig);
            }
        }
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn listen() -> Result<Self, Error> {
        Ok(Signals)
    }

    async fn supervise(self, mut child: tokio::process::Child) -> Result<i32, Error> {
        let status = child
            .wait()
            .await
            .map_err(|e| Error::Other(format!("waiting for the command failed: {e}")))?;
        Ok(code_of(status))
    }
}
