//! `pancred exec [--env NAME]... -- CMD [ARGS...]`: runs a command with a fresh access token in
//! its environment (never in its arguments) and exits with the command's code.
//!
//! SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 sent to pancred are passed on to the command. SIGINT and
//! SIGQUIT from a terminal already reach the command (it runs in pancred's process group), so
//! pancred only waits for it to decide, as a shell does.

use super::oauth_cmds::{block_on, engine, hint_on_refresh};
use super::Context;
use crate::profile::Dialect;
use crate::resolve::ENV_ACCESS_TOKEN;
use crate::Error;
use std::ffi::OsString;

/// The variable every command run by `exec` finds its token in.
pub const ENV_PANCRED_ACCESS_TOKEN: &str = "PANCRED_ACCESS_TOKEN";

/// Runs the command; the result is the exit code pancred ends with.
pub fn exec(ctx: &Context, extra_env: &[String], command: &[OsString]) -> Result<i32, Error> {
    let Some((program, args)) = command.split_first() else {
        return Err(Error::Usage("exec needs a command after `--`".into()));
    };
    for name in extra_env {
        if name.is_empty() || name.contains('=') || name.contains('\0') {
            return Err(Error::Usage(format!(
                "--env {name:?} is not a variable name"
            )));
        }
    }
    let (engine, name) = engine(ctx)?;
    block_on(async {
        let token = engine
            .fresh_access_token(&name)
            .await
            .map_err(|e| hint_on_refresh(&name, e))?;
        let stored = engine.load(&name).await?;
        let (p, _) = engine.working(&name, stored.as_ref());
        let mut names = vec![ENV_PANCRED_ACCESS_TOKEN.to_string()];
        // pancloud programs take PAN_ACCESS_TOKEN as the whole credential set: they use the
        // token as it is and never refresh it themselves.
        if p.dialect == Dialect::Pancloud {
            names.push(ENV_ACCESS_TOKEN.to_string());
        }
        names.extend(extra_env.iter().cloned());
        let mut cmd = tokio::process::Command::new(program);
        cmd.args(args);
        for n in &names {
            cmd.env(n, token.expose());
        }
        let child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                let shown = program.to_string_lossy();
                eprintln!("pancred: error: cannot run {shown:?}: {e}");
                // The shell's codes: 127 not found, 126 found but not runnable.
                return Ok(if e.kind() == std::io::ErrorKind::NotFound {
                    127
                } else {
                    126
                });
            }
        };
        drop(token);
        supervise(child).await
    })
}

#[cfg(unix)]
async fn supervise(mut child: tokio::process::Child) -> Result<i32, Error> {
    use nix::sys::signal::{kill, Signal};
    use nix::unistd::Pid;
    use std::os::unix::process::ExitStatusExt;
    use tokio::signal::unix::{signal, SignalKind};

    let listen = |kind: SignalKind| {
        signal(kind).map_err(|e| Error::Other(format!("cannot watch signals: {e}")))
    };
    let mut term = listen(SignalKind::terminate())?;
    let mut hup = listen(SignalKind::hangup())?;
    let mut usr1 = listen(SignalKind::user_defined1())?;
    let mut usr2 = listen(SignalKind::user_defined2())?;
    // Listened to only so that they do not end pancred before the command.
    let mut int = listen(SignalKind::interrupt())?;
    let mut quit = listen(SignalKind::quit())?;
    let pid = child
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .map(Pid::from_raw);
    loop {
        let forward = tokio::select! {
            status = child.wait() => {
                let status = status
                    .map_err(|e| Error::Other(format!("waiting for the command failed: {e}")))?;
                // A command killed by a signal ends pancred as a shell reports it: 128 + signal.
                return Ok(status
                    .code()
                    .or_else(|| status.signal().map(|s| 128 + s))
                    .unwrap_or(1));
            }
            _ = term.recv() => Some(Signal::SIGTERM),
            _ = hup.recv() => Some(Signal::SIGHUP),
            _ = usr1.recv() => Some(Signal::SIGUSR1),
            _ = usr2.recv() => Some(Signal::SIGUSR2),
            _ = int.recv() => None,
            _ = quit.recv() => None,
        };
        if let (Some(sig), Some(pid)) = (forward, pid) {
            // The command may have ended meanwhile: its status comes next round.
            let _ = kill(pid, sig);
        }
    }
}

#[cfg(not(unix))]
async fn supervise(mut child: tokio::process::Child) -> Result<i32, Error> {
    let status = child
        .wait()
        .await
        .map_err(|e| Error::Other(format!("waiting for the command failed: {e}")))?;
    Ok(status.code().unwrap_or(1))
}
